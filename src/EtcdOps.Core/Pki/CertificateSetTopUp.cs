using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace EtcdOps.Pki
{
    /// <summary>
    /// What a folder that already holds this cluster's set lacks, judged against the folder's CA: the leaves that
    /// New-EtcdCertificateSet issues without -Force (a grown cluster's new peers, a server certificate that no longer
    /// names every member or extra name). Every file that is still right stays as it is, so the hosts that have it
    /// need no change.
    /// </summary>
    internal static class CertificateSetTopUp
    {
        /// <summary>The base names (server, member names, the client name) whose certificate and key must be issued again.</summary>
        public static IReadOnlyList<string> LeavesToIssue(EtcdCluster cluster, CertificateSetRequest request, string directory, DateTime? nowUtc = null)
        {
            var ca = PkiCrypto.ReadCertificates(request.CaCertificatePath!)[0];
            var now = nowUtc ?? DateTime.UtcNow;
            var leaves = new List<string>();
            if (!StillRight(directory, "server", ca, now, cluster.Members.Select(m => m.Address).Concat(request.IPAddresses),
                    cluster.Members.Select(m => m.Name).Concat(request.DnsNames)))
                leaves.Add("server");
            foreach (var member in cluster.Members)
                if (!StillRight(directory, member.Name, ca, now, new[] { member.Address }, new[] { member.Name })) leaves.Add(member.Name);
            if (!StillRight(directory, request.ClientName, ca, now, new string[0], new string[0])) leaves.Add(request.ClientName);
            return leaves;
        }

        /// <summary>The files of <paramref name="leaves"/> (certificate and key of each).</summary>
        public static IReadOnlyList<string> Files(IEnumerable<string> leaves) => leaves.SelectMany(l => new[] { l + ".pem", l + "-key.pem" }).ToList();

        private static bool StillRight(string directory, string baseName, X509Certificate ca, DateTime now, IEnumerable<string> addresses, IEnumerable<string> dnsNames)
        {
            var certPath = Path.Combine(directory, baseName + ".pem");
            var keyPath = Path.Combine(directory, baseName + "-key.pem");
            if (!File.Exists(certPath) || !File.Exists(keyPath)) return false;
            X509Certificate leaf;
            try
            {
                leaf = PkiCrypto.ReadCertificates(certPath)[0];
                if (!PkiCrypto.KeyMatches(PkiCrypto.ReadPrivateKey(keyPath), leaf.GetPublicKey())) return false;
            }
            catch (EtcdOpsException) { return false; }
            if (!CertificateSetValidator.IssuedBy(leaf, ca) || leaf.NotAfter.ToUniversalTime() <= now) return false;
            if (!addresses.All(a => CertificateSetValidator.HasIp(leaf, a))) return false;
            var dns = CertificateInspector.SubjectAlternativeNames(leaf).Where(n => n.TagNo == GeneralName.DnsName).Select(n => n.Name.ToString()).ToList();
            return dnsNames.All(n => dns.Contains(n, StringComparer.OrdinalIgnoreCase));
        }
    }
}
