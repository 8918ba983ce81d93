using System;
using System.Management.Automation;
using System.Threading;

namespace EtcdOps.Commands
{
    /// <summary>
    /// etcdctl check perf as a cmdlet: the same loads and pass criteria, writes under a unique prefix that is deleted
    /// afterwards (also on Ctrl+C), progress while it runs, and a verdict object with the figures.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "EtcdPerformance", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(EtcdPerformanceResult))]
    public sealed class TestEtcdPerformanceCommand : EtcdApiCmdlet
    {
        /// <summary>etcdctl check perf --load: s (150 writes/s, 50 clients), m (1000, 200), l (8000, 500), xl (15000, 1000); 60 s each.</summary>
        [Parameter]
        [ValidateSet("s", "m", "l", "xl", "small", "medium", "large", "xLarge", IgnoreCase = true)]
        public string Load { get; set; } = "s";

        protected override void EndProcessing()
        {
            var load = PerformanceLoad.Get(Load);
            var connection = ResolveConnection(EtcdConnection.DefaultTimeout);
            CreateClient(connection); // checks the endpoints and TLS files before the run, as every API cmdlet does
            var check = PerformanceCheck.For(connection, load);
            var endpoints = string.Join(", ", connection.Endpoints);
            if (!ShouldProcess(endpoints,
                    $"Write {load.Limit} keys/s of {PerformanceLoad.KeySize + PerformanceLoad.ValueSize} bytes from {load.Clients} clients for {load.Duration.TotalSeconds:0} s under {check.Prefix}, then delete that prefix"))
                return;

            const string activity = "Checking etcd's performance (etcdctl check perf)";
            var record = new ProgressRecord(1, activity, $"Load {load.Name}: {load.Limit} writes/s from {load.Clients} clients");
            var task = check.RunAsync(Cancellation);
            EtcdPerformanceResult result;
            try
            {
                while (!WaitQuietly(task, 500))
                {
                    var elapsed = check.Elapsed;
                    record.PercentComplete = (int)Math.Min(100, elapsed.TotalSeconds * 100 / check.Duration.TotalSeconds);
                    record.SecondsRemaining = (int)Math.Max(0, (check.Duration - elapsed).TotalSeconds);
                    record.CurrentOperation = elapsed < check.Duration ? $"{check.Completed} writes answered" : $"Deleting {check.Prefix}";
                    WriteProgress(record);
                }
                result = task.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                throw new PipelineStoppedException();
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex, check.Prefix);
                return;
            }
            finally
            {
                // Ctrl+C stops WriteProgress: the run still deletes its keys before the pipeline ends.
                if (!task.IsCompleted) WaitQuietly(task, Timeout.Infinite);
                record.RecordType = ProgressRecordType.Completed;
                try { WriteProgress(record); }
                catch (PipelineStoppedException) { }
            }
            foreach (var line in result.Report) WriteVerbose(line);
            WriteObject(result);
        }
    }
}
