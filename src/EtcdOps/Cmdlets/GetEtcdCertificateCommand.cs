using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdCertificate")]
    [OutputType(typeof(EtcdCertificateInfo))]
    public sealed class GetEtcdCertificateCommand : EtcdHostCmdlet
    {
        private const string PathSet = "Path";
        private const string ClusterSet = "Cluster";

        /// <summary>A certificate file, or a directory whose certificate files are all read. EtcdCertificateSet objects bind by their Path.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Alias("FullName")]
        public string[] Path { get; set; } = new string[0];

        /// <summary>Read the certificates installed on the members' hosts (over SSH) instead of local files.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ClusterSet)]
        public override EtcdCluster Cluster { get; set; } = null!;

        /// <summary>Warn about certificates with fewer days than this left (host certificates).</summary>
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateRange(0, 36500)]
        public int WarningDays { get; set; } = 30;

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ClusterSet) base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ClusterSet)
            {
                base.ProcessRecord();
                return;
            }
            foreach (var item in Path)
            {
                foreach (var path in Expand(item)) Read(path);
            }
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName != ClusterSet) return;
            foreach (var cluster in Clusters)
            {
                var perHost = RunOnHosts("Reading installed certificates", SelectMembers(cluster), async (m, host, report, ct) =>
                {
                    var layout = await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false);
                    report("Reading certificates");
                    return new HostCertificates(await HostCertificateReader.ReadAsync(host, layout, m.Name, ct).ConfigureAwait(false));
                });
                foreach (var found in perHost)
                {
                    foreach (var problem in found.Result.Problems) WriteFailure(problem, problem.Target);
                    foreach (var info in found.Result.Certificates)
                    {
                        if (info.DaysLeft < WarningDays)
                            WriteWarning(info.DaysLeft < 0
                                ? $"{info.Member}: {info.Path} ({info.Subject}) expired {-info.DaysLeft} day(s) ago. Renew it: Update-EtcdCertificate, or New-EtcdCertificateSet and Install-EtcdNode."
                                : $"{info.Member}: {info.Path} ({info.Subject}) expires in {info.DaysLeft} day(s), on {info.NotAfter:yyyy-MM-dd}. Renew it before then.");
                        WriteObject(info);
                    }
                }
            }
        }

        /// <summary>RunOnHosts wants a reference type per host.</summary>
        private sealed class HostCertificates
        {
            public HostCertificates((System.Collections.Generic.IReadOnlyList<EtcdCertificateInfo> Certificates, System.Collections.Generic.IReadOnlyList<EtcdOpsException> Problems) result) => Result = result;
            public (System.Collections.Generic.IReadOnlyList<EtcdCertificateInfo> Certificates, System.Collections.Generic.IReadOnlyList<EtcdOpsException> Problems) Result { get; }
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
