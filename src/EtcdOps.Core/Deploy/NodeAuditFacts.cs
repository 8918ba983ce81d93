using System;
using System.Collections.Generic;
using System.Globalization;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>The mode and owner of one path on a member's host, as <c>stat -c '%a %U %G'</c> printed them.</summary>
    internal sealed class RemotePathFacts
    {
        public string Path { get; set; } = "";
        public bool Exists { get; set; }
        /// <summary>Octal permission bits without leading zeros, e.g. "600".</summary>
        public string Mode { get; set; } = "";
        public string User { get; set; } = "";
        public string Group { get; set; } = "";

        public override string ToString() => Exists ? $"{Path} ({Mode} {User}:{Group})" : $"{Path} (missing)";
    }

    /// <summary>
    /// What audit-node.sh saw on one member's host: the unit that runs etcd, its conf.yml (text and file facts), the
    /// running process, and the modes of the files conf.yml names. Facts only; <see cref="NodeAudit"/> judges them.
    /// </summary>
    internal sealed class NodeAuditFacts
    {
        public string? UnitPath { get; set; }
        public string? ExecStart { get; set; }
        /// <summary>The conf.yml the unit's ExecStart names.</summary>
        public string? ConfigPath { get; set; }
        public string Active { get; set; } = "";
        public int MainPid { get; set; }
        /// <summary>The --config-file of the running process (null when none runs).</summary>
        public string? ProcessConfigPath { get; set; }
        public long? NowMicros { get; set; }
        public long? StartedMicros { get; set; }
        public long? ConfigModifiedMicros { get; set; }
        public string ConfigText { get; set; } = "";
        public Dictionary<string, RemotePathFacts> Paths { get; } = new Dictionary<string, RemotePathFacts>(StringComparer.Ordinal);
        /// <summary>Files holding a PEM private key in the directories of conf.yml and its certificate files.</summary>
        public List<string> PrivateKeyFiles { get; } = new List<string>();

        /// <summary>openssl is installed on the host, so the public-key hashes below were computed.</summary>
        public bool OpensslAvailable { get; set; }

        /// <summary>The SHA-256 of the public key of every certificate in the trusted-ca-files.</summary>
        public HashSet<string> CaPublicKeys { get; } = new HashSet<string>(StringComparer.Ordinal);

        /// <summary>For each private key file, the SHA-256 of its public half (computed the same way).</summary>
        public Dictionary<string, string> PrivateKeyPublic { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

        public bool Deployed => !string.IsNullOrEmpty(UnitPath) && !string.IsNullOrEmpty(ConfigPath);

        public RemotePathFacts? Path(string? path) => path != null && Paths.TryGetValue(path, out var p) ? p : null;

        internal static readonly string DefaultUnitDirectory = EtcdHostLayout.DefaultUnitPath.Substring(0, EtcdHostLayout.DefaultUnitPath.LastIndexOf('/'));

        /// <summary>Runs audit-node.sh on the host (one round trip), looking for etcd's unit in <paramref name="unitDirectory"/>.</summary>
        internal static async Task<NodeAuditFacts> ReadAsync(IRemoteHost host, CancellationToken cancellation, string? unitDirectory = null)
        {
            unitDirectory ??= DefaultUnitDirectory;
            var output = await host.RunCheckedAsync(RemoteScript.AuditNode.Command(unitDirectory), "reading the etcd files to audit", cancellation).ConfigureAwait(false);
            return Parse(output);
        }

        internal static NodeAuditFacts Parse(string output)
        {
            var facts = new NodeAuditFacts();
            output = output.Replace("\r\n", "\n");
            var marker = output.IndexOf("--- conf\n", StringComparison.Ordinal);
            var head = marker < 0 ? output : output.Substring(0, marker);
            facts.ConfigText = marker < 0 ? "" : output.Substring(marker + 9);
            foreach (var line in head.Split('\n'))
            {
                var eq = line.IndexOf('=');
                if (eq <= 0) continue;
                var key = line.Substring(0, eq);
                var value = line.Substring(eq + 1);
                switch (key)
                {
                    case "unit": facts.UnitPath = Empty(value); break;
                    case "exec": facts.ExecStart = Empty(value); break;
                    case "config": facts.ConfigPath = Empty(value); break;
                    case "active": facts.Active = value.Trim(); break;
                    case "pid": facts.MainPid = int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) ? pid : 0; break;
                    case "cmdconfig": facts.ProcessConfigPath = Empty(value); break;
                    case "now": facts.NowMicros = Micros(value); break;
                    case "started": facts.StartedMicros = Micros(value); break;
                    case "confmtime": facts.ConfigModifiedMicros = Micros(value); break;
                    case "pkey": if (value.Length > 0 && !facts.PrivateKeyFiles.Contains(value)) facts.PrivateKeyFiles.Add(value); break;
                    case "openssl": facts.OpensslAvailable = value.Trim() == "yes"; break;
                    case "capub": if (value.Trim().Length > 0) facts.CaPublicKeys.Add(value.Trim()); break;
                    case "pkeypub":
                        var space = value.IndexOf(' ');
                        if (space > 0) facts.PrivateKeyPublic[value.Substring(space + 1)] = value.Substring(0, space);
                        break;
                    case "stat":
                        var p = ParseStat(value);
                        if (p != null) facts.Paths[p.Path] = p;
                        break;
                }
            }
            return facts;
        }

        // "600 etcd etcd /etc/etcd/conf.yml" or "missing /path with spaces".
        private static RemotePathFacts? ParseStat(string value)
        {
            if (value.StartsWith("missing ", StringComparison.Ordinal))
                return new RemotePathFacts { Path = value.Substring(8), Exists = false };
            var parts = value.Split(new[] { ' ' }, 4);
            if (parts.Length < 4) return null;
            return new RemotePathFacts { Mode = parts[0], User = parts[1], Group = parts[2], Path = parts[3], Exists = true };
        }

        private static string? Empty(string value) => value.Trim().Length == 0 ? null : value.TrimEnd();

        private static long? Micros(string value) =>
            long.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null;
    }
}
