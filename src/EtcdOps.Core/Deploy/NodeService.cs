using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>The etcd service on one member's host, as systemd sees it.</summary>
    public sealed class EtcdNodeState
    {
        public string Name { get; set; } = "";
        public string Address { get; set; } = "";
        /// <summary>systemd's ActiveState: active, inactive, failed, activating, ...</summary>
        public string Active { get; set; } = "";
        public bool Enabled { get; set; }
        /// <summary>Changes on every start: equal IDs before and after an operation prove no restart happened.</summary>
        public string InvocationId { get; set; } = "";
        public int MainPid { get; set; }
        public string Version { get; set; } = "";
    }

    /// <summary>One line of a member's etcd journal.</summary>
    public sealed class EtcdLogEntry
    {
        public string Member { get; set; } = "";
        public DateTimeOffset? Time { get; set; }
        public string Level { get; set; } = "";
        public string Message { get; set; } = "";
        /// <summary>The line as journald stored it (etcd writes JSON).</summary>
        public string Raw { get; set; } = "";
    }

    /// <summary>systemd operations on a member's etcd service, wherever its <see cref="EtcdHostLayout"/> puts it.</summary>
    internal static class NodeService
    {
        public static async Task<EtcdNodeState> GetStateAsync(IRemoteHost host, EtcdMember member, EtcdHostLayout layout, CancellationToken cancellation)
        {
            var output = await host.RunCheckedAsync(RemoteScript.ServiceState.Command(layout.UnitName, layout.EtcdBinary), "reading the service state", cancellation).ConfigureAwait(false);
            var v = output.Split('\n').Select(l => l.Split(new[] { '=' }, 2)).Where(p => p.Length == 2)
                .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
            string Get(string key) => v.TryGetValue(key, out var s) ? s : "";
            return new EtcdNodeState
            {
                Name = member.Name,
                Address = member.Address,
                Active = Get("ActiveState"),
                Enabled = Get("UnitFileState") == "enabled",
                InvocationId = Get("InvocationID"),
                MainPid = int.TryParse(Get("MainPID"), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0,
                Version = Get("Version"),
            };
        }

        /// <summary>Starts without waiting: with Type=notify a member blocks until quorum, so members must start together.</summary>
        public static Task StartAsync(IRemoteHost host, EtcdHostLayout layout, CancellationToken cancellation) =>
            host.RunCheckedAsync(RemoteScript.ServiceAction.Command("start", layout.UnitName), "starting etcd", cancellation);

        public static Task StopAsync(IRemoteHost host, EtcdHostLayout layout, CancellationToken cancellation) =>
            host.RunCheckedAsync(RemoteScript.ServiceAction.Command("stop", layout.UnitName), "stopping etcd", cancellation);

        public static Task RestartAsync(IRemoteHost host, EtcdHostLayout layout, CancellationToken cancellation) =>
            host.RunCheckedAsync(RemoteScript.ServiceAction.Command("restart", layout.UnitName), "restarting etcd", cancellation);

        /// <summary>Stops etcd and keeps it from starting at boot (a member removed from its cluster).</summary>
        public static Task DisableAsync(IRemoteHost host, EtcdHostLayout layout, CancellationToken cancellation) =>
            host.RunCheckedAsync(RemoteScript.ServiceAction.Command("disable", layout.UnitName), "stopping and disabling etcd", cancellation);

        /// <summary>The suffix a member's data dir gets when it is moved aside: .removed-20250101T120000Z (UTC).</summary>
        public static string RemovedSuffix(DateTime utcNow) => ".removed-" + utcNow.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);

        /// <summary>
        /// Moves the data dir (and a separate WAL dir) aside to dir.removed-time, leaving an empty one in its place; a
        /// directory that is empty or missing stays. Returns the paths moved to.
        /// </summary>
        public static Task<IReadOnlyList<string>> MoveDataAsideAsync(IRemoteHost host, EtcdHostLayout layout, DateTime utcNow, CancellationToken cancellation) =>
            MoveDataAsideAsync(host, layout, RemovedSuffix(utcNow), cancellation);

        /// <summary>The same, to dir<paramref name="suffix"/> (a restore keeps the old data as dir.before-restore-time).</summary>
        public static async Task<IReadOnlyList<string>> MoveDataAsideAsync(IRemoteHost host, EtcdHostLayout layout, string suffix, CancellationToken cancellation)
        {
            var dirs = new[] { layout.DataDir }.Concat(layout.WalDir == null ? Array.Empty<string>() : new[] { layout.WalDir }).Select(d => d.TrimEnd('/'));
            var output = await host.RunCheckedAsync(RemoteScript.MoveAside.Command(new[] { suffix }.Concat(dirs)), "moving the data dir aside", cancellation).ConfigureAwait(false);
            return output.Split('\n').Where(l => l.StartsWith("moved=", StringComparison.Ordinal)).Select(l => l.Substring(6).Trim()).ToList();
        }

        private static readonly Regex JournalLine = new Regex(@"^(?<time>\S+)\s+\S+\s+\S+:\s(?<msg>.*)$");
        private static readonly Regex JsonLevel = new Regex(@"""level"":""(?<v>[^""]*)""");
        private static readonly Regex JsonMessage = new Regex(@"""msg"":""(?<v>(?:[^""\\]|\\.)*)""");

        public static async Task<IReadOnlyList<EtcdLogEntry>> ReadLogAsync(IRemoteHost host, EtcdMember member, EtcdHostLayout layout, string? since, int lines, CancellationToken cancellation)
        {
            var command = RemoteScript.ReadJournal.Command(layout.UnitName, lines.ToString(CultureInfo.InvariantCulture), since ?? "");
            var output = await host.RunCheckedAsync(command, "reading the etcd journal", cancellation).ConfigureAwait(false);
            var entries = new List<EtcdLogEntry>();
            foreach (var raw in output.Split('\n'))
            {
                if (raw.Length == 0 || raw.StartsWith("-- ", StringComparison.Ordinal)) continue;
                var m = JournalLine.Match(raw);
                var message = m.Success ? m.Groups["msg"].Value : raw;
                var entry = new EtcdLogEntry { Member = member.Name, Raw = message, Message = message };
                if (m.Success && DateTimeOffset.TryParse(m.Groups["time"].Value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) entry.Time = t;
                var level = JsonLevel.Match(message);
                var msg = JsonMessage.Match(message);
                if (level.Success) entry.Level = level.Groups["v"].Value;
                if (msg.Success) entry.Message = Regex.Unescape(msg.Groups["v"].Value);
                entries.Add(entry);
            }
            return entries;
        }

        /// <summary>
        /// Stops and disables etcd and removes the unit, the binaries, conf.yml and the certificate files where the
        /// layout says they are; a directory goes whole only when it is etcd's own (see
        /// <see cref="EtcdHostLayout.IsEtcdOwnDirectory"/>), else only EtcdOps' files leave it. The data only when asked.
        /// </summary>
        public static Task UninstallAsync(IRemoteHost host, EtcdHostLayout layout, bool removeData, CancellationToken cancellation) =>
            host.RunCheckedAsync(UninstallCommand(layout, removeData), "uninstalling etcd", cancellation);

        internal static string UninstallCommand(EtcdHostLayout layout, bool removeData)
        {
            var (directories, files) = UninstallTargets(layout, removeData);
            return RemoteScript.Uninstall.Command(new[]
            {
                layout.UnitName, layout.UnitPath, layout.BinaryDirectory.TrimEnd('/'), directories.Count.ToString(CultureInfo.InvariantCulture),
            }.Concat(directories).Concat(files));
        }

        /// <summary>What goes whole (etcd's own directories; the data and WAL when asked) and which files go alone.</summary>
        internal static (IReadOnlyList<string> Directories, IReadOnlyList<string> Files) UninstallTargets(EtcdHostLayout layout, bool removeData)
        {
            var directories = new[] { layout.ConfigDirectory, layout.CertificateDirectory }.Distinct().Where(EtcdHostLayout.IsEtcdOwnDirectory).ToList();
            if (removeData)
            {
                directories.Add(layout.DataDir);
                if (layout.WalDir != null) directories.Add(layout.WalDir);
            }
            // Files in a shared directory: only those etcd was configured with, and conf.yml.
            var files = new[] { layout.ConfigPath }.Concat(layout.CertificateFiles).Distinct().ToList();
            return (directories, files);
        }
    }
}
