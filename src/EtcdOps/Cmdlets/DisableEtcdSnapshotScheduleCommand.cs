using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Disable, "EtcdSnapshotSchedule", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdSnapshotSchedule))]
    public sealed class DisableEtcdSnapshotScheduleCommand : EtcdHostCmdlet
    {
        protected override void EndProcessing()
        {
            foreach (var cluster in Clusters)
            {
                var targets = SelectMembers(cluster).Where(m => ShouldProcess($"{m.Name} ({m.SshTarget})", SnapshotSchedule.DisableDescription)).ToList();
                if (targets.Count == 0) continue;
                var results = RunOnHosts($"Disabling snapshots on cluster '{cluster.Name}'", targets, (m, host, report, ct) =>
                {
                    report("Removing the timer");
                    return SnapshotSchedule.DisableAsync(host, m, ct);
                });
                WriteObject(results, true);
            }
        }
    }
}
