using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace EtcdOps.Snapshot
{
    /// <summary>
    /// What a restore marker says: the file <c>&lt;data-dir&gt;.restoring</c> that Restore-EtcdSnapshot writes on a host
    /// once the host's old data is aside, and removes when the restore is finished. While it is there, the data dir
    /// holds nothing but this restore's copy of the snapshot (or nothing yet), so a re-run may continue there.
    /// </summary>
    internal sealed class RestoreMarker
    {
        public string Snapshot { get; set; } = "";
        public string Token { get; set; } = "";
        public string InitialCluster { get; set; } = "";
        public string Started { get; set; } = "";

        /// <summary>From the inspect step's marker.KEY=VALUE lines; null when the host has no marker.</summary>
        public static RestoreMarker? FromProbe(HostProbe probe)
        {
            var snapshot = probe.Get("marker.snapshot");
            if (snapshot.Length == 0) return null;
            return new RestoreMarker
            {
                Snapshot = snapshot, Token = probe.Get("marker.token"), InitialCluster = probe.Get("marker.initial-cluster"), Started = probe.Get("marker.started"),
            };
        }

        public byte[] Render() => Encoding.UTF8.GetBytes(
            $"snapshot={Snapshot}\ntoken={Token}\ninitial-cluster={InitialCluster}\nstarted={Started}\n");

        /// <summary>True when the marker was written by a restore of this snapshot onto these members with this token.</summary>
        public bool Matches(string sha256, string initialCluster, string token) =>
            string.Equals(Snapshot, sha256, StringComparison.OrdinalIgnoreCase) && InitialCluster == initialCluster && Token == token;
    }

    /// <summary>Restore-EtcdSnapshot's decisions that need no host: pure, so every rule is unit-tested.</summary>
    internal static class RestoreRules
    {
        /// <summary>etcd's first release whose etcdutl has --bump-revision and --mark-compacted.</summary>
        public const string BumpRevisionSince = "3.5.10";

        /// <summary>The tool that restores: etcdutl from 3.5 on (etcdctl's restore is deprecated there and gone in 3.6), etcdctl on 3.4.</summary>
        public static string ToolFor(EtcdVersion version) => version.AtLeast(3, 5) ? "etcdutl" : "etcdctl";

        /// <summary>The suffix the old data dir gets: .before-restore-20261203T071500Z (UTC).</summary>
        public static string AsideSuffix(DateTime utcNow) => ".before-restore-" + utcNow.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        /// <summary>The restore marker beside the data dir (see <see cref="RestoreMarker"/>).</summary>
        public static string MarkerPath(EtcdHostLayout layout) => layout.DataDir.TrimEnd('/') + ".restoring";

        /// <summary>Where the snapshot is staged on each host for the restore (removed when the restore is finished).</summary>
        public static string StagedPath(EtcdHostLayout layout) => layout.DataDir.TrimEnd('/') + ".restoring.db";

        /// <summary>
        /// Whether a snapshot of etcd <paramref name="snapshotVersion"/> may be restored into a cluster of
        /// <paramref name="clusterVersion"/>: the same minor (any patch), or the next minor (what an upgrade does to the
        /// data). A newer minor's data cannot be read by an older etcd, and etcd upgrades one minor at a time. Returns
        /// the refusal, or null; <paramref name="warning"/> is set when the snapshot's version is unknown (no metadata).
        /// </summary>
        public static EtcdOpsException? CheckVersionFit(string snapshotVersion, EtcdVersion clusterVersion, string snapshotPath, out string? warning)
        {
            warning = null;
            if (!EtcdVersion.TryParse(snapshotVersion, out var taken) || taken == null)
            {
                warning = $"{snapshotPath}: the snapshot's etcd version is not known (it has no metadata file from Save-EtcdSnapshot), so it cannot be checked against the cluster's {clusterVersion}. " +
                          "etcd reads data of its own minor and of the minor before; make sure the snapshot is from one of those.";
                return null;
            }
            string? why = null;
            if (taken.Major != clusterVersion.Major || taken.Minor > clusterVersion.Minor)
                why = $"etcd {clusterVersion} cannot read data written by etcd {taken.Series} (a downgrade).";
            else if (clusterVersion.Minor > taken.Minor + 1)
                why = $"etcd upgrades one minor version at a time, and {taken.Series} to {clusterVersion.Series} skips {clusterVersion.Minor - taken.Minor - 1}.";
            if (why == null) return null;
            return new EtcdOpsException(ErrorIds.SnapshotVersionMismatch, FailureKind.InvalidArgument,
                $"The snapshot {snapshotPath} was taken from etcd {taken}, and the cluster is etcd {clusterVersion}: {why} No host was touched. " +
                $"Restore into a cluster of etcd {taken.Series} (set the cluster's Version to {taken}), then upgrade it one minor version at a time.", snapshotPath);
        }

        /// <summary>-BumpRevision and -MarkCompacted: etcdutl takes them only together, from 3.5.10 on.</summary>
        public static EtcdOpsException? CheckBumpRevision(long bumpRevision, bool markCompacted, EtcdVersion clusterVersion)
        {
            if (bumpRevision < 0)
                return new EtcdOpsException(ErrorIds.BumpRevisionUnsupported, FailureKind.InvalidArgument,
                    $"-BumpRevision {bumpRevision}: give a positive number of revisions to add.", bumpRevision);
            if (bumpRevision == 0 && !markCompacted) return null;
            if (bumpRevision == 0 || !markCompacted)
                return new EtcdOpsException(ErrorIds.BumpRevisionUnsupported, FailureKind.InvalidArgument,
                    "etcdutl takes --bump-revision and --mark-compacted only together (\"--mark-compacted required if --bump-revision > 0, disallowed otherwise\"): " +
                    "give both -BumpRevision <n> and -MarkCompacted, or neither. No host was touched.", bumpRevision);
            if (clusterVersion.CompareTo(EtcdVersion.Parse(BumpRevisionSince)) < 0)
                return new EtcdOpsException(ErrorIds.BumpRevisionUnsupported, FailureKind.InvalidArgument,
                    $"-BumpRevision and -MarkCompacted need etcd {BumpRevisionSince} or later (etcdutl snapshot restore --bump-revision --mark-compacted); the cluster is etcd {clusterVersion}, " +
                    $"whose {ToolFor(clusterVersion)} has no such flags. No host was touched. Restore without them, or restore into etcd {BumpRevisionSince} or later.", clusterVersion.ToString());
            return null;
        }

        /// <summary>A local snapshot must be whole (size layout, trailer hash, metadata hash) before any host is touched.</summary>
        public static EtcdOpsException? CheckWhole(EtcdSnapshot snapshot) =>
            snapshot.IsValid ? null : new EtcdOpsException(ErrorIds.SnapshotCorrupt, FailureKind.InvalidData,
                $"The snapshot {snapshot.Path} is not whole: {snapshot.Problem}. No host was touched. Restore another snapshot (Get-EtcdSnapshot lists a folder's and checks each).", snapshot.Path);

        /// <summary>
        /// The check step's verdict on a snapshot file on a member's host, against what the snapshot object says; null
        /// when whole. Fills in the SHA-256 when the object has none.
        /// </summary>
        public static string? CheckOnHost(HostProbe check, EtcdSnapshot snapshot)
        {
            if (check.Get("missing") == "yes") return "the file does not exist on the host";
            if (!long.TryParse(check.Get("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size)) return "the host did not report the file's size";
            if (check.Get("trailer") != "ok")
                return $"{size} bytes whose SHA-256 trailer does not match the data (or whose size is not etcd's layout): the file is cut short or corrupt";
            if (snapshot.Size > 0 && snapshot.Size != size) return $"the file has {size} bytes on the host, but the snapshot object says {snapshot.Size}: it changed since it was listed";
            var sha = check.Get("sha256");
            if (snapshot.Sha256.Length > 0 && !string.Equals(snapshot.Sha256, sha, StringComparison.OrdinalIgnoreCase))
                return $"the file's SHA-256 on the host is {sha}, but the snapshot object says {snapshot.Sha256}: it changed since it was listed";
            return null;
        }

        /// <summary>
        /// The token of this restore: the one an interrupted restore of the same snapshot onto the same members left in
        /// its markers (so every member is restored into one cluster ID, and no restored member is restored twice), else a
        /// fresh one. <paramref name="continues"/> says which.
        /// </summary>
        public static string ChooseToken(IEnumerable<RestoreMarker?> markers, string sha256, string initialCluster, Func<string> freshToken, out bool continues)
        {
            var same = markers.Where(m => m != null && string.Equals(m.Snapshot, sha256, StringComparison.OrdinalIgnoreCase) && m.InitialCluster == initialCluster && m.Token.Length > 0)
                .GroupBy(m => m!.Token).OrderByDescending(g => g.Count()).FirstOrDefault();
            continues = same != null;
            return same != null ? same.Key : freshToken();
        }
    }
}
