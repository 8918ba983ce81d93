using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Uninstall, "EtcdNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    public sealed class UninstallEtcdNodeCommand : EtcdHostCmdlet
    {
        /// <summary>Also delete the data directory: every key this member holds is gone.</summary>
        [Parameter]
        public SwitchParameter RemoveData { get; set; }

        /// <summary>Do not ask before deleting data, and go ahead even when the cluster would lose quorum.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void EndProcessing()
        {
            foreach (var cluster in Clusters)
            {
                var selected = SelectMembers(cluster);
                if (!Force)
                {
                    var refusal = QuorumGuard.Check(cluster, ReadStates(cluster), selected.Select(m => m.Name).ToList(), "Uninstalling");
                    if (refusal != null) ThrowFailure(refusal);
                }
                var targets = selected.Where(m =>
                    ShouldProcess($"{m.Name} ({m.SshTarget})",
                        RemoveData ? "Stop etcd, remove its unit, binaries, config and certificates AND its data directory"
                                   : "Stop etcd, remove its unit, binaries, config and certificates (the data directory stays)")).ToList();
                if (targets.Count == 0) continue;
                if (RemoveData && !Force && !ShouldContinue(
                        $"Delete {cluster.DataDir} on {string.Join(", ", targets.Select(t => t.Name))}? The data in it cannot be recovered without a snapshot.",
                        "Remove etcd data"))
                    continue;
                RunOnHosts("Uninstalling etcd", targets, async (m, host, report, ct) =>
                {
                    report("Removing etcd");
                    await NodeService.UninstallAsync(host, await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false), RemoveData, ct).ConfigureAwait(false);
                    return m;
                });
            }
        }
    }
}
