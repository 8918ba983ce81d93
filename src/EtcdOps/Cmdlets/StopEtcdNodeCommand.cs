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
                var states = ReadStates(cluster);
                var refusal = QuorumGuard.Check(cluster, states, selected.Select(m => m.Name).ToList(), "Stopping");
                if (refusal != null && !Force) ThrowFailure(refusal);
                var targets = selected.Where(m => ShouldProcess($"{m.Name} ({m.SshTarget})", "Stop etcd")).ToList();
                if (targets.Count == 0) continue;
                var after = RunServiceAction("Stopping etcd", cluster, targets, "systemctl stop etcd", NodeService.StopAsync);
                if (PassThru) WriteObject(after, true);
            }
        }
    }
}
