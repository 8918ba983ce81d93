using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>
    /// The running cluster as its members see it: the member list of the cluster most endpoints belong to, and the
    /// endpoints that answered for another cluster (a rogue bootstrap, a data dir from an earlier cluster).
    /// </summary>
    internal sealed class LiveCluster
    {
        public LiveCluster(ulong clusterId, IReadOnlyList<EtcdMemberEntry> members, IReadOnlyList<EtcdEndpointStatus> voters, IReadOnlyDictionary<string, string> foreign)
        {
            ClusterId = clusterId; Members = members; Voters = voters; Foreign = foreign;
        }

        public ulong ClusterId { get; }
        public IReadOnlyList<EtcdMemberEntry> Members { get; }

        /// <summary>The answering endpoints of this cluster that are voters (member list and promote go to them; a learner refuses).</summary>
        public IReadOnlyList<EtcdEndpointStatus> Voters { get; }

        /// <summary>Endpoints that answered with another cluster ID: endpoint -> that cluster's ID (hex).</summary>
        public IReadOnlyDictionary<string, string> Foreign { get; }

        public EtcdMemberEntry? FindByPeerUrl(string peerUrl) =>
            Members.FirstOrDefault(m => m.PeerUrls.Any(u => string.Equals(u.TrimEnd('/'), peerUrl.TrimEnd('/'), StringComparison.OrdinalIgnoreCase)));

        /// <summary>The leader's member ID, when a voter knows it.</summary>
        public ulong Leader => Voters.Select(v => ParseId(v.Leader)).FirstOrDefault(id => id != 0);

        public EtcdMemberEntry? Learner => Members.FirstOrDefault(m => m.IsLearner);

        internal static ulong ParseId(string hex) =>
            ulong.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id) ? id : 0;

        /// <summary>
        /// initial-cluster for a member joining this cluster: every member (the joiner included, once added) as
        /// name=peer-URL. etcd checks only the peer URLs against the running cluster; a member that has not started
        /// yet has no name, so it gets its inventory name, else one made of its ID.
        /// </summary>
        public string InitialClusterFor(Func<string, string?> nameOfPeerUrl) =>
            string.Join(",", Members.SelectMany(m => m.PeerUrls.Select(u =>
                (m.Name.Length > 0 ? m.Name : nameOfPeerUrl(u) ?? "unstarted-" + EtcdClient.Hex(m.Id)) + "=" + u)));
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
            var answers = await Task.WhenAll(endpoints.Select(async e =>
            {
                try { return await _api.StatusAsync(e, RequestTimeout, cancellation).ConfigureAwait(false); }
                catch (EtcdOpsException) { return null; }
            })).ConfigureAwait(false);
            var answered = answers.Where(a => a != null).Select(a => a!).ToList();
            if (answered.Count == 0) return null;
            // The cluster most endpoints belong to; on a tie the one with a voter that knows a leader.
            var group = answered.GroupBy(a => a.ClusterID)
                .OrderByDescending(g => g.Count()).ThenByDescending(g => g.Count(a => a.Leader.Length > 0)).First();
            var voters = group.Where(a => !a.IsLearner).ToList();
            var foreign = answered.Where(a => a.ClusterID != group.Key).ToDictionary(a => a.Endpoint, a => a.ClusterID);
            _voters = voters.Select(v => v.Endpoint).ToList();
            _voterStatus = voters;
            var list = await OnVoterAsync(e => _api.MemberListAsync(e, true, RequestTimeout, cancellation), "read the member list", cancellation).ConfigureAwait(false);
            return new LiveCluster(LiveCluster.ParseId(group.Key), list.Members, voters, foreign);
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
