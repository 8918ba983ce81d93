using System.Collections.Generic;
using System.Linq;
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

        private static EtcdMemberEntry Entry(int i, bool learner = false) => new EtcdMemberEntry
        {
            Id = 0x100 + (ulong)i, Name = "etcd-" + (i + 1), IsLearner = learner,
            PeerUrls = new[] { $"https://10.0.0.1{i + 1}:2380" }, ClientUrls = new[] { $"https://10.0.0.1{i + 1}:2379" },
        };

        /// <summary>A live cluster of <paramref name="entries"/>, of which those in <paramref name="answering"/> answer.</summary>
        private static LiveCluster Live(IEnumerable<EtcdMemberEntry> entries, params int[] answering)
        {
            var list = entries.ToList();
            var voters = answering.Select(i => list[i]).Where(e => !e.IsLearner)
                .Select(e => new EtcdEndpointStatus { Endpoint = e.ClientUrls[0], ID = EtcdClient.Hex(e.Id), ClusterID = "c1", Leader = "100" }).ToList();
            return new LiveCluster(0xc1, list, voters, new Dictionary<string, string>());
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
    }
}
