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
                var path = ResolvePath(item);
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
}
