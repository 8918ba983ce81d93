using System;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>Waits for a cluster to be ready (every member healthy, one leader), from the workstation, over the gateway API.</summary>
    internal sealed class EtcdClusterHealth
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
        private readonly EtcdClient _client;

        private EtcdClusterHealth(EtcdClient client) => _client = client;

        public static EtcdClusterHealth ForCluster(EtcdCluster cluster, EtcdCertificateSet certificates) =>
            new EtcdClusterHealth(new EtcdClient(new EtcdConnection(cluster.ClientUrls, certificates.CaCertificatePath,
                certificates.ClientCertificatePath, certificates.ClientKeyPath) { Timeout = TimeSpan.FromSeconds(1) }));

        /// <summary>Returns when ready; throws EtcdClusterNotReady (naming each endpoint's problem) after <paramref name="timeout"/>.</summary>
        public Task WaitAsync(TimeSpan timeout, CancellationToken cancellation) =>
            Task.Run(() => _client.WaitUntilReady(_ => _client.Connection.Endpoints, timeout, PollInterval, null, cancellation), cancellation);

        public override string ToString() => string.Join(",", _client.Connection.Endpoints);
    }
}
