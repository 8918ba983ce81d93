using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;

namespace EtcdOps.Cluster
{
    /// <summary>
    /// The inventory of one etcd cluster: what every later step (certificates, config, install, checks) works from.
    /// </summary>
    public sealed class EtcdCluster
    {
        public const string DefaultVersion = "3.5.16";
        public const int DefaultClientPort = 2379;
        public const int DefaultPeerPort = 2380;
        public const string DefaultDataDir = "/var/lib/etcd";

        public string Name { get; set; } = "";
        public string Version { get; set; } = DefaultVersion;
        public string Token { get; set; } = "";
        public int ClientPort { get; set; } = DefaultClientPort;
        public int PeerPort { get; set; } = DefaultPeerPort;
        public string DataDir { get; set; } = DefaultDataDir;
        public EtcdList<EtcdMember> Members { get; set; } = new EtcdList<EtcdMember>();

        /// <summary>A fresh token: etcd uses it to keep clusters apart, so it must never be a shared constant.</summary>
        public static string NewToken(string clusterName)
        {
            var bytes = new byte[8];
            using (var rng = RandomNumberGenerator.Create()) rng.GetBytes(bytes);
            return $"etcd-{clusterName}-{BitConverter.ToString(bytes).Replace("-", "").ToLowerInvariant()}";
        }

        public EtcdMember? FindMember(string name) =>
            Members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase));

        public string ClientUrl(EtcdMember member) => Url(member.Address, ClientPort);

        public string PeerUrl(EtcdMember member) => Url(member.Address, PeerPort);

        public EtcdList<string> ClientUrls => Members.Select(ClientUrl).ToList();

        /// <summary>etcd's <c>initial-cluster</c>: <c>name=https://ip:peerport,...</c>.</summary>
        public string InitialCluster => string.Join(",", Members.Select(m => $"{m.Name}={PeerUrl(m)}"));

        /// <summary>https URL for an address, bracketing IPv6 literals.</summary>
        public static string Url(string address, int port, string scheme = "https")
        {
            var host = IPAddress.TryParse(address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6
                ? "[" + address + "]"
                : address;
            return $"{scheme}://{host}:{port}";
        }

        public EtcdCluster Clone()
        {
            var copy = (EtcdCluster)MemberwiseClone();
            copy.Members = Members.Select(m => m.Clone()).ToList();
            return copy;
        }

        public override string ToString() => $"{Name} (etcd {Version}, {Members.Count} members)";
    }
}
