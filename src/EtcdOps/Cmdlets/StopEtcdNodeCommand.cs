using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Stop, "EtcdNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EtcdNodeState))]
    public sealed class StopEtcdNodeCommand : EtcdHostCmdlet
    {
        /// <summary>Stop even when the cluster would lose quorum.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            foreach (var cluster in Clusters)
            {
                var selected = SelectMembers(cluster);
                var states = RunOnHosts("Reading etcd service state", cluster.Members,
                    (m, host, report, ct) => NodeService.GetStateAsync(host, m, NodeInstallSpec.DefaultBinDir, ct));
                var runningAfter = states.Count(s => s.Active == "active" && !selected.Any(m => m.Name == s.Name));
                var quorum = cluster.Members.Count / 2 + 1;
                if (runningAfter < quorum && !Force)
                {
                    ThrowFailure(new EtcdOpsException("QuorumWouldBeLost", FailureKind.InvalidOperation,
                        $"Stopping {string.Join(", ", selected.Select(m => m.Name))} would leave {runningAfter} of {cluster.Members.Count} members running; " +
                        $"the cluster needs {quorum} for quorum and would stop serving reads and writes. Stop fewer members, or use -Force to stop anyway.", cluster));
                }
                var targets = selected.Where(m => ShouldProcess($"{m.Name} ({m.SshTarget})", "Stop etcd")).ToList();
                if (targets.Count == 0) continue;
                var after = RunServiceAction("Stopping etcd", targets, "systemctl stop etcd", NodeService.StopAsync);
                if (PassThru) WriteObject(after, true);
            }
        }
    }
}
