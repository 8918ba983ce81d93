using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Tests.Maintenance
{
    /// <summary>
    /// A cluster behind <see cref="IEtcdTransport"/> that answers the way etcd 3.5 does where maintenance cares: learners
    /// refuse all but status and serializable reads (the member list too), a leader move must reach the leader, compaction and defragment
    /// check their revision and act on the member asked. Every request is recorded as "call endpoint".
    /// </summary>
    internal sealed class FakeCluster : EtcdOps.Tests.Api.TransportStub
    {
        internal sealed class Node
        {
            public ulong Id { get; set; }
            public string Name { get; set; } = "";
            public string Endpoint { get; set; } = "";
            public bool IsLearner { get; set; }
            public bool Down { get; set; }
            /// <summary>Added to the member list but never started: no name, no client URL.</summary>
            public bool Unstarted { get; set; }
            /// <summary>Its linearizable reads fail (no quorum behind it).</summary>
            public bool ReadsFail { get; set; }
            public long DbSize { get; set; } = 100_000_000;
            public long DbSizeInUse { get; set; } = 20_000_000;
            public long Revision { get; set; } = 1000;
            /// <summary>The etcd version its status reports.</summary>
            public string Version { get; set; } = "3.5.16";
            public uint Hash { get; set; } = 42;
            public long CompactRevision { get; set; } = -1;
            /// <summary>etcd 3.5 keeps the hash it computed during a compaction and answers it for that revision (with the compact revision before).</summary>
            public (long Revision, uint Hash, long CompactRevision)? StoredHash { get; set; }
        }

        public List<Node> Nodes { get; } = new List<Node>();
        public ulong LeaderId { get; set; }
        public List<EtcdAlarmEntry> Alarms { get; } = new List<EtcdAlarmEntry>();
        public List<string> Calls { get; } = new List<string>();
        /// <summary>Runs before each hash request is answered (to change the cluster between two members' answers).</summary>
        public Action<Node>? BeforeHash { get; set; }
        /// <summary>Answer hashes as etcd 3.4 does.</summary>
        public bool V34 { get; set; }

        public static FakeCluster Three()
        {
            var cluster = new FakeCluster();
            for (var i = 1; i <= 3; i++) cluster.Nodes.Add(new Node { Id = (ulong)(0x10 * i), Name = $"m{i}", Endpoint = $"https://10.0.0.{i}:2379" });
            cluster.LeaderId = 0x10;
            return cluster;
        }

        public Node this[string name] => Nodes.Single(n => n.Name == name);

        public Node AddLearner(string name, int address)
        {
            var node = new Node { Id = (ulong)(0x10 * address), Name = name, Endpoint = $"https://10.0.0.{address}:2379", IsLearner = true };
            Nodes.Add(node);
            return node;
        }

        public EtcdClient Client(params string[] endpoints) =>
            new EtcdClient(new EtcdConnection(endpoints.Length > 0 ? endpoints : Nodes.Where(n => !n.Unstarted).Select(n => n.Endpoint), "ca.pem", null, null)
                { Timeout = TimeSpan.FromSeconds(1) }, this);

        public EtcdMaintenance Maintenance(params string[] endpoints) => new EtcdMaintenance(Client(endpoints), CancellationToken.None);

        private Node At(string endpoint, string call, bool learnerServes = false)
        {
            Calls.Add($"{call} {endpoint}");
            var node = Nodes.SingleOrDefault(n => !n.Unstarted && n.Endpoint == endpoint);
            if (node == null || node.Down)
                throw new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError, $"{endpoint}: connection refused.", endpoint);
            if (node.IsLearner && !learnerServes) throw Refused(endpoint, call, 14, "etcdserver: rpc not supported for learner");
            return node;
        }

        private static EtcdRefusedException Refused(string endpoint, string call, int code, string message) => new EtcdRefusedException(endpoint, call, code, message);

        private static Task<T> Answer<T>(Func<T> answer)
        {
            try { return Task.FromResult(answer()); }
            catch (Exception ex) { return Task.FromException<T>(ex); }
        }

        private static Task Answer(Action answer) => Answer(() => { answer(); return true; });

        public override Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            var node = At(endpoint, "status", learnerServes: true);
            return new EtcdEndpointStatus
            {
                Endpoint = endpoint,
                ID = EtcdClient.Hex(node.Id),
                Version = node.Version,
                DbSize = node.DbSize,
                DbSizeInUse = node.DbSizeInUse,
                IsLeader = node.Id == LeaderId,
                IsLearner = node.IsLearner,
                Leader = LeaderId == 0 ? "" : EtcdClient.Hex(LeaderId),
                RaftTerm = 2,
                Revision = node.Revision,
            };
        });

        public override Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            At(endpoint, "member list");
            return new EtcdMemberListReply
            {
                ClusterId = 1,
                Members = Nodes.Select(n => new EtcdMemberEntry
                {
                    Id = n.Id,
                    Name = n.Unstarted ? "" : n.Name,
                    ClientUrls = n.Unstarted ? new string[0] : new[] { n.Endpoint },
                    PeerUrls = new[] { n.Endpoint.Replace(":2379", ":2380") },
                    IsLearner = n.IsLearner,
                }).ToList(),
            };
        });

        public override Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            var node = At(endpoint, "range", learnerServes: request.Serializable);
            if (node.ReadsFail) throw Refused(endpoint, "range", 14, "etcdserver: request timed out");
            return new EtcdRangeReply { Revision = node.Revision };
        });

        public override Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            At(endpoint, "alarm list");
            return (IReadOnlyList<EtcdAlarmEntry>)Alarms.ToList();
        });

        public override Task<IReadOnlyList<EtcdAlarmEntry>> DeactivateAlarmAsync(string endpoint, EtcdAlarmEntry alarm, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            At(endpoint, $"alarm disarm {EtcdClient.Hex(alarm.MemberId)} {alarm.Alarm}");
            var gone = Alarms.Where(a => a.MemberId == alarm.MemberId && a.Alarm == alarm.Alarm).ToList();
            foreach (var a in gone) Alarms.Remove(a);
            return (IReadOnlyList<EtcdAlarmEntry>)gone;
        });

        public override Task CompactAsync(string endpoint, long revision, bool physical, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            var node = At(endpoint, $"compact {revision}{(physical ? " physical" : "")}");
            if (revision > node.Revision) throw Refused(endpoint, "compaction", 11, "etcdserver: mvcc: required revision is a future revision");
            if (revision <= node.CompactRevision) throw Refused(endpoint, "compaction", 11, "etcdserver: mvcc: required revision has been compacted");
            foreach (var n in Nodes) n.CompactRevision = revision;
        });

        public override Task DefragmentAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            var node = At(endpoint, "defragment");
            node.DbSize = node.DbSizeInUse;
        });

        public override Task MoveLeaderAsync(string endpoint, ulong targetId, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            var node = At(endpoint, $"move leader {EtcdClient.Hex(targetId)}");
            if (node.Id != LeaderId) throw Refused(endpoint, "move leader", 9, "etcdserver: not leader");
            var target = Nodes.Single(n => n.Id == targetId);
            if (target.IsLearner) throw Refused(endpoint, "move leader", 9, "etcdserver: bad leader transferee");
            LeaderId = targetId;
        });

        public override Task<EtcdHashKvReply> HashKvAsync(string endpoint, long revision, TimeSpan timeout, CancellationToken cancellation) => Answer(() =>
        {
            var node = At(endpoint, $"hashkv {revision}");
            BeforeHash?.Invoke(node);
            if (revision > node.Revision) throw Refused(endpoint, "hashkv", 11, "etcdserver: mvcc: required revision is a future revision");
            // etcd 3.4 refuses the compaction's revision itself too.
            if (revision > 0 && (revision < node.CompactRevision || (V34 && revision == node.CompactRevision)))
                throw Refused(endpoint, "hashkv", 11, "etcdserver: mvcc: required revision has been compacted");
            if (node.StoredHash is { } stored && stored.Revision == revision)
                return new EtcdHashKvReply { MemberId = node.Id, Revision = node.Revision, Hash = stored.Hash, CompactRevision = stored.CompactRevision };
            return new EtcdHashKvReply { MemberId = node.Id, Revision = node.Revision, Hash = node.Hash, CompactRevision = node.CompactRevision };
        });

    }
}
