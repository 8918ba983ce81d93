using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Import, "EtcdCertificateSet")]
    [OutputType(typeof(EtcdCertificateSet))]
    public sealed class ImportEtcdCertificateSetCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        public string Path { get; set; } = "";

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ClientName { get; set; } = EtcdCertificateSet.DefaultClientName;

        protected override void ProcessRecord()
        {
            var directory = ResolvePath(Path);
            try
            {
                var set = CertificateSetLoader.Import(directory, ClientName, out var warnings);
                foreach (var warning in warnings) WriteWarning(warning);
                WriteObject(set);
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, directory);
            }
        }
    }
}
