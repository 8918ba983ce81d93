using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Snapshot
{
    /// <summary>
    /// The snapshots on a member's host (Get-EtcdSnapshot -Cluster): list-snapshots.sh hashes each file on the host,
    /// and the verdict follows the same rules as for a local file (<see cref="SnapshotFile.Problem"/>,
    /// <see cref="SnapshotFile.Judge"/>). Member is the member's name and Path the file's absolute path on that host,
    /// so a snapshot can be restored from the object itself.
    /// </summary>
    internal static class HostSnapshotReader
    {
        /// <summary>The directory read and its snapshots, oldest name first. <paramref name="directory"/> null: the schedule's, else the default.</summary>
        public static async Task<HostSnapshotListing> ReadAsync(IRemoteHost host, EtcdMember member, string? directory, CancellationToken cancellation)
        {
            var command = RemoteScript.ListSnapshots.Command(SnapshotSchedule.ServicePath, SnapshotScheduleSettings.DefaultDirectory, directory ?? "");
            var output = await host.RunCheckedAsync(command, "listing the snapshots", cancellation).ConfigureAwait(false);
            return Parse(output, member.Name);
        }

        internal static HostSnapshotListing Parse(string output, string member)
        {
            var directory = "";
            var snapshots = new List<EtcdSnapshot>();
            Dictionary<string, string>? values = null;
            string? path = null;
            void Flush()
            {
                if (path != null && values != null) snapshots.Add(Build(path, member, values));
            }
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith("--- ", StringComparison.Ordinal))
                {
                    Flush();
                    path = line.Substring(4);
                    values = new Dictionary<string, string>(StringComparer.Ordinal);
                    continue;
                }
                var i = line.IndexOf('=');
                if (i <= 0) continue;
                var key = line.Substring(0, i);
                var value = line.Substring(i + 1).Trim();
                if (values == null) { if (key == "dir") directory = value; }
                else values[key] = value;
            }
            Flush();
            return new HostSnapshotListing(member, directory, snapshots.OrderBy(s => s.Path, StringComparer.Ordinal).ToList());
        }

        private static EtcdSnapshot Build(string path, string member, Dictionary<string, string> values)
        {
            string Get(string key) => values.TryGetValue(key, out var v) ? v : "";
            long.TryParse(Get("size"), NumberStyles.None, CultureInfo.InvariantCulture, out var size);
            var snapshot = new EtcdSnapshot
            {
                Path = path,
                Member = member,
                Size = size,
                Sha256 = Get("sha256"),
                Created = SnapshotSchedule.ParseEpoch(Get("time")) ?? default,
            };
            var data = Get("data");
            snapshot.Problem = SnapshotFile.Problem(size, () => data.Length > 0 && string.Equals(data, Get("trailer"), StringComparison.OrdinalIgnoreCase)) ?? "";
            var meta = Get("meta");
            return SnapshotFile.Judge(snapshot, values.ContainsKey("meta") ? SnapshotFile.MetadataPathFor(path) : null,
                () => Encoding.UTF8.GetString(Convert.FromBase64String(meta)));
        }
    }

    /// <summary>One host's snapshot folder and what is in it.</summary>
    internal sealed class HostSnapshotListing
    {
        public HostSnapshotListing(string member, string directory, IReadOnlyList<EtcdSnapshot> snapshots)
        {
            Member = member; Directory = directory; Snapshots = snapshots;
        }

        public string Member { get; }
        public string Directory { get; }
        public IReadOnlyList<EtcdSnapshot> Snapshots { get; }
    }
}
