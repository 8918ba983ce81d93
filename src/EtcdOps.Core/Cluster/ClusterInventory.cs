using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace EtcdOps
{
    /// <summary>Reads and writes the YAML inventory of a cluster: small, commented, friendly to hand editing.</summary>
    public static class ClusterInventory
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

        /// <summary>Parses and validates. <paramref name="source"/> names the file in error messages.</summary>
        public static EtcdCluster FromYaml(string yaml, string source, out IReadOnlyList<string> warnings)
        {
            InventoryDocument? dto;
            try
            {
                var deserializer = new DeserializerBuilder().Build();
                dto = deserializer.Deserialize<InventoryDocument>(yaml);
            }
            catch (YamlException ex)
            {
                var inner = ex.InnerException?.Message ?? ex.Message;
                // YamlDotNet's marks are 1-based.
                throw new EtcdOpsException("InvalidInventoryYaml", FailureKind.InvalidData,
                    $"{source}: line {ex.Start.Line}, column {ex.Start.Column}: {Clean(inner)}. Fix the YAML there; " +
                    "top-level keys are name, version, token, clientPort, peerPort, dataDir, members.", source, ex);
            }
            if (dto == null)
                throw new EtcdOpsException("EmptyInventory", FailureKind.InvalidData,
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
            if (string.IsNullOrEmpty(cluster.Token))
                throw new EtcdOpsException("MissingClusterToken", FailureKind.InvalidData,
                    $"{source}: token is missing. An existing cluster keeps its initial-cluster-token; copy it from /etc/etcd/conf.yml, or for a new cluster generate one with New-EtcdCluster.", source);
            warnings = ClusterValidator.Validate(cluster, source);
            return cluster;
        }

        public static void Save(EtcdCluster cluster, string path) => AtomicFile.WriteAllText(path, ToYaml(cluster));

        public static EtcdCluster Load(string path, out IReadOnlyList<string> warnings)
        {
            if (!File.Exists(path))
                throw new EtcdOpsException("InventoryNotFound", FailureKind.ObjectNotFound, $"Inventory file '{path}' does not exist.", path);
            return FromYaml(File.ReadAllText(path), path, out warnings);
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
