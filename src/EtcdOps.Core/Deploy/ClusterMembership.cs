using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>
    /// The running cluster as deploy sees it: the members of the cluster most endpoints belong to (<see cref="Map"/>), and
    /// the endpoints that answered for another cluster (a rogue bootstrap, a data dir from an earlier cluster).
    /// </summary>
    internal sealed class LiveCluster
    {
        public LiveCluster(ulong clusterId, EtcdMemberMap map, IReadOnlyDictionary<string, string> foreign)
        {
            ClusterId = clusterId; Map = map; Foreign = foreign;
        }

        public ulong ClusterId { get; }

        /// <summary>Its members, their statuses and their leader.</summary>
        public EtcdMemberMap Map { get; }

        /// <summary>Endpoints that answered with another cluster ID: endpoint -> that cluster's ID (hex).</summary>
        public IReadOnlyDictionary<string, string> Foreign { get; }
    }

    /// <summary>The membership calls the installer, Add-EtcdMember and Remove-EtcdMember make; faked in tests.</summary>
    internal interface IClusterMembership
    {
        /// <summary>The live cluster, or null when no endpoint answers.</summary>
        Task<LiveCluster?> ReadAsync(CancellationToken cancellation);

        /// <summary>member add --learner: the new member and the member list that includes it.</summary>
        Task<EtcdMemberAddReply> AddLearnerAsync(string peerUrl, CancellationToken cancellation);

        /// <summary>Promotes a learner once etcd says it is in sync with the leader (retried, bounded).</summary>
        Task PromoteAsync(ulong memberId, CancellationToken cancellation);

        Task RemoveAsync(ulong memberId, CancellationToken cancellation);

        /// <summary>Moves leadership from <paramref name="leaderEndpoint"/> (the leader) to <paramref name="targetId"/>.</summary>
        Task MoveLeaderAsync(string leaderEndpoint, ulong targetId, CancellationToken cancellation);
    }

    /// <summary><see cref="IClusterMembership"/> over etcd's API (<see cref="IEtcdTransport"/>), asking the given client URLs.</summary>
    internal sealed class ClusterMembership : IClusterMembership
    {
        private static readonly TimeSpan RetryInterval = TimeSpan.FromMilliseconds(200);
        private readonly IEtcdTransport _api;
        private readonly Func<IReadOnlyList<string>> _endpoints;
        private IReadOnlyList<string> _voters = Array.Empty<string>();
        private IReadOnlyList<EtcdEndpointStatus> _voterStatus = Array.Empty<EtcdEndpointStatus>();

        /// <param name="endpoints">The client URLs to look at (read each time: a grown cluster has more).</param>
        public ClusterMembership(IEtcdTransport api, Func<IReadOnlyList<string>> endpoints)
        {
            _api = api; _endpoints = endpoints;
        }

        /// <summary>How long one request may take.</summary>
        public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(2);

        /// <summary>How long a learner may take to catch up before promoting it gives up.</summary>
        public TimeSpan PromoteTimeout { get; set; } = TimeSpan.FromSeconds(60);

        public async Task<LiveCluster?> ReadAsync(CancellationToken cancellation)
        {
            var endpoints = _endpoints();
            var asked = await Task.WhenAll(endpoints.Select(e => EtcdClient.GetStatusAsync(_api, e, RequestTimeout, cancellation))).ConfigureAwait(false);
            var answered = asked.Where(a => a.Failure == null).Select(a => a.Row).ToList();
            if (answered.Count == 0) return null;
            // The cluster most endpoints belong to; on a tie the one with a voter that knows a leader.
            var group = answered.GroupBy(a => a.ClusterID)
                .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Count(a => a.Leader.Length > 0)).First();
            var voters = group.Where(a => !a.IsLearner).ToList();
            var foreign = answered.Where(a => a.ClusterID != group.Key).ToDictionary(a => a.Endpoint, a => a.ClusterID);
            _voters = voters.Select(v => v.Endpoint).ToList();
            _voterStatus = voters;
            var list = await OnVoterAsync(e => _api.MemberListAsync(e, true, RequestTimeout, cancellation), "read the member list", cancellation).ConfigureAwait(false);
            var ours = asked.Where(a => a.Failure != null || a.Row.ClusterID == group.Key).ToList();
            return new LiveCluster(EtcdClient.ParseId(group.Key), EtcdMemberMap.Of(list.Members.Select(LiveMember.From).ToList(), ours), foreign);
        }

        /// <summary>How long member add is retried while etcd calls the cluster unhealthy (see <see cref="IsNotYetConnected"/>).</summary>
        public TimeSpan AddTimeout { get; set; } = TimeSpan.FromSeconds(15);

        public async Task<EtcdMemberAddReply> AddLearnerAsync(string peerUrl, CancellationToken cancellation)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try { return await OnVoterAsync(e => _api.MemberAddAsync(e, new[] { peerUrl }, true, RequestTimeout, cancellation), "add a member", cancellation).ConfigureAwait(false); }
                catch (EtcdRefusedException refused) when (IsNotYetConnected(refused) && clock.Elapsed < AddTimeout)
                {
                    await Task.Delay(RetryInterval, cancellation).ConfigureAwait(false);
                }
            }
        }

        /// <summary>
        /// With strict-reconfig-check etcd refuses member add ("etcdserver: unhealthy cluster") until the member asked
        /// has been connected to every voter for 5 s (its health interval): right after a start or a restart it is not.
        /// </summary>
        internal static bool IsNotYetConnected(EtcdRefusedException refused) =>
            refused.EtcdMessage.IndexOf("unhealthy cluster", StringComparison.OrdinalIgnoreCase) >= 0;

        public async Task PromoteAsync(ulong memberId, CancellationToken cancellation)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    await OnVoterAsync(e => _api.MemberPromoteAsync(e, memberId, RequestTimeout, cancellation), "promote the learner", cancellation).ConfigureAwait(false);
                    return;
                }
                catch (EtcdRefusedException refused) when (IsNotYetInSync(refused) && clock.Elapsed < PromoteTimeout)
                {
                    await Task.Delay(RetryInterval, cancellation).ConfigureAwait(false);
                }
                catch (EtcdRefusedException refused) when (IsNotYetInSync(refused))
                {
                    throw new EtcdOpsException(ErrorIds.LearnerNotInSync, FailureKind.OperationTimeout,
                        $"The learner {EtcdClient.Hex(memberId)} did not catch up with the leader within {PromoteTimeout.TotalSeconds:0} s (etcd: \"{refused.EtcdMessage}\"). " +
                        "It stays a learner (it does not count for quorum). Check its journal (Get-EtcdNodeLog) and the network to its peers, then run the same command again: it promotes the learner it finds.",
                        EtcdClient.Hex(memberId), refused);
                }
            }
        }

        /// <summary>etcd's refusals that go away once the learner has caught up (3.4 and 3.5 word them alike).</summary>
        internal static bool IsNotYetInSync(EtcdRefusedException refused) =>
            refused.EtcdMessage.IndexOf("in sync with leader", StringComparison.OrdinalIgnoreCase) >= 0
            || refused.EtcdMessage.IndexOf("not ready", StringComparison.OrdinalIgnoreCase) >= 0;

        public Task RemoveAsync(ulong memberId, CancellationToken cancellation)
        {
            // Not to the member being removed, while another voter answers: it stops serving as soon as it learns.
            var self = EtcdClient.Hex(memberId);
            _voters = _voterStatus.OrderBy(v => v.ID == self ? 1 : 0).Select(v => v.Endpoint).ToList();
            return OnVoterAsync(e => _api.MemberRemoveAsync(e, memberId, RequestTimeout, cancellation), "remove the member", cancellation);
        }

        public Task MoveLeaderAsync(string leaderEndpoint, ulong targetId, CancellationToken cancellation) =>
            _api.MoveLeaderAsync(leaderEndpoint, targetId, RequestTimeout, cancellation);

        /// <summary>
        /// Sends a request to the first voter that answers; a voter that cannot be reached is skipped. etcd's own
        /// refusal is final (another voter would refuse alike).
        /// </summary>
        private async Task<T> OnVoterAsync<T>(Func<string, Task<T>> call, string what, CancellationToken cancellation)
        {
            var voters = _voters.Count > 0 ? _voters : _endpoints();
            var failures = new List<string>();
            foreach (var e in voters)
            {
                cancellation.ThrowIfCancellationRequested();
                try { return await call(e).ConfigureAwait(false); }
                catch (EtcdRefusedException) { throw; }
                catch (EtcdOpsException ex) { failures.Add(ex.Message); }
            }
            throw new EtcdOpsException(ErrorIds.NoVotingMemberAnswered, FailureKind.ConnectionError,
                $"No voting member answered to {what}:" + string.Concat(failures.Select(f => Environment.NewLine + "  " + f)), voters.FirstOrDefault());
        }
    }
}
