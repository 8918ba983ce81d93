using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace EtcdOps.Pki
{
    /// <summary>What a certificate set allows etcd to check on its peer port.</summary>
    internal sealed class PeerPortPolicy
    {
        internal PeerPortPolicy(string? allowedCommonName, string? reason)
        {
            AllowedCommonName = allowedCommonName;
            Reason = reason;
        }

        /// <summary>The common name every peer certificate of the set shares, and no client certificate has; null when there is none.</summary>
        public string? AllowedCommonName { get; }

        /// <summary>Why the peer port cannot be restricted by common name (null when it can, or when a file could not be read).</summary>
        public string? Reason { get; }
    }

    /// <summary>
    /// One CA signs every certificate of a set, so trusting the CA on the peer port (2380) lets the client certificate in too.
    /// EtcdOps gives every peer certificate of a cluster one common name, etcd-peer-&lt;cluster&gt; (the member name stays in
    /// OU and the SANs), and renders etcd's peer-transport-security.allowed-cn with it: only this cluster's peers pass.
    /// </summary>
    internal static class PeerIdentity
    {
        public const string CommonNamePrefix = "etcd-peer-";

        /// <summary>X.509's upper bound for a common name (ub-common-name).</summary>
        internal const int MaxCommonNameLength = 64;

        /// <summary>The common name of every peer certificate of the cluster, e.g. etcd-peer-staging.</summary>
        public static string CommonNameFor(string clusterName)
        {
            var name = CommonNamePrefix + clusterName;
            if (name.Length <= MaxCommonNameLength) return name;
            // Long names keep a readable prefix and stay distinct through a hash of the whole name.
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(clusterName));
            var suffix = "-" + BitConverter.ToString(hash, 0, 4).Replace("-", "").ToLowerInvariant();
            return name.Substring(0, MaxCommonNameLength - suffix.Length) + suffix;
        }

        /// <summary>
        /// Reads the set's peer and client certificates: when all peers share one common name that the client certificate
        /// does not have, that name is what etcd's allowed-cn can require. Unreadable files give neither a name nor a reason
        /// (Test-EtcdCertificateSet reports them).
        /// </summary>
        public static PeerPortPolicy Inspect(EtcdCertificateSet set)
        {
            var names = new List<(string Peer, string Cn)>();
            foreach (var peer in set.PeerNames)
            {
                var cn = CommonName(set.PeerCertificatePath(peer));
                if (cn == null) return new PeerPortPolicy(null, null);
                names.Add((peer, cn));
            }
            if (names.Count == 0) return new PeerPortPolicy(null, null);
            var distinct = names.Select(n => n.Cn).Distinct(StringComparer.Ordinal).ToList();
            if (distinct.Count > 1)
                return new PeerPortPolicy(null,
                    $"the peer certificates have different common names ({string.Join(", ", names.Select(n => $"{n.Peer}: CN={(n.Cn.Length == 0 ? "(none)" : n.Cn)}"))})");
            var shared = distinct[0];
            if (shared.Length == 0)
                return new PeerPortPolicy(null, "the peer certificates have no common name");
            if (CommonName(set.ClientCertificatePath) is { } clientCn && clientCn == shared)
                return new PeerPortPolicy(null, $"the client certificate {set.ClientName}.pem has the peers' common name CN={shared}");
            return new PeerPortPolicy(shared, null);
        }

        /// <summary>The first certificate's subject CN, "" when it has none, null when the file cannot be read.</summary>
        internal static string? CommonName(string path)
        {
            if (!File.Exists(path)) return null;
            try
            {
                return CommonName(PkiCrypto.ReadCertificates(path)[0]);
            }
            catch (EtcdOpsException)
            {
                return null;
            }
        }

        internal static string CommonName(X509Certificate certificate)
        {
            var values = certificate.SubjectDN.GetValueList(X509Name.CN);
            return values.Count == 0 ? "" : values[values.Count - 1];
        }

        /// <summary>etcd reads peer-transport-security.allowed-cn from conf.yml from 3.5.14 on (3.4 only from a flag).</summary>
        public static bool ConfigFileSupportsAllowedCn(EtcdVersion version) =>
            version.AtLeast(3, 6) || (version.Major == 3 && version.Minor == 5 && version.Patch >= 14);
    }
}
