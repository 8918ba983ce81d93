using System;
using System.Globalization;

namespace EtcdOps.Api
{
    /// <summary>
    /// One endpoint's status, as <c>etcdctl endpoint status</c> shows it. IDs are hex, as etcdctl prints them.
    /// When the endpoint could not be asked, <see cref="Error"/> says why and the other fields are empty.
    /// </summary>
    public sealed class EtcdEndpointStatus
    {
        public string Endpoint { get; set; } = "";

        /// <summary>The answering member's ID, hex.</summary>
        public string ID { get; set; } = "";

        public string Version { get; set; } = "";

        /// <summary>Size of the backend database file in bytes.</summary>
        public long DbSize { get; set; }

        /// <summary>Bytes of the database actually in use (the rest is reclaimable by defragmentation).</summary>
        public long DbSizeInUse { get; set; }

        /// <summary>The backend quota (etcd 3.6 reports it; 0 where etcd does not say).</summary>
        public long DbSizeQuota { get; set; }

        public bool IsLeader { get; set; }
        public bool IsLearner { get; set; }
        public ulong RaftTerm { get; set; }
        public ulong RaftIndex { get; set; }
        public ulong RaftAppliedIndex { get; set; }

        /// <summary>Errors etcd itself reports (for example an active NOSPACE alarm).</summary>
        public EtcdList<string> Errors { get; set; } = new EtcdList<string>();

        /// <summary>The leader this member follows, hex; empty when it knows of no leader.</summary>
        public string Leader { get; set; } = "";

        public string ClusterID { get; set; } = "";
        public long Revision { get; set; }

        /// <summary>Why the endpoint could not be asked (unreachable, TLS, timeout); null when it answered.</summary>
        public string? Error { get; set; }

        /// <summary>DbSize the way etcdctl's table prints it (go-humanize, SI units: "20 kB").</summary>
        public string FormatDbSize() => Error != null ? "" : ByteSize.Humanize(DbSize);

        /// <summary>DbSizeInUse humanized like <see cref="FormatDbSize"/>.</summary>
        public string FormatDbSizeInUse() => Error != null ? "" : ByteSize.Humanize(DbSizeInUse);

        public override string ToString() => Error == null ? $"{Endpoint} ({ID}, leader: {IsLeader})" : $"{Endpoint} (error)";
    }

    /// <summary>
    /// One endpoint's health, as <c>etcdctl endpoint health</c> decides it: healthy only when a linearizable
    /// read went through raft (a permission-denied reply counts, it passed consensus) and no alarm is active.
    /// </summary>
    public sealed class EtcdEndpointHealth
    {
        public string Endpoint { get; set; } = "";
        public bool Health { get; set; }
        public TimeSpan Took { get; set; }
        public string? Error { get; set; }

        /// <summary>Took the way etcdctl prints a duration ("12.345678ms").</summary>
        public string FormatTook() => ByteSize.GoDuration(Took);

        public override string ToString() => $"{Endpoint} ({(Health ? "healthy" : "unhealthy")})";
    }

    /// <summary>One member as the cluster's member list reports it (not the inventory's <see cref="EtcdMember"/>).</summary>
    public sealed class EtcdClusterMember
    {
        /// <summary>Member ID, hex, as etcdctl prints it.</summary>
        public string ID { get; set; } = "";

        /// <summary>"started", or "unstarted" for a member added but not yet running (it has no name yet).</summary>
        public string Status { get; set; } = "";

        public string Name { get; set; } = "";
        public EtcdList<string> PeerURLs { get; set; } = new EtcdList<string>();
        public EtcdList<string> ClientURLs { get; set; } = new EtcdList<string>();
        public bool IsLearner { get; set; }

        /// <summary>The endpoint that answered the member list.</summary>
        public string Endpoint { get; set; } = "";

        public string ClusterID { get; set; } = "";

        public override string ToString() => $"{ID} ({(Name.Length > 0 ? Name : Status)})";
    }

    internal static class ByteSize
    {
        private static readonly string[] Units = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };

        /// <summary>go-humanize's Bytes(), which etcdctl uses: powers of 1000, one decimal below 10.</summary>
        public static string Humanize(long bytes)
        {
            if (bytes < 10) return bytes.ToString(CultureInfo.InvariantCulture) + " B";
            var exponent = Math.Floor(Math.Log(bytes) / Math.Log(1000));
            var value = Math.Floor(bytes / Math.Pow(1000, exponent) * 10 + 0.5) / 10;
            // Go's "%.0f" rounds halves to even (20480 bytes is "20 kB", not "21 kB").
            var text = value < 10
                ? value.ToString("0.0", CultureInfo.InvariantCulture)
                : Math.Round(value, MidpointRounding.ToEven).ToString("0", CultureInfo.InvariantCulture);
            return text + " " + Units[(int)exponent];
        }

        /// <summary>Go's time.Duration String() for sub-minute values, e.g. "1.5s", "12.345678ms", "850µs".</summary>
        public static string GoDuration(TimeSpan duration)
        {
            var ticks = duration.Ticks; // 100 ns
            if (ticks == 0) return "0s";
            if (ticks < TimeSpan.TicksPerMillisecond) return (ticks / 10.0).ToString("0.#", CultureInfo.InvariantCulture) + "µs";
            if (ticks < TimeSpan.TicksPerSecond) return (ticks / (double)TimeSpan.TicksPerMillisecond).ToString("0.#######", CultureInfo.InvariantCulture) + "ms";
            return (ticks / (double)TimeSpan.TicksPerSecond).ToString("0.#######", CultureInfo.InvariantCulture) + "s";
        }
    }
}
