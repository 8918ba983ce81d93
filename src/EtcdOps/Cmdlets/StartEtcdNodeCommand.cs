using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Start, "EtcdNode", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdNodeState))]
    public sealed class StartEtcdNodeCommand : EtcdHostCmdlet
    {
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            foreach (var cluster in Clusters)
            {
                var targets = SelectMembers(cluster).Where(m => ShouldProcess($"{m.Name} ({m.SshTarget})", "Start etcd")).ToList();
                if (targets.Count == 0) continue;
                // All at once and without blocking: a lone member of a stopped cluster waits for quorum.
                var states = RunServiceAction("Starting etcd", cluster, targets, "systemctl start etcd", NodeService.StartAsync);
                if (PassThru) WriteObject(states, true);
            }
        }
    }
}
