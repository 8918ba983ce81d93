using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdCertificate")]
    [OutputType(typeof(EtcdCertificateInfo))]
    public sealed class GetEtcdCertificateCommand : EtcdCmdlet
    {
        /// <summary>A certificate file, or a directory whose certificate files are all read. EtcdCertificateSet objects bind by their Path.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        public string[] Path { get; set; } = new string[0];

        protected override void ProcessRecord()
        {
            foreach (var item in Path)
            {
                foreach (var path in Expand(item)) Read(path);
            }
        }

        /// <summary>Wildcards expand like any PowerShell path; a pattern that matches nothing is an error, a plain missing path is reported by the reader.</summary>
        private System.Collections.Generic.IEnumerable<string> Expand(string item)
        {
            if (!WildcardPattern.ContainsWildcardCharacters(item)) return new[] { ResolvePath(item) };
            System.Collections.Generic.IReadOnlyCollection<string> found;
            // Like a directory read: a pattern such as ./pki/* gives the certificates, and key files stay unopened.
            try { found = GetResolvedProviderPathFromPSPath(item, out _).Where(p => System.IO.Directory.Exists(p) || CertificateSetLoader.IsCertificateFile(p)).ToList(); }
            catch (ItemNotFoundException) { found = new string[0]; }
            if (found.Count == 0)
                WriteError(new ErrorRecord(new ItemNotFoundException($"No file matches '{item}'. Check the path and the pattern."),
                    ErrorIds.CertificateNotFound, ErrorCategory.ObjectNotFound, item));
            return found;
        }

        private void Read(string path)
        {
            try
            {
                foreach (var info in CertificateSetLoader.ReadCertificates(path)) WriteObject(info);
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, path);
            }
        }
    }
}
