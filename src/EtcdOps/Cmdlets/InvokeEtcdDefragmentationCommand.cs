using System;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Invoke, "EtcdDefragmentation", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EtcdDefragmentation))]
    public sealed class InvokeEtcdDefragmentationCommand : EtcdApiCmdlet
    {
        /// <summary>Only these members (by name); all when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Member { get; set; }

        /// <summary>Defragment members with little free space in their file too.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Skip a member whose file has less free space than this (DbSize - DbSizeInUse), in bytes.</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long MinimumFreeBytes { get; set; } = 16 * 1024 * 1024;

        /// <summary>Seconds one member's defragmentation may take.</summary>
        [Parameter]
        [ValidateRange(1, 86400)]
        public double Timeout { get; set; } = 600;

        /// <summary>Seconds to wait for the cluster to be healthy again after each member.</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public double HealthTimeout { get; set; } = 60;

        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

        protected override void EndProcessing() => RunMaintenance(EtcdConnection.DefaultTimeout, maintenance =>
        {
            var progress = new ProgressRecord(1, "Defragmenting etcd members", "Checking the cluster's health");
            try
            {
                WriteProgress(progress);
                var plan = maintenance.PlanDefragmentation(Member, Force, MinimumFreeBytes, out var noSpace);
                if (noSpace && !Force)
                    WriteVerbose("A NOSPACE alarm is active: every member is defragmented whatever its free space (etcd does not update DbSizeInUse while it refuses writes).");
                WriteVerbose("Order: " + string.Join(", ", plan.Select(s => s.Member.Label + (s.IsLeader ? " (leader)" : "") + (s.Skip ? " (skip)" : ""))) + ".");
                for (var i = 0; i < plan.Count; i++)
                {
                    var step = plan[i];
                    var name = step.Member.Label;
                    progress.PercentComplete = 100 * i / plan.Count;
                    if (step.Skip)
                    {
                        WriteVerbose($"Skipping {name}: {step.SkipReason}.");
                        WriteObject(step.Skipped());
                        continue;
                    }
                    if (!ShouldProcess(step.Member.ToString(), step.IsLeader
                            ? "Defragment the leader (its reads and writes, and so the cluster's writes, wait while it runs)"
                            : "Defragment (its reads and writes wait while it runs)"))
                        continue;
                    WriteVerbose($"Defragmenting {step.Member}{(step.IsLeader ? ", the leader" : "")}.");
                    var clock = System.Diagnostics.Stopwatch.StartNew();
                    var task = maintenance.DefragmentAsync(step, Seconds(Timeout));
                    do
                    {
                        progress.StatusDescription = $"{name} ({i + 1} of {plan.Count}): defragmenting ({clock.Elapsed.TotalSeconds:0} s)";
                        WriteProgress(progress);
                    }
                    while (!WaitQuietly(task, 1000));
                    EtcdDefragmentation row;
                    try
                    {
                        row = task.GetAwaiter().GetResult();
                    }
                    catch (EtcdOpsException ex)
                    {
                        // A timeout leaves the member defragmenting: no further member while it may still be blocked.
                        WriteFailure(ex, step.Member.Endpoint);
                        WriteWarning($"No further member was defragmented. After a timeout {name} may still be defragmenting; Test-EtcdEndpointHealth shows when it is back.");
                        return;
                    }
                    WriteVerbose($"{name}: {ByteSize.Humanize(row.DbSizeBefore)} -> {ByteSize.Humanize(row.DbSizeAfter)} in {row.Took.TotalSeconds:0.0} s.");
                    WriteObject(row);
                    progress.StatusDescription = $"{name} ({i + 1} of {plan.Count}): waiting for a healthy cluster";
                    WriteProgress(progress);
                    maintenance.WaitHealthy(Seconds(HealthTimeout), PollInterval, $"after defragmenting {name}",
                        problems => { foreach (var problem in problems) WriteVerbose(problem); });
                }
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                try { WriteProgress(progress); }
                catch (PipelineStoppedException) { }
            }
        });
    }
}
