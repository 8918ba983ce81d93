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
                var states = RunOnHosts("Starting etcd", targets, async (m, host, report, ct) =>
                {
                    report("systemctl start etcd");
                    await NodeService.StartAsync(host, ct).ConfigureAwait(false);
                    return await NodeService.GetStateAsync(host, m, NodeInstallSpec.DefaultBinDir, ct).ConfigureAwait(false);
                });
                if (PassThru) WriteObject(states, true);
            }
        }
    }
}
