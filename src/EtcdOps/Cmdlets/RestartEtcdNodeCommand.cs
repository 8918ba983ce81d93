using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Management.Automation;

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
                var selected = SelectMembers(cluster);
                var names = selected.Select(m => m.Name).ToList();
                var events = new ConcurrentQueue<(int Index, string Status)>();
                RollingRestart restart;
                try
                {
                    var health = EtcdClusterHealth.ForCluster(cluster, CertificateSet);
                    var client = RollingRestart.ClientFor(cluster, CertificateSet.CaCertificatePath, CertificateSet.ClientCertificatePath, CertificateSet.ClientKeyPath);
                    restart = new RollingRestart(cluster, client, ConnectAsync, ct => health.WaitAsync(TimeSpan.FromSeconds(TimeoutSeconds), ct),
                        p => events.Enqueue((names.IndexOf(p.Member), p.Phase)), Cancellation)
                    {
                        Operation = $"The rolling restart of cluster '{cluster.Name}'",
                    };
                }
                catch (EtcdOpsException ex)
                {
                    WriteFailure(ex, cluster);
                    continue;
                }

                // Asked in the order they go: -WhatIf shows the leader last.
                var order = Run($"Finding the leader of cluster '{cluster.Name}'", names, events, () => restart.OrderAsync(selected));
                var targets = order.Where(m => ShouldProcess($"{m.Name} ({m.SshTarget})", m.Name == restart.Leader
                    ? "Restart etcd (rolling, health-gated; the leader, last: leadership moved to another member first)"
                    : "Restart etcd (rolling, health-gated)")).ToList();
                if (targets.Count == 0) continue;
                try
                {
                    var states = Run($"Restarting etcd on cluster '{cluster.Name}'", names, events, () => restart.RunAsync(targets));
                    if (PassThru) WriteObject(states, enumerateCollection: true);
                }
                catch (RollingRestartStopped stopped)
                {
                    if (PassThru) WriteObject(stopped.Restarted, enumerateCollection: true);
                    // An unhealthy cluster ends the call; a host that failed is that cluster's error, and the next cluster goes on.
                    if (stopped.Unhealthy) ThrowFailure(stopped, stopped.Member);
                    WriteFailure(stopped, stopped.Member);
                }
            }
        }
    }
}
