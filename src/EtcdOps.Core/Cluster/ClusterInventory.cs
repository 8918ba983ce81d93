using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace EtcdOps.Cluster
{
    /// <summary>Reads and writes the YAML inventory of a cluster: small, commented, friendly to hand editing.</summary>
    internal static class ClusterInventory
    {
        private const string Header =
            "# EtcdOps cluster inventory. Edit freely; Import-EtcdCluster validates it.\n" +
            "# Member keys: name, address (an IP: etcd binds only to IPs), sshHost, sshPort, sshUser.\n";

        public static string ToYaml(EtcdCluster cluster)
        {
            var dto = new InventoryDocument
            {
                Name = cluster.Name,
                Version = cluster.Version,
                Token = cluster.Token,
                ClientPort = cluster.ClientPort,
                PeerPort = cluster.PeerPort,
                DataDir = cluster.DataDir,
                Members = cluster.Members.Select(m => new InventoryMember
                {
                    Name = m.Name, Address = m.Address, SshHost = m.SshHost, SshPort = m.SshPort, SshUser = m.SshUser,
                }).ToList(),
            };
            var serializer = new SerializerBuilder()
                .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
                .WithIndentedSequences()
                .Build();
            return Header + serializer.Serialize(dto);
        }

        private const string TopLevelKeys = "name, version, token, clientPort, peerPort, dataDir, members";
        private const string MemberKeys = "name, address, sshHost, sshPort, sshUser";
        private static readonly System.Text.RegularExpressions.Regex UnknownProperty =
            new System.Text.RegularExpressions.Regex(@"Property '(?<key>[^']*)' not found on type '(?<type>[^']*)'", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// Parses and validates. <paramref name="source"/> names the file in error messages. An inventory without a
        /// token gets a fresh one (<paramref name="generatedToken"/> says so; <see cref="Load"/> writes it back).
        /// </summary>
        public static EtcdCluster FromYaml(string yaml, string source, out IReadOnlyList<string> warnings) =>
            FromYaml(yaml, source, out warnings, out _);

        internal static EtcdCluster FromYaml(string yaml, string source, out IReadOnlyList<string> warnings, out bool generatedToken)
        {
            RefuseTabIndentation(yaml, source);
            InventoryDocument? dto;
            try
            {
                var deserializer = new DeserializerBuilder().Build();
                dto = deserializer.Deserialize<InventoryDocument>(yaml);
            }
            catch (YamlException ex)
            {
                var inner = ex.InnerException?.Message ?? ex.Message;
                var unknown = UnknownProperty.Match(inner);
                // YamlDotNet's marks are 1-based.
                var where = $"{source}: line {ex.Start.Line}, column {ex.Start.Column}";
                if (unknown.Success)
                {
                    var member = unknown.Groups["type"].Value.EndsWith(nameof(InventoryMember), StringComparison.Ordinal);
                    throw new EtcdOpsException(ErrorIds.UnknownInventoryKey, FailureKind.InvalidData,
                        $"{where}: '{unknown.Groups["key"].Value}' is not a {(member ? "member" : "top-level")} key. " +
                        $"The keys of {(member ? "a member" : "the top level")} are {(member ? MemberKeys : TopLevelKeys)}.", source, ex);
                }
                throw new EtcdOpsException(ErrorIds.InvalidInventoryYaml, FailureKind.InvalidData,
                    $"{where}: {Clean(inner)}. Fix the YAML there; top-level keys are {TopLevelKeys}.", source, ex);
            }
            if (dto == null)
                throw new EtcdOpsException(ErrorIds.EmptyInventory, FailureKind.InvalidData,
                    $"{source}: the file is empty. Create one with New-EtcdCluster ... | Export-EtcdCluster -Path {source}.", source);

            var cluster = new EtcdCluster
            {
                Name = dto.Name ?? "",
                Version = dto.Version ?? EtcdCluster.DefaultVersion,
                Token = dto.Token ?? "",
                ClientPort = dto.ClientPort ?? EtcdCluster.DefaultClientPort,
                PeerPort = dto.PeerPort ?? EtcdCluster.DefaultPeerPort,
                DataDir = dto.DataDir ?? EtcdCluster.DefaultDataDir,
                Members = (dto.Members ?? new List<InventoryMember>()).Select(m => new EtcdMember
                {
                    Name = m?.Name ?? "", Address = m?.Address ?? "", SshHost = m?.SshHost, SshPort = m?.SshPort, SshUser = m?.SshUser,
                }).ToList(),
            };
            var notes = new List<string>();
            generatedToken = string.IsNullOrEmpty(cluster.Token);
            if (generatedToken)
            {
                // A hand-written inventory: the token only matters when a cluster is founded, so a fresh one is right
                // for a new cluster. A running cluster keeps the token it was founded with; the warning says where it is.
                cluster.Token = EtcdCluster.NewToken(string.IsNullOrEmpty(cluster.Name) ? "cluster" : cluster.Name);
                notes.Add($"{source}: no token; generated '{cluster.Token}'. If this cluster already runs, put its initial-cluster-token (from conf.yml on a member) into the inventory instead.");
            }
            notes.AddRange(ClusterValidator.Validate(cluster, source));
            warnings = notes;
            return cluster;
        }

        /// <summary>YAML indents with spaces only; a tab there is reported at its own line (YamlDotNet would name a later one).</summary>
        private static void RefuseTabIndentation(string yaml, string source)
        {
            var lines = yaml.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var indent = lines[i].Length - lines[i].TrimStart(' ', '\t').Length;
                var column = lines[i].IndexOf('\t');
                if (column >= 0 && column < indent)
                    throw new EtcdOpsException(ErrorIds.InvalidInventoryYaml, FailureKind.InvalidData,
                        $"{source}: line {i + 1}, column {column + 1}: a tab indents this line; YAML allows only spaces for indentation. Replace the tab with spaces.", source);
            }
        }

        /// <summary>Adds a generated token to the file as its own line, keeping everything else (comments included) as written.</summary>
        private static void WriteBackToken(string path, string yaml, string token)
        {
            var lines = yaml.Replace("\r\n", "\n").Split('\n').ToList();
            // After the name line; without one, before the first line that is not a comment or a document marker.
            var name = lines.FindIndex(l => l.StartsWith("name:", StringComparison.Ordinal));
            var firstContent = lines.FindIndex(l => !l.StartsWith("#", StringComparison.Ordinal) && l.Trim() != "---");
            var at = name >= 0 ? name + 1 : firstContent >= 0 ? firstContent : lines.Count;
            lines.Insert(at, "token: " + token);
            AtomicFile.WriteAllText(path, string.Join("\n", lines));
        }

        public static void Save(EtcdCluster cluster, string path) => AtomicFile.WriteAllText(path, ToYaml(cluster));

        public static EtcdCluster Load(string path, out IReadOnlyList<string> warnings)
        {
            if (!File.Exists(path))
                throw new EtcdOpsException(ErrorIds.InventoryNotFound, FailureKind.ObjectNotFound, $"Inventory file '{path}' does not exist.", path);
            var yaml = File.ReadAllText(path);
            var cluster = FromYaml(yaml, path, out var found, out var generated);
            warnings = found;
            if (!generated) return cluster;
            WriteBackToken(path, yaml, cluster.Token);
            warnings = found.Select(w => w.StartsWith(path + ": no token;", StringComparison.Ordinal) ? w + " It was written to the file." : w).ToList();
            return cluster;
        }

        private static string Clean(string message)
        {
            // YamlDotNet prefixes "(Line: 3, Col: 5, Idx: ..) - (Line..): "; we already say where.
            var i = message.LastIndexOf("): ", StringComparison.Ordinal);
            return (i >= 0 ? message.Substring(i + 3) : message).TrimEnd('.');
        }

        private sealed class InventoryDocument
        {
            [YamlMember(Alias = "name", Order = 0)] public string? Name { get; set; }
            [YamlMember(Alias = "version", Order = 1)] public string? Version { get; set; }
            [YamlMember(Alias = "token", Order = 2)] public string? Token { get; set; }
            [YamlMember(Alias = "clientPort", Order = 3)] public int? ClientPort { get; set; }
            [YamlMember(Alias = "peerPort", Order = 4)] public int? PeerPort { get; set; }
            [YamlMember(Alias = "dataDir", Order = 5)] public string? DataDir { get; set; }
            [YamlMember(Alias = "members", Order = 6)] public List<InventoryMember>? Members { get; set; }
        }

        private sealed class InventoryMember
        {
            [YamlMember(Alias = "name", Order = 0)] public string? Name { get; set; }
            [YamlMember(Alias = "address", Order = 1)] public string? Address { get; set; }
            [YamlMember(Alias = "sshHost", Order = 2)] public string? SshHost { get; set; }
            [YamlMember(Alias = "sshPort", Order = 3)] public int? SshPort { get; set; }
            [YamlMember(Alias = "sshUser", Order = 4)] public string? SshUser { get; set; }
        }
    }
}
