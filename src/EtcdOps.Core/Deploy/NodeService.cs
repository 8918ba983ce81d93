using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
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

    /// <summary>systemd operations on a member's etcd service.</summary>
    public static class NodeService
    {
        public const string Unit = "etcd";

        public static async Task<EtcdNodeState> GetStateAsync(IRemoteHost host, EtcdMember member, string binDir, CancellationToken cancellation)
        {
            var script =
                $"systemctl show {Unit} -p ActiveState -p UnitFileState -p InvocationID -p MainPID 2>/dev/null\n" +
                $"echo \"Version=$({RemoteHostExtensions.Quote(binDir + "/etcd")} --version 2>/dev/null | sed -n 's/^etcd Version: //p')\"\n";
            var output = await host.RunCheckedAsync(script, "reading the service state", cancellation).ConfigureAwait(false);
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
        public static Task StartAsync(IRemoteHost host, CancellationToken cancellation) =>
            host.RunCheckedAsync($"systemctl start --no-block {Unit}", "starting etcd", cancellation);

        public static Task StopAsync(IRemoteHost host, CancellationToken cancellation) =>
            host.RunCheckedAsync($"systemctl stop {Unit}", "stopping etcd", cancellation);

        public static Task RestartAsync(IRemoteHost host, CancellationToken cancellation) =>
            host.RunCheckedAsync($"systemctl restart {Unit}", "restarting etcd", cancellation);

        private static readonly Regex JournalLine = new Regex(@"^(?<time>\S+)\s+\S+\s+\S+:\s(?<msg>.*)$");
        private static readonly Regex JsonLevel = new Regex(@"""level"":""(?<v>[^""]*)""");
        private static readonly Regex JsonMessage = new Regex(@"""msg"":""(?<v>(?:[^""\\]|\\.)*)""");

        public static async Task<IReadOnlyList<EtcdLogEntry>> ReadLogAsync(IRemoteHost host, EtcdMember member, string? since, int lines, CancellationToken cancellation)
        {
            var sinceArg = since == null ? "" : " --since " + RemoteHostExtensions.Quote(since);
            var output = await host.RunCheckedAsync($"journalctl -u {Unit} --no-pager -o short-iso -n {lines}{sinceArg}", "reading the etcd journal", cancellation).ConfigureAwait(false);
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

        /// <summary>Stops and disables etcd and removes the unit, binaries and /etc/etcd; the data only when asked.</summary>
        public static Task UninstallAsync(IRemoteHost host, string dataDir, string binDir, bool removeData, CancellationToken cancellation)
        {
            var bin = RemoteHostExtensions.Quote(binDir);
            var script =
                $"systemctl disable --now {Unit} 2>/dev/null || true\n" +
                $"rm -f /etc/systemd/system/{Unit}.service\n" +
                "systemctl daemon-reload\n" +
                $"rm -f {bin}/etcd {bin}/etcdctl {bin}/etcdutl\n" +
                "rm -rf /etc/etcd\n" +
                (removeData ? $"rm -rf {RemoteHostExtensions.Quote(dataDir)}\n" : "");
            return host.RunCheckedAsync(script, "uninstalling etcd", cancellation);
        }
    }
}
