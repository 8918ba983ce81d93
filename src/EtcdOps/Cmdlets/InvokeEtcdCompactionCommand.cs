using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Invoke, "EtcdCompaction", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium, DefaultParameterSetName = CurrentSet)]
    [OutputType(typeof(EtcdCompaction))]
    public sealed class InvokeEtcdCompactionCommand : EtcdApiCmdlet
    {
        private const string CurrentSet = "Current";

        /// <summary>Compact to this revision.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Revision")]
        [ValidateRange(1, long.MaxValue)]
        public long Revision { get; set; }

        /// <summary>Keep this many of the latest revisions.</summary>
        [Parameter(Mandatory = true, ParameterSetName = "Keep")]
        [ValidateRange(0, long.MaxValue)]
        public long KeepRevisions { get; set; }

        /// <summary>Seconds the compaction may take (status and member list requests get 5 s).</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public double Timeout { get; set; } = 300;

        protected override void EndProcessing() => RunMaintenance(EtcdConnection.DefaultTimeout, maintenance =>
        {
            var plan = maintenance.PlanCompaction(
                ParameterSetName == "Revision" ? Revision : (long?)null,
                ParameterSetName == "Keep" ? KeepRevisions : (long?)null);
            if (plan.NothingToDo != null)
            {
                WriteWarning(plan.NothingToDo);
                return;
            }
            if (!ShouldProcess($"the cluster, through {plan.Via}",
                    $"Compact the key history to revision {plan.Revision} (current revision {plan.CurrentRevision}); older revisions can no longer be read"))
                return;
            var result = WithProgress("Compacting the etcd key history", $"To revision {plan.Revision}, through {plan.Via}",
                () => maintenance.Compact(plan, Seconds(Timeout)));
            if (result == null) WriteWarning($"The key history is compacted to revision {plan.Revision} or beyond already; nothing to do.");
            else WriteObject(result);
        });
    }
}
