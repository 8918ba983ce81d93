using System;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Restart, "EtcdNode", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdNodeState))]
    public sealed class RestartEtcdNodeCommand : EtcdHostCmdlet
    {
        /// <summary>Client certificates to check the cluster's health between restarts.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet CertificateSet { get; set; } = null!;

        /// <summary>How long to wait for the cluster to be healthy before and after each restart, in seconds.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 60;

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void EndProcessing()
        {
            foreach (var cluster in Clusters)
            {
                var health = EtcdClusterHealth.ForCluster(cluster, CertificateSet);
                var targets = SelectMembers(cluster).Where(m => ShouldProcess($"{m.Name} ({m.SshTarget})", "Restart etcd (rolling, health-gated)")).ToList();
                var activity = $"Restarting etcd on cluster '{cluster.Name}'";
                try
                {
                    for (var i = 0; i < targets.Count; i++)
                    {
                        var member = targets[i];
                        WriteProgress(new ProgressRecord(1, activity, $"{member.Name}: reading its state") { PercentComplete = 100 * i / targets.Count });
                        var before = ReadStates(cluster, new[] { member });
                        if (before.Count == 0) break;   // the host did not answer (the error is written): stop rolling
                        // Restarting a running member while another is down could cost quorum: require full health first.
                        // A member that is down cannot cost quorum by starting: restart it without waiting.
                        if (RestartPolicy.WaitForHealthBefore(before[0]))
                        {
                            WriteProgress(new ProgressRecord(1, activity, $"{member.Name}: waiting for a healthy cluster") { PercentComplete = 100 * i / targets.Count });
                            Wait(health, "before restarting " + member.Name);
                        }
                        WriteProgress(new ProgressRecord(1, activity, $"{member.Name}: restarting") { PercentComplete = 100 * i / targets.Count });
                        var state = RunServiceAction(activity, cluster, new[] { member }, "systemctl restart etcd", NodeService.RestartAsync);
                        if (state.Count == 0) break;   // the error is written; stop rolling on this cluster
                        Wait(health, "after restarting " + member.Name);
                        if (PassThru) WriteObject(state[0]);
                    }
                }
                finally { WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed }); }
            }
        }

        private void Wait(EtcdClusterHealth health, string when)
        {
            var task = health.WaitAsync(TimeSpan.FromSeconds(TimeoutSeconds), Cancellation);
            try { task.GetAwaiter().GetResult(); }
            catch (OperationCanceledException) { throw new PipelineStoppedException(); }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(new EtcdOpsException(ErrorIds.ClusterUnhealthy, FailureKind.InvalidOperation,
                    $"Rolling restart stopped {when}: {ex.Message} No further member was restarted.", health, ex));
            }
        }
    }
}
