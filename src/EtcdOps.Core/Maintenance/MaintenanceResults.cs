using System;

namespace EtcdOps.Maintenance
{
    /// <summary>One active alarm of one member, as <c>etcdctl alarm list</c> shows it (the ID in hex, as etcdctl's tables print IDs).</summary>
    public sealed class EtcdAlarm
    {
        /// <summary>The member's name; empty when the member list does not know the ID (a member removed since).</summary>
        public string Member { get; set; } = "";

        /// <summary>The member's ID, hex.</summary>
        public string MemberID { get; set; } = "";

        /// <summary>NOSPACE (the backend reached its quota: the cluster takes only reads and deletes) or CORRUPT.</summary>
        public string Alarm { get; set; } = "";

        public override string ToString() => $"{(Member.Length > 0 ? Member : MemberID)}: {Alarm}";
    }

    /// <summary>What Invoke-EtcdCompaction did: the key history before <see cref="Revision"/> is gone on every member.</summary>
    public sealed class EtcdCompaction
    {
        /// <summary>The revision compacted to: reads at older revisions fail as compacted from now on.</summary>
        public long Revision { get; set; }

        /// <summary>The cluster's revision when the compaction was asked for.</summary>
        public long CurrentRevision { get; set; }

        /// <summary>The member that took the request (etcd replicates the compaction to all).</summary>
        public string Member { get; set; } = "";

        public string Endpoint { get; set; } = "";

        public TimeSpan Took { get; set; }

        /// <summary>Took the way etcdctl prints a duration.</summary>
        public string FormatTook() => ByteSize.GoDuration(Took);

        public override string ToString() => $"compacted to revision {Revision}";
    }

    /// <summary>One member's defragmentation: the database file before and after, or why it was skipped.</summary>
    public sealed class EtcdDefragmentation
    {
        public string Member { get; set; } = "";

        /// <summary>The member's ID, hex.</summary>
        public string MemberID { get; set; } = "";

        public string Endpoint { get; set; } = "";

        public bool IsLeader { get; set; }

        /// <summary>False when the member was skipped (see <see cref="Reason"/>).</summary>
        public bool Defragmented { get; set; }

        /// <summary>Size of the database file before, in bytes.</summary>
        public long DbSizeBefore { get; set; }

        /// <summary>Bytes of it in use before; the rest is what defragmentation gives back.</summary>
        public long DbSizeInUseBefore { get; set; }

        /// <summary>Size of the database file after, in bytes (the size before when skipped).</summary>
        public long DbSizeAfter { get; set; }

        /// <summary>Why the member was skipped; null when it was defragmented.</summary>
        public string? Reason { get; set; }

        public TimeSpan Took { get; set; }

        public string FormatDbSizeBefore() => ByteSize.Humanize(DbSizeBefore);

        public string FormatDbSizeAfter() => ByteSize.Humanize(DbSizeAfter);

        /// <summary>Took the way etcdctl prints a duration; empty when skipped.</summary>
        public string FormatTook() => Defragmented ? ByteSize.GoDuration(Took) : "";

        public override string ToString() => Defragmented
            ? $"{Member}: {ByteSize.Humanize(DbSizeBefore)} -> {ByteSize.Humanize(DbSizeAfter)}"
            : $"{Member}: skipped ({Reason})";
    }

    /// <summary>The leader before and after Move-EtcdLeader.</summary>
    public sealed class EtcdLeaderChange
    {
        public string PreviousLeader { get; set; } = "";

        /// <summary>Hex member ID.</summary>
        public string PreviousLeaderID { get; set; } = "";

        public string Leader { get; set; } = "";

        /// <summary>Hex member ID.</summary>
        public string LeaderID { get; set; } = "";

        /// <summary>The raft term the new leader leads in.</summary>
        public ulong RaftTerm { get; set; }

        public override string ToString() => $"{PreviousLeader} -> {Leader} (term {RaftTerm})";
    }

    /// <summary>
    /// One voting member's hash of its key-value store at one revision (<c>etcdctl endpoint hashkv --rev</c>).
    /// Members that agree on the data have the same hash at the same revision and compact revision.
    /// </summary>
    public sealed class EtcdMemberHash
    {
        public string Member { get; set; } = "";

        /// <summary>Hex member ID.</summary>
        public string MemberID { get; set; } = "";

        public string Endpoint { get; set; } = "";

        /// <summary>The revision the hash covers (the same for every member of one check).</summary>
        public long Revision { get; set; }

        /// <summary>The member's compaction revision; -1 when the store was never compacted.</summary>
        public long CompactRevision { get; set; }

        public uint Hash { get; set; }

        /// <summary>Whether this member's hash and compact revision are those of the other members (of most of them, when they differ).</summary>
        public bool Consistent { get; set; }

        public override string ToString() => $"{Member}: {Hash} at {Revision}";
    }
}
