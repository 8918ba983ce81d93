using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    /// <summary>Add-EtcdMember's and Remove-EtcdMember's refusals, decided from the live cluster before anything changes.</summary>
    public class MembershipChecksTests
    {
        private static readonly EtcdCluster Cluster = new EtcdCluster
        {
            Name = "t", Version = "3.5.16", Token = "tok",
            Members = { new EtcdMember("etcd-1", "10.0.0.11"), new EtcdMember("etcd-2", "10.0.0.12"), new EtcdMember("etcd-3", "10.0.0.13") },
        };

        /// <summary>etcd-(i+1) at 10.0.0.1(i+1), ID 0x100 + i.</summary>
        internal static EtcdMemberEntry Entry(int i, bool learner = false) => new EtcdMemberEntry
        {
            Id = 0x100 + (ulong)i, Name = "etcd-" + (i + 1), IsLearner = learner,
            PeerUrls = new[] { $"https://10.0.0.1{i + 1}:2380" }, ClientUrls = new[] { $"https://10.0.0.1{i + 1}:2379" },
        };

        private static LiveCluster Live(IEnumerable<EtcdMemberEntry> entries, params int[] answering) => Live(entries, "100", answering);

        /// <summary>A live cluster of <paramref name="entries"/>, of which those in <paramref name="answering"/> answer, following <paramref name="leader"/>.</summary>
        private static LiveCluster Live(IEnumerable<EtcdMemberEntry> entries, string leader, params int[] answering)
        {
            var list = entries.ToList();
            var answers = answering.Select(i => list[i]).Where(e => !e.IsLearner)
                .Select(e => new EndpointResult<EtcdEndpointStatus>(new EtcdEndpointStatus { Endpoint = e.ClientUrls[0], ID = EtcdClient.Hex(e.Id), ClusterID = "c1", Leader = leader }, null)).ToList();
            return new LiveCluster(0xc1, EtcdMemberMap.Of(list.Select(LiveMember.From).ToList(), answers), new Dictionary<string, string>());
        }

        [Fact]
        public void TheLastMemberIsNeverRemovedEvenWithForce()
        {
            var live = Live(new[] { Entry(0) }, 0);
            var ex = Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanRemove(Cluster, "etcd-1", live, force: true));
            Assert.Equal("LastMemberRemovalRefused", ex.ErrorId);
        }

        [Fact]
        public void RemovingAVoterWhileAnotherIsDownIsRefusedUnlessForced()
        {
            // 3 members, etcd-3 down: removing etcd-1 leaves 2 voters of which 1 answers; they need 2.
            var live = Live(new[] { Entry(0), Entry(1), Entry(2) }, 0, 1);
            var ex = Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanRemove(Cluster, "etcd-1", live, force: false));
            Assert.Equal("QuorumWouldBeLost", ex.ErrorId);
            Assert.Contains("etcd-3 102", ex.Message);
            Assert.Equal(0x100UL, MembershipChecks.CheckCanRemove(Cluster, "etcd-1", live, force: true).Id);
            // Removing the down member itself keeps quorum.
            Assert.Equal(0x102UL, MembershipChecks.CheckCanRemove(Cluster, "etcd-3", live, force: false).Id);
        }

        [Fact]
        public void ALearnerIsRemovedWithoutAQuorumCheckAndAnUnknownNameIsNamed()
        {
            var live = Live(new[] { Entry(0), Entry(1), Entry(2, learner: true) }, 0);
            Assert.Equal(0x102UL, MembershipChecks.CheckCanRemove(Cluster, "etcd-3", live, force: false).Id);
            Assert.Equal("MemberNotInCluster", Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanRemove(Cluster, "etcd-9", live, false)).ErrorId);
        }

        [Fact]
        public void AnAddIsRefusedForANameOrAddressInUseAPendingLearnerOrASilentVoter()
        {
            var grown = Cluster.Clone();
            var fourth = new EtcdMember("etcd-4", "10.0.0.14");
            grown.Members.Add(fourth);
            var healthy = new[] { Entry(0), Entry(1), Entry(2) };
            MembershipChecks.CheckCanAdd(grown, fourth, Live(healthy, 0, 1, 2));

            var named = healthy.Concat(new[] { new EtcdMemberEntry { Id = 0x200, Name = "etcd-4", PeerUrls = new[] { "https://10.0.0.99:2380" } } });
            Assert.Equal("MemberNameInUse", Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanAdd(grown, fourth, Live(named, 0, 1, 2))).ErrorId);
            var sameUrl = healthy.Concat(new[] { new EtcdMemberEntry { Id = 0x200, PeerUrls = new[] { "https://10.0.0.14:2380" }, IsLearner = true } });
            Assert.Equal("MemberAddressInUse", Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanAdd(grown, fourth, Live(sameUrl, 0, 1, 2))).ErrorId);
            var learner = healthy.Concat(new[] { new EtcdMemberEntry { Id = 0x200, PeerUrls = new[] { "https://10.0.0.99:2380" }, IsLearner = true } });
            Assert.Equal("LearnerPending", Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanAdd(grown, fourth, Live(learner, 0, 1, 2))).ErrorId);
            Assert.Equal("ClusterUnhealthy", Assert.Throws<EtcdOpsException>(() => MembershipChecks.CheckCanAdd(grown, fourth, Live(healthy, 0, 1))).ErrorId);
        }

        [Fact]
        public void AMemberFoundOnlyByItsPeerUrlIsRemovedByTheInventoryName()
        {
            // Added but never started: no name in the member list, only the inventory member's peer URL (any case, a trailing slash).
            var unstarted = new EtcdMemberEntry { Id = 0x102, PeerUrls = new[] { "HTTPS://10.0.0.13:2380/" }, IsLearner = true };
            var live = Live(new[] { Entry(0), Entry(1), unstarted }, 0, 1);
            Assert.Equal(0x102UL, MembershipChecks.CheckCanRemove(Cluster, "etcd-3", live, force: false).Id);
        }

        // ---- MemberRemover: leadership handed over first, the member removed, the host left alone when unknown ----

        [Fact]
        public async Task RemovingTheLeaderMovesLeadershipThroughItToAnotherAnsweringVoterFirst()
        {
            var live = Live(new[] { Entry(0), Entry(1), Entry(2) }, "101", 0, 1, 2);
            var membership = new RecordingMembership();
            var remover = new MemberRemover(membership, null, (h, ct) => throw new InvalidOperationException("no host"));
            var result = await remover.RemoveAsync(live, MembershipChecks.CheckCanRemove(Cluster, "etcd-2", live, false), _ => { }, CancellationToken.None);
            Assert.Equal(new[] { "move-leader https://10.0.0.12:2379 100", "remove 101" }, membership.Calls);
            Assert.True(result.LeadershipMoved);
            Assert.Equal(("etcd-2", "101"), (result.Name, result.ID));
            Assert.False(result.HostCleaned);
            Assert.NotNull(remover.HostFailure);
        }

        [Fact]
        public async Task AFollowerOrALeaderThatDoesNotAnswerIsRemovedWithoutALeaderMove()
        {
            var follower = Live(new[] { Entry(0), Entry(1), Entry(2) }, "100", 0, 1, 2);
            var membership = new RecordingMembership();
            var result = await new MemberRemover(membership, null, (h, ct) => throw new InvalidOperationException()).RemoveAsync(follower, follower.Map.Members[2], _ => { }, CancellationToken.None);
            Assert.Equal(new[] { "remove 102" }, membership.Calls);
            Assert.False(result.LeadershipMoved);

            // The others still follow etcd-3, which is down: a leader move must reach the leader, so none is tried.
            var downLeader = Live(new[] { Entry(0), Entry(1), Entry(2) }, "102", 0, 1);
            Assert.Equal("etcd-3", downLeader.Map.Leader?.Name);
            membership.Calls.Clear();
            result = await new MemberRemover(membership, null, (h, ct) => throw new InvalidOperationException()).RemoveAsync(downLeader, downLeader.Map.Members[2], _ => { }, CancellationToken.None);
            Assert.Equal(new[] { "remove 102" }, membership.Calls);
            Assert.False(result.LeadershipMoved);
        }

        private sealed class RecordingMembership : IClusterMembership
        {
            public List<string> Calls { get; } = new List<string>();
            public Task<LiveCluster?> ReadAsync(CancellationToken cancellation) => throw new NotSupportedException();
            public Task<EtcdMemberAddReply> AddLearnerAsync(string peerUrl, CancellationToken cancellation) => throw new NotSupportedException();
            public Task PromoteAsync(ulong memberId, CancellationToken cancellation) => throw new NotSupportedException();

            public Task RemoveAsync(ulong memberId, CancellationToken cancellation)
            {
                Calls.Add("remove " + EtcdClient.Hex(memberId));
                return Task.CompletedTask;
            }

            public Task MoveLeaderAsync(string leaderEndpoint, ulong targetId, CancellationToken cancellation)
            {
                Calls.Add($"move-leader {leaderEndpoint} {EtcdClient.Hex(targetId)}");
                return Task.CompletedTask;
            }
        }
    }
}
