using System;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Wait, "EtcdCluster")]
    [OutputType(typeof(EtcdEndpointStatus))]
    public sealed class WaitEtcdClusterCommand : EtcdApiCmdlet
    {
        /// <summary>Seconds to wait for the whole cluster.</summary>
        [Parameter]
        [ValidateRange(0.1, 86400)]
        public double Timeout { get; set; } = 60;

        /// <summary>etcdctl --cluster: wait for every member in the member list, read again on each attempt.</summary>
        [Parameter]
        public SwitchParameter AllMembers { get; set; }

        /// <summary>Write the endpoint status rows of the successful check.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(500);

        protected override void EndProcessing()
        {
            var connection = ResolveConnection(EtcdConnection.DefaultTimeout);
            var client = CreateClient(connection);
            var progress = new ProgressRecord(1, "Waiting for the etcd cluster", $"Checking {string.Join(", ", connection.Endpoints)}");
            var attempt = 0;
            try
            {
                var ready = client.WaitUntilReady(
                    requestTimeout => AllMembers
                        ? client.GetAllMemberEndpoints(connection.Endpoints, Cancellation, requestTimeout)
                        : connection.Endpoints,
                    Seconds(Timeout), PollInterval,
                    (readiness, elapsed) =>
                    {
                        attempt++;
                        var healthy = readiness.Health.Count(h => h.Health);
                        progress.StatusDescription = $"Attempt {attempt}: {healthy} of {readiness.Health.Count} endpoints healthy" +
                            (readiness.Leader.Length > 0 ? $", leader {readiness.Leader}" : ", no agreed leader");
                        progress.PercentComplete = Math.Min(99, (int)(elapsed.TotalSeconds * 100 / Timeout));
                        WriteProgress(progress);
                        foreach (var problem in readiness.Problems) WriteVerbose(problem);
                    },
                    Cancellation);
                WriteVerbose($"Cluster ready: {ready.Status.Count} endpoints healthy, leader {ready.Leader}.");
                if (PassThru) foreach (var status in ready.Status) WriteObject(status);
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
    }
}
