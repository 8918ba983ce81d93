using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace EtcdOps.Cluster
{
    /// <summary>
    /// Checks an inventory before anything is written or any host is touched. Faults throw
    /// <see cref="EtcdOpsException"/> naming the field and the fix; doubtful choices come back as warnings.
    /// </summary>
    internal static class ClusterValidator
    {
        // RFC 1123 host label: what etcd member names end up as in certificates and URLs.
        private static readonly Regex HostLabel = new Regex("^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$", RegexOptions.CultureInvariant);
        private static readonly Regex ClusterName = new Regex("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", RegexOptions.CultureInvariant);
        private static readonly Regex Token = new Regex("^[A-Za-z0-9._-]{1,128}$", RegexOptions.CultureInvariant);

        /// <summary>Validates; returns warnings (never null). <paramref name="source"/> prefixes messages, e.g. a file name.</summary>
        public static IReadOnlyList<string> Validate(EtcdCluster cluster, string? source = null)
        {
            string Where(string field) => source == null ? field : $"{source}: {field}";
            EtcdOpsException Fault(string id, string field, string message, object? target = null) =>
                new EtcdOpsException(id, FailureKind.InvalidArgument, $"{Where(field)}: {message}", target ?? cluster);

            if (string.IsNullOrWhiteSpace(cluster.Name) || !ClusterName.IsMatch(cluster.Name))
                throw Fault(ErrorIds.InvalidClusterName, "Name",
                    $"'{cluster.Name}' is not a usable cluster name. Use letters, digits, '.', '_' or '-' (at most 63 characters), starting with a letter or digit.");

            if (!EtcdVersion.TryParse(cluster.Version, out var version))
                throw Fault(ErrorIds.InvalidEtcdVersion, "Version",
                    $"'{cluster.Version}' is not an etcd version. Give major.minor.patch as on the etcd release page, for example 3.5.16.");
            if (version!.Major != 3 || version.Minor < 4)
                throw Fault(ErrorIds.UnsupportedEtcdVersion, "Version",
                    $"etcd {version} is not supported. EtcdOps deploys etcd 3.4, 3.5 and 3.6; choose one of those (3.5.x is the safe choice).");

            if (string.IsNullOrEmpty(cluster.Token) || !Token.IsMatch(cluster.Token))
                throw Fault(ErrorIds.InvalidClusterToken, "Token",
                    $"'{cluster.Token}' is not a usable initial-cluster-token. Use 1-128 letters, digits, '.', '_' or '-', or omit -Token to get a new unique one.");

            CheckPort(cluster.ClientPort, "ClientPort");
            CheckPort(cluster.PeerPort, "PeerPort");
            if (cluster.ClientPort == cluster.PeerPort)
                throw Fault(ErrorIds.PortConflict, "PeerPort",
                    $"the client port and the peer port are both {cluster.ClientPort}; etcd needs two different ports (defaults 2379 and 2380).");

            if (string.IsNullOrWhiteSpace(cluster.DataDir) || !cluster.DataDir.StartsWith("/", StringComparison.Ordinal) || cluster.DataDir.Trim() == "/")
                throw Fault(ErrorIds.InvalidDataDir, "DataDir",
                    $"'{cluster.DataDir}' is not an absolute directory path on the host. Use for example /var/lib/etcd.");

            if (cluster.Members == null || cluster.Members.Count == 0)
                throw Fault(ErrorIds.NoMembers, "Member",
                    "the member list is empty. Give at least one member with Name and Address, for example @{ Name = 'etcd-1'; Address = '10.0.0.11' }; three or five members give fault tolerance.");

            var names = new Dictionary<string, EtcdMember>(StringComparer.OrdinalIgnoreCase);
            var addresses = new Dictionary<string, EtcdMember>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < cluster.Members.Count; i++)
            {
                var m = cluster.Members[i];
                var at = $"Member[{i}]";
                if (m == null) throw Fault(ErrorIds.NullMember, at, "the member is empty. Give Name and Address.");
                if (string.IsNullOrWhiteSpace(m.Name))
                    throw Fault(ErrorIds.MissingMemberName, at + ".Name", "the member has no Name. Give each member a name that is a valid host label, such as etcd-1.", m);
                if (!HostLabel.IsMatch(m.Name))
                    throw Fault(ErrorIds.InvalidMemberName, at + ".Name",
                        $"'{m.Name}' is not a valid host label. Use 1-63 letters, digits or '-', not starting or ending with '-' (it becomes part of certificate names and URLs).", m);
                if (names.TryGetValue(m.Name, out var sameName))
                    throw Fault(ErrorIds.DuplicateMemberName, at + ".Name",
                        $"the name '{m.Name}' is used by two members. Every member needs its own name: etcd refuses an initial-cluster with duplicate names.", m);
                names[m.Name] = m;

                if (string.IsNullOrWhiteSpace(m.Address))
                    throw Fault(ErrorIds.MissingMemberAddress, at + ".Address", $"member '{m.Name}' has no Address. Give the IP address etcd should listen on.", m);
                if (!IsIpAddress(m.Address))
                    throw Fault(ErrorIds.InvalidMemberAddress, at + ".Address",
                        $"member '{m.Name}' has Address '{m.Address}', which is not an IP address. etcd binds only to IP addresses (it fails with \"expected IP in URL for binding\"). " +
                        "Resolve the name and give the IP as Address; put the DNS name into SshHost if SSH should use it.", m);
                var canonical = IPAddress.Parse(m.Address).ToString();
                if (addresses.TryGetValue(canonical, out var sameAddress))
                    throw Fault(ErrorIds.DuplicateMemberAddress, at + ".Address",
                        $"members '{sameAddress.Name}' and '{m.Name}' both have Address {m.Address}. Each member needs its own IP: two members on one address would fight over the same ports.", m);
                addresses[canonical] = m;

                if (m.SshPort.HasValue) CheckPort(m.SshPort.Value, at + ".SshPort");
            }

            var warnings = new List<string>();
            if (version.UnknownReleaseWarning() is string unknown) warnings.Add($"{Where("Version")}: {unknown}");
            if (cluster.Members.Count % 2 == 0)
            {
                var n = cluster.Members.Count;
                warnings.Add($"{Where("Member")}: {n} members tolerate {(n - 1) / 2} failed member(s), no more than {n - 1} would, " +
                             $"and need {n / 2 + 1} for quorum. Use an odd number of members.");
            }
            return warnings;

            void CheckPort(int port, string field)
            {
                if (port < 1 || port > 65535)
                    throw Fault(ErrorIds.InvalidPort, field, $"{port} is not a TCP port. Use 1-65535.");
            }
        }

        /// <summary>A strict IP check: IPAddress.TryParse alone would take "10" or "1.2.3" as IPv4.</summary>
        public static bool IsIpAddress(string text)
        {
            if (!IPAddress.TryParse(text, out var ip)) return false;
            if (ip.AddressFamily == AddressFamily.InterNetwork)
                return text.Split('.').Length == 4;
            return ip.AddressFamily == AddressFamily.InterNetworkV6 && text.Contains(":") && !text.Contains("%");
        }
    }
}
