using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    /// <summary>How deploy reads the running cluster (<see cref="ClusterMembership.ReadAsync"/>) and where it sends membership changes.</summary>
    public class ClusterMembershipTests
    {
        private static string Client(int i) => $"https://10.0.0.1{i + 1}:2379";

        private static EtcdMemberEntry Entry(int i, bool learner = false) => MembershipChecksTests.Entry(i, learner);

        [Fact]
        public async Task TheClusterMostEndpointsBelongToIsReadAndAnEndpointOfAnotherIsForeign()
        {
            // etcd-4's host founded a cluster of its own (a rogue bootstrap); the member list has it as an unstarted learner.
            var api = new MembershipApi(Entry(0), Entry(1), Entry(2), new EtcdMemberEntry { Id = 0x103, IsLearner = true, PeerUrls = new[] { "https://10.0.0.14:2380" } });
            api.Hosts[Client(3)] = new MembershipApi.Host { Id = 0x900, Cluster = "beef", Leader = "900" };
            var live = await Read(api, Client(3), Client(0), Client(1), Client(2));
            Assert.NotNull(live);
            Assert.Equal(0xc1UL, live!.ClusterId);
            Assert.Equal(new[] { (Client(3), "beef") }, live.Foreign.Select(kv => (kv.Key, kv.Value)));
            Assert.DoesNotContain("member list " + Client(3), api.Calls);
            Assert.False(live.Map.FindByPeerUrl("https://10.0.0.14:2380")!.Answered);
            Assert.Equal(new[] { "etcd-2", "etcd-1", "etcd-3" }, live.Map.AnsweringVoters.Select(v => v.Name));
            Assert.Equal(0x101UL, live.Map.Leader?.Id);
        }

        [Fact]
        public async Task OnATieTheClusterWhoseMembersKnowALeaderWins()
        {
            var api = new MembershipApi(Entry(0), Entry(1));
            api.Hosts[Client(2)] = new MembershipApi.Host { Id = 0x900, Cluster = "beef", Leader = "" };
            api.Hosts[Client(3)] = new MembershipApi.Host { Id = 0x901, Cluster = "beef", Leader = "" };
            var live = await Read(api, Client(2), Client(3), Client(0), Client(1));
            Assert.Equal(0xc1UL, live!.ClusterId);
            Assert.Equal(new[] { Client(2), Client(3) }, live.Foreign.Keys.OrderBy(k => k));
        }

        [Fact]
        public async Task TheMemberListIsAskedOfVotersInTheOrderGivenAndNeverOfALearner()
        {
            var api = new MembershipApi(Entry(0), Entry(1), Entry(2, learner: true));
            api.Hosts[Client(1)].ListFails = true;
            var live = await Read(api, Client(2), Client(1), Client(0));
            Assert.Equal(new[] { "member list " + Client(1), "member list " + Client(0) }, api.Calls.Where(c => c.StartsWith("member list", StringComparison.Ordinal)));
            Assert.Equal("etcd-3", live!.Map.Learner?.Name);
            Assert.True(live.Map.Learner!.Answered);
        }

        [Fact]
        public async Task RemoveGoesToAnotherVoterThanTheMemberBeingRemoved()
        {
            var api = new MembershipApi(Entry(0), Entry(1), Entry(2));
            var membership = new ClusterMembership(api, () => new[] { Client(0), Client(1), Client(2) });
            await membership.ReadAsync(CancellationToken.None);
            await membership.RemoveAsync(0x100, CancellationToken.None);
            Assert.Equal(new[] { $"remove {Client(1)} 100" }, api.Calls.Where(c => c.StartsWith("remove", StringComparison.Ordinal)));
        }

        [Fact]
        public async Task NoAnswerIsNoLiveCluster()
        {
            var api = new MembershipApi(Entry(0), Entry(1));
            foreach (var host in api.Hosts.Values) host.Down = true;
            Assert.Null(await Read(api, Client(0), Client(1)));
        }

        private static Task<LiveCluster?> Read(MembershipApi api, params string[] endpoints) =>
            new ClusterMembership(api, () => endpoints).ReadAsync(CancellationToken.None);

        /// <summary>Hosts by client URL answering status, member list and remove as etcd does (a learner serves no member list).</summary>
        private sealed class MembershipApi : EtcdOps.Tests.Api.TransportStub
        {
            internal sealed class Host
            {
                public ulong Id { get; set; }
                public string Cluster { get; set; } = "c1";
                public string Leader { get; set; } = "101";
                public bool IsLearner { get; set; }
                public bool Down { get; set; }
                /// <summary>Answers status, but the member list request fails (a timeout).</summary>
                public bool ListFails { get; set; }
            }

            private readonly List<EtcdMemberEntry> _members;

            public MembershipApi(params EtcdMemberEntry[] members)
            {
                _members = members.ToList();
                foreach (var m in members.Where(m => m.ClientUrls.Count > 0)) Hosts[m.ClientUrls[0]] = new Host { Id = m.Id, IsLearner = m.IsLearner };
            }

            public Dictionary<string, Host> Hosts { get; } = new Dictionary<string, Host>();

            private readonly List<string> _calls = new List<string>();
            public List<string> Calls { get { lock (_calls) return _calls.ToList(); } }

            private Host At(string endpoint, string call)
            {
                lock (_calls) _calls.Add($"{call} {endpoint}");
                if (!Hosts.TryGetValue(endpoint, out var host) || host.Down)
                    throw new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError, $"{endpoint}: connection refused.", endpoint);
                return host;
            }

            public override Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation)
            {
                try
                {
                    var host = At(endpoint, "status");
                    return Task.FromResult(new EtcdEndpointStatus { Endpoint = endpoint, ID = EtcdClient.Hex(host.Id), ClusterID = host.Cluster, Leader = host.Leader, IsLearner = host.IsLearner });
                }
                catch (EtcdOpsException ex) { return Task.FromException<EtcdEndpointStatus>(ex); }
            }

            public override Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation)
            {
                var host = At(endpoint, "member list");
                if (host.IsLearner) throw new EtcdRefusedException(endpoint, "member list", 14, "etcdserver: rpc not supported for learner");
                if (host.ListFails) throw new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.OperationTimeout, $"{endpoint}: timed out.", endpoint);
                return Task.FromResult(new EtcdMemberListReply { ClusterId = 0xc1, Members = _members.ToList() });
            }

            public override Task<EtcdMemberListReply> MemberRemoveAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation)
            {
                At(endpoint, "remove");
                lock (_calls) _calls[_calls.Count - 1] += " " + EtcdClient.Hex(memberId);
                return Task.FromResult(new EtcdMemberListReply { ClusterId = 0xc1, Members = _members.Where(m => m.Id != memberId).ToList() });
            }
        }
    }
}
