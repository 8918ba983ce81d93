using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>Waits for a cluster to be ready (every member healthy, one leader), from the workstation, over the gateway API.</summary>
    internal sealed class EtcdClusterHealth
    {
        // A deploy waits on this right after etcd starts: a short interval is a tenth of a second less on every wait.
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);
        private readonly EtcdClient _client;

        private EtcdClusterHealth(EtcdClient client) => _client = client;

        public static EtcdClusterHealth ForCluster(EtcdCluster cluster, EtcdCertificateSet certificates) =>
            ForCluster(cluster, certificates.CaCertificatePath, certificates.ClientCertificatePath, certificates.ClientKeyPath);

        /// <summary>The same with explicit files (a CA bundle during a CA rotation).</summary>
        public static EtcdClusterHealth ForCluster(EtcdCluster cluster, string caCertificatePath, string clientCertificatePath, string clientKeyPath) =>
            new EtcdClusterHealth(new EtcdClient(new EtcdConnection(cluster.ClientUrls, caCertificatePath, clientCertificatePath, clientKeyPath) { Timeout = TimeSpan.FromSeconds(1) }));

        /// <summary>Returns when ready; throws EtcdClusterNotReady (naming each endpoint's problem) after <paramref name="timeout"/>.</summary>
        public Task WaitAsync(TimeSpan timeout, CancellationToken cancellation) =>
            Task.Run(() => _client.WaitUntilReady(_ => _client.Connection.Endpoints, timeout, PollInterval, null, cancellation), cancellation);

        /// <summary>The same, for some members of <paramref name="cluster"/> only (a member still to join is not asked).</summary>
        public Task WaitAsync(EtcdCluster cluster, IReadOnlyList<EtcdMember> members, TimeSpan timeout, CancellationToken cancellation)
        {
            var endpoints = members.Select(cluster.ClientUrl).ToList();
            return Task.Run(() => _client.WaitUntilReady(_ => endpoints, timeout, PollInterval, null, cancellation), cancellation);
        }

        /// <summary>The cluster's membership over the same connection, looking at <paramref name="cluster"/>'s client URLs.</summary>
        public ClusterMembership Membership(EtcdCluster cluster) => new ClusterMembership(_client.Api, () => cluster.ClientUrls);

        public override string ToString() => string.Join(",", _client.Connection.Endpoints);
    }
}
