using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>
    /// "Talk to etcd": the v3 calls EtcdOps makes, to one endpoint at a time, each within its timeout. The net8.0
    /// build speaks etcd's native gRPC API; the desktop build its JSON gateway. Transport failures (refused, TLS,
    /// timeout, not an etcd client URL) throw an <see cref="EtcdOpsException"/> that names the endpoint and the fix;
    /// etcd's own refusal throws an <see cref="EtcdRefusedException"/> with etcd's gRPC code and message.
    /// </summary>
    internal interface IEtcdTransport
    {
        /// <summary>Which API this transport speaks ("gRPC" or "JSON gateway"), for the verbose log.</summary>
        string Name { get; }

        Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation);

        Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Adds a member (a learner when asked): the new member and the member list that includes it.</summary>
        Task<EtcdMemberAddReply> MemberAddAsync(string endpoint, IReadOnlyList<string> peerUrls, bool isLearner, TimeSpan timeout, CancellationToken cancellation);

        Task<EtcdMemberListReply> MemberPromoteAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation);

        Task<EtcdMemberListReply> MemberRemoveAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation);

        Task<EtcdMemberListReply> MemberUpdateAsync(string endpoint, ulong memberId, IReadOnlyList<string> peerUrls, TimeSpan timeout, CancellationToken cancellation);

        Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Puts one key; the revision of the write.</summary>
        Task<long> PutAsync(string endpoint, byte[] key, byte[] value, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Deletes [key, rangeEnd) (just key when rangeEnd is null); the number of keys deleted.</summary>
        Task<long> DeleteRangeAsync(string endpoint, byte[] key, byte[]? rangeEnd, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>The alarms active in the cluster (every member's), as the endpoint knows them.</summary>
        Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Deactivates one alarm of one member (etcd clears one alarm per call).</summary>
        Task<IReadOnlyList<EtcdAlarmEntry>> DeactivateAlarmAsync(string endpoint, EtcdAlarmEntry alarm, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Compacts the key history up to <paramref name="revision"/> (replicated to every member).</summary>
        Task CompactAsync(string endpoint, long revision, bool physical, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Defragments the backend of the member behind <paramref name="endpoint"/> only.</summary>
        Task DefragmentAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>Moves leadership to <paramref name="targetId"/>; must be sent to the current leader.</summary>
        Task MoveLeaderAsync(string endpoint, ulong targetId, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>The hash of the key-value store up to <paramref name="revision"/> (0: the current one).</summary>
        Task<EtcdHashKvReply> HashKvAsync(string endpoint, long revision, TimeSpan timeout, CancellationToken cancellation);

        /// <summary>
        /// Streams the member's backend snapshot into <paramref name="destination"/> (etcd appends the SHA-256 of
        /// the data as its last 32 bytes). <paramref name="progress"/> gets the bytes written so far and the total
        /// (written plus what etcd says remains); <paramref name="idleTimeout"/> bounds the wait for each chunk, not
        /// the whole stream.
        /// </summary>
        Task<EtcdSnapshotStreamInfo> SnapshotAsync(string endpoint, Stream destination, Action<long, long>? progress, TimeSpan idleTimeout, CancellationToken cancellation);
    }

    /// <summary>etcd answered, and refused the request: its gRPC status code and message.</summary>
    public sealed class EtcdRefusedException : EtcdOpsException
    {
        /// <summary>gRPC PermissionDenied.</summary>
        internal const int PermissionDeniedCode = 7;

        internal EtcdRefusedException(string endpoint, string request, int grpcCode, string etcdMessage, Exception? inner = null)
            : base(ErrorIds.EtcdRequestFailed, FailureKind.InvalidOperation,
                $"{endpoint}: etcd refused the {request} request: \"{etcdMessage}\" (gRPC code {grpcCode}).", endpoint, inner)
        {
            GrpcCode = grpcCode;
            EtcdMessage = etcdMessage;
        }

        public int GrpcCode { get; }

        /// <summary>etcd's message as it sent it, e.g. "etcdserver: can only promote a learner member which is in sync with leader".</summary>
        public string EtcdMessage { get; }

        /// <summary>The request reached raft; the user just may not do it (authentication is on).</summary>
        public bool PermissionDenied => GrpcCode == PermissionDeniedCode || EtcdMessage.IndexOf("permission denied", StringComparison.OrdinalIgnoreCase) >= 0;
    }

    internal sealed class EtcdMemberListReply
    {
        public ulong ClusterId { get; set; }
        public IReadOnlyList<EtcdMemberEntry> Members { get; set; } = new EtcdMemberEntry[0];
    }

    internal sealed class EtcdMemberAddReply
    {
        public EtcdMemberEntry Added { get; set; } = new EtcdMemberEntry();
        public EtcdMemberListReply List { get; set; } = new EtcdMemberListReply();
    }

    /// <summary>One member as etcd lists it (an unstarted member has no name and no client URLs yet).</summary>
    internal sealed class EtcdMemberEntry
    {
        public ulong Id { get; set; }
        public string Name { get; set; } = "";
        public IReadOnlyList<string> PeerUrls { get; set; } = new string[0];
        public IReadOnlyList<string> ClientUrls { get; set; } = new string[0];
        public bool IsLearner { get; set; }
    }

    internal sealed class EtcdRangeRequest
    {
        public byte[] Key { get; set; } = new byte[0];
        public byte[]? RangeEnd { get; set; }
        public long Limit { get; set; }
        /// <summary>Serializable reads are answered by the member alone; linearizable ones pass raft (ReadIndex).</summary>
        public bool Serializable { get; set; }
        public bool KeysOnly { get; set; }
        public bool CountOnly { get; set; }
    }

    internal sealed class EtcdRangeReply
    {
        public long Revision { get; set; }
        public long Count { get; set; }
        public bool More { get; set; }
        public IReadOnlyList<EtcdKeyValue> Kvs { get; set; } = new EtcdKeyValue[0];
    }

    internal sealed class EtcdKeyValue
    {
        public byte[] Key { get; set; } = new byte[0];
        public byte[] Value { get; set; } = new byte[0];
        public long CreateRevision { get; set; }
        public long ModRevision { get; set; }
        public long Version { get; set; }
    }

    /// <summary>An alarm of one member: NOSPACE or CORRUPT.</summary>
    internal sealed class EtcdAlarmEntry
    {
        public ulong MemberId { get; set; }
        public string Alarm { get; set; } = "";
    }

    /// <summary>What the snapshot stream said about itself (fields etcd leaves empty stay 0 or "").</summary>
    internal sealed class EtcdSnapshotStreamInfo
    {
        public long Bytes { get; set; }
        public string Version { get; set; } = "";
        public long Revision { get; set; }
        public ulong MemberId { get; set; }
        public ulong ClusterId { get; set; }
    }

    internal sealed class EtcdHashKvReply
    {
        public ulong MemberId { get; set; }
        public long Revision { get; set; }
        public uint Hash { get; set; }
        public long CompactRevision { get; set; }
        /// <summary>The revision the hash covers (etcd 3.5.? and later; 0 before).</summary>
        public long HashRevision { get; set; }
    }
}
