using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsDiagnostic.Test, "EtcdConsistency")]
    [OutputType(typeof(EtcdMemberHash), typeof(bool))]
    public sealed class TestEtcdConsistencyCommand : EtcdApiCmdlet
    {
        /// <summary>Return only $true when every voting member has the same hash, $false otherwise, and write no errors.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        /// <summary>Seconds each member may take to hash its store (status and member list requests get 5 s).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public double Timeout { get; set; } = 60;

        protected override void EndProcessing() => RunMaintenance(EtcdConnection.DefaultTimeout, maintenance =>
        {
            ConsistencyReport report;
            try
            {
                report = WithProgress("Comparing the etcd members' data", "Asking every voting member for the hash of its store",
                    () => maintenance.CheckConsistency(Seconds(Timeout)));
            }
            catch (EtcdOpsException ex) when (Quiet)
            {
                WriteVerbose(ex.Message);
                WriteObject(false);
                return;
            }
            WriteVerbose($"Hashes at revision {report.Revision}: {(report.Consistent ? "consistent" : "not consistent")}.");
            if (Quiet)
            {
                foreach (var failure in report.Failures) WriteVerbose(failure.Message);
                WriteObject(report.Consistent);
                return;
            }
            foreach (var row in report.Rows) WriteObject(row);
            foreach (var failure in report.Failures) WriteFailure(failure);
        });
    }
}
