using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsDiagnostic.Test, "EtcdCertificateSet")]
    [OutputType(typeof(EtcdFinding))]
    public sealed class TestEtcdCertificateSetCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true)]
        public EtcdCertificateSet CertificateSet { get; set; } = null!;

        /// <summary>With a cluster, each member's address is checked against its peer certificate and the server certificate.</summary>
        [Parameter(Position = 1, ValueFromPipeline = true)]
        public EtcdCluster? Cluster { get; set; }

        [Parameter]
        [ValidateRange(0, 3650)]
        public int WarningDays { get; set; } = 30;

        protected override void ProcessRecord()
        {
            try
            {
                foreach (var finding in CertificateSetValidator.Test(CertificateSet, Cluster, WarningDays))
                    WriteObject(finding);
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, CertificateSet);
            }
        }
    }
}
