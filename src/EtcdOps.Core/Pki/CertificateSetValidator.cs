using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.X509;

namespace EtcdOps.Pki
{
    /// <summary>
    /// Pre-flight for a certificate set: what etcd or Go's TLS stack would refuse, found before any host is touched.
    /// Reads the files again, so a set changed on disk since it was loaded is checked as it is now.
    /// </summary>
    internal static class CertificateSetValidator
    {
        private static readonly string ServerAuth = KeyPurposeID.id_kp_serverAuth.Id;
        private static readonly string ClientAuth = KeyPurposeID.id_kp_clientAuth.Id;
        private static readonly string AnyPurpose = KeyPurposeID.AnyExtendedKeyUsage.Id;

        public static IReadOnlyList<EtcdFinding> Test(EtcdCertificateSet set, EtcdCluster? cluster, int warningDays = 30, DateTime? nowUtc = null)
        {
            var now = nowUtc ?? DateTime.UtcNow;
            var findings = new List<EtcdFinding>();
            var check = new Checker(set, findings, now, warningDays);

            var ca = check.Certificate(set.CaCertificatePath);
            if (ca != null) check.Ca(ca);

            var server = check.Leaf(set.ServerCertificatePath, set.ServerKeyPath, ca, "server certificate", ServerAuth, ClientAuth);
            foreach (var peer in set.PeerNames)
                check.Leaf(set.PeerCertificatePath(peer), set.PeerKeyPath(peer), ca, "peer certificate", ServerAuth, ClientAuth);
            check.Leaf(set.ClientCertificatePath, set.ClientKeyPath, ca, "client certificate", ClientAuth);
            if (set.CaKeyPath != null) check.KeyFile(set.CaKeyPath, ca, set.CaCertificatePath);

            if (cluster != null)
            {
                foreach (var member in cluster.Members)
                {
                    if (!set.HasPeer(member.Name))
                    {
                        findings.Add(new EtcdFinding(FindingSeverity.Error, ErrorIds.PeerCertificateMissing, member.Name + ".pem", null,
                            $"Member '{member.Name}' has no peer certificate in '{set.Path}'. Issue one from this set's CA: {CertificateAdvice.Reissue(set)}."));
                        continue;
                    }
                    var peer = check.Loaded(set.PeerCertificatePath(member.Name));
                    if (peer != null && !HasIp(peer, member.Address))
                        findings.Add(new EtcdFinding(FindingSeverity.Error, ErrorIds.PeerSanMissing, member.Name + ".pem", "SubjectAlternativeName",
                            $"The peer certificate of '{member.Name}' does not name its address {member.Address} (it has {SanList(peer)}). " +
                            $"Other members would fail with 'x509: certificate is valid for ..., not {member.Address}'. Re-issue it from this set's CA: {CertificateAdvice.Reissue(set)}."));
                    if (server != null && !HasIp(server, member.Address))
                        findings.Add(new EtcdFinding(FindingSeverity.Error, ErrorIds.ServerSanMissing, EtcdCertificateSet.ServerFile, "SubjectAlternativeName",
                            $"server.pem does not name member '{member.Name}' at {member.Address} (it has {SanList(server)}). " +
                            $"Clients of that member would fail with 'x509: certificate is valid for ..., not {member.Address}'. Re-issue it from this set's CA: {CertificateAdvice.Reissue(set)}."));
                }
            }
            var policy = PeerIdentity.Inspect(set);
            if (policy.Reason != null)
                findings.Add(new EtcdFinding(FindingSeverity.Warning, ErrorIds.PeerPortOpenToCa, set.PeerNames[0] + ".pem", "Subject",
                    $"The peer port (2380) will accept any certificate signed by ca.pem, {set.ClientName}.pem included, because {policy.Reason}: " +
                    "etcd's peer-transport-security.allowed-cn needs one common name shared by all peers and no client. " +
                    $"Re-issue the set from its CA (every peer then gets CN={PeerIdentity.CommonNameFor(cluster?.Name ?? "<cluster>")}, which New-EtcdConfig renders as allowed-cn): {CertificateAdvice.Reissue(set)}."));
            return findings;
        }

        private sealed class Checker
        {
            private readonly EtcdCertificateSet _set;
            private readonly List<EtcdFinding> _findings;
            private readonly DateTime _now;
            private readonly int _warningDays;
            private readonly Dictionary<string, X509Certificate?> _loaded = new Dictionary<string, X509Certificate?>(StringComparer.Ordinal);

            public Checker(EtcdCertificateSet set, List<EtcdFinding> findings, DateTime now, int warningDays)
            {
                _set = set;
                _findings = findings;
                _now = now;
                _warningDays = warningDays;
            }

            public X509Certificate? Loaded(string path) => _loaded.TryGetValue(path, out var c) ? c : null;

            /// <summary>Reads a certificate and checks its validity period; a missing or broken file is a finding.</summary>
            public X509Certificate? Certificate(string path)
            {
                X509Certificate? certificate = null;
                if (!File.Exists(path))
                    Add(FindingSeverity.Error, ErrorIds.FileMissing, path, null, string.Equals(path, _set.CaCertificatePath, StringComparison.Ordinal)
                        ? $"'{path}' does not exist. Copy the cluster's CA back (every member has it as /etc/etcd/ca.pem); a new CA would not be trusted by the running members."
                        : $"'{path}' does not exist. Copy the file back, or re-issue from this set's CA: {CertificateAdvice.Reissue(_set)}.");
                else
                {
                    try { certificate = PkiCrypto.ReadCertificates(path)[0]; }
                    catch (EtcdOpsException ex) { Add(FindingSeverity.Error, ErrorIds.CertificateUnreadable, path, null, ex.Message); }
                }
                _loaded[path] = certificate;
                if (certificate != null) Validity(certificate, path);
                return certificate;
            }

            private void Validity(X509Certificate certificate, string path)
            {
                var isCa = string.Equals(path, _set.CaCertificatePath, StringComparison.Ordinal);
                var notAfter = certificate.NotAfter.ToUniversalTime();
                var notBefore = certificate.NotBefore.ToUniversalTime();
                if (notAfter <= _now)
                    Add(FindingSeverity.Error, ErrorIds.Expired, path, "NotAfter",
                        $"{Name(path)} expired on {notAfter:yyyy-MM-dd HH:mm} UTC; etcd fails with 'x509: certificate has expired or is not yet valid'. " + (isCa
                            ? $"Make a new CA into another folder ($cluster | New-EtcdCertificateSet -Path <new folder> -NewAuthority); {CertificateAdvice.CaChange}"
                            : $"Issue a new one from this set's CA: {CertificateAdvice.Reissue(_set)}."));
                else if (notBefore > _now)
                    Add(FindingSeverity.Error, ErrorIds.NotYetValid, path, "NotBefore",
                        $"{Name(path)} is valid only from {notBefore:yyyy-MM-dd HH:mm} UTC; etcd fails with 'x509: certificate has expired or is not yet valid'. Check the clock of the machine that issued it.");
                else if ((notAfter - _now).TotalDays <= _warningDays)
                    Add(FindingSeverity.Warning, ErrorIds.Expiring, path, "NotAfter",
                        $"{Name(path)} expires on {notAfter:yyyy-MM-dd} ({Math.Floor((notAfter - _now).TotalDays)} days left). " + (isCa
                            ? $"Rotate the CA before then: make a new one into another folder ($cluster | New-EtcdCertificateSet -Path <new folder> -NewAuthority); {CertificateAdvice.CaChange}"
                            : $"Renew it before then from this set's CA: {CertificateAdvice.Reissue(_set)}."));
            }

            public void Ca(X509Certificate ca)
            {
                var path = _set.CaCertificatePath;
                if (!CertificateInspector.IsCa(ca))
                    Add(FindingSeverity.Error, ErrorIds.CaNotCa, path, "BasicConstraints",
                        "ca.pem lacks basicConstraints CA:true, so Go will not accept it as an issuer ('x509: certificate signed by unknown authority'). Use a real CA certificate: $cluster | New-EtcdCertificateSet -Path <new folder> -NewAuthority makes one.");
                var usage = ca.GetKeyUsage();
                if (usage != null && !usage[5])
                    Add(FindingSeverity.Error, ErrorIds.CaKeyUsage, path, "KeyUsage",
                        "ca.pem has a key usage without keyCertSign, so it may not sign certificates. Make a CA with keyCertSign: $cluster | New-EtcdCertificateSet -Path <new folder> -NewAuthority.");
                var purposes = CertificateInspector.ExtendedKeyUsages(ca);
                if (purposes.Count > 0 && !purposes.Contains(AnyPurpose))
                {
                    var named = string.Join(", ", purposes.Select(CertificateInspector.PurposeName));
                    if (!purposes.Contains(ServerAuth) || !purposes.Contains(ClientAuth))
                        Add(FindingSeverity.Error, ErrorIds.CaExtendedKeyUsage, path, "ExtendedKeyUsage",
                            $"ca.pem carries extended key usages ({named}); Go then refuses certificates it signed for other uses with 'x509: certificate specifies an incompatible key usage'. Make a CA without extended key usage: $cluster | New-EtcdCertificateSet -Path <new folder> -NewAuthority.");
                    else
                        Add(FindingSeverity.Warning, ErrorIds.CaExtendedKeyUsage, path, "ExtendedKeyUsage",
                            $"ca.pem carries extended key usages ({named}). Go accepts them for etcd, but a CA should have none; certificates for other uses would be refused.");
                }
            }

            /// <summary>Checks a leaf: readable, issued by the CA, usages for its role, and its key file.</summary>
            public X509Certificate? Leaf(string path, string keyPath, X509Certificate? ca, string what, params string[] purposes)
            {
                var certificate = Certificate(path);
                if (certificate == null) return null;
                if (ca != null && !IssuedBy(certificate, ca))
                    Add(FindingSeverity.Error, ErrorIds.NotIssuedByCa, path, "Issuer",
                        $"{Name(path)} was not issued by ca.pem (issuer '{certificate.IssuerDN}'); etcd fails with 'x509: certificate signed by unknown authority'. If ca.pem is the CA the cluster trusts, re-issue it from that CA: {CertificateAdvice.Reissue(_set)}; otherwise put the cluster's own ca.pem back.");
                var have = CertificateInspector.ExtendedKeyUsages(certificate);
                if (have.Count > 0 && !have.Contains(AnyPurpose))
                {
                    var lacking = purposes.Where(p => !have.Contains(p)).Select(CertificateInspector.PurposeName).ToList();
                    if (lacking.Count > 0)
                        Add(FindingSeverity.Error, ErrorIds.ExtendedKeyUsage, path, "ExtendedKeyUsage",
                            $"{Name(path)} is used as {what} but lacks {string.Join(" and ", lacking)} (it has {string.Join(", ", have.Select(CertificateInspector.PurposeName))}); " +
                            $"Go fails with 'x509: certificate specifies an incompatible key usage'. A {what} needs {string.Join(" + ", purposes.Select(CertificateInspector.PurposeName))}; re-issue it from this set's CA: {CertificateAdvice.Reissue(_set)}.");
                }
                if (CertificateInspector.IsCa(certificate))
                    Add(FindingSeverity.Warning, ErrorIds.LeafIsCa, path, "BasicConstraints",
                        $"{Name(path)} is a CA certificate (basicConstraints CA:true) used as {what}. Give it a leaf certificate instead.");
                KeyFile(keyPath, certificate, path);
                return certificate;
            }

            public void KeyFile(string keyPath, X509Certificate? certificate, string certificatePath)
            {
                if (!File.Exists(keyPath))
                {
                    Add(FindingSeverity.Error, ErrorIds.KeyMissing, keyPath, "PrivateKey",
                        $"'{keyPath}' does not exist; etcd cannot use {Name(certificatePath)} without its key. Copy the key back, or re-issue from this set's CA: {CertificateAdvice.Reissue(_set)}.");
                    return;
                }
                try
                {
                    var key = PkiCrypto.ReadPrivateKey(keyPath);
                    if (certificate != null && !PkiCrypto.KeyMatches(key, certificate.GetPublicKey()))
                        Add(FindingSeverity.Error, ErrorIds.KeyMismatch, keyPath, "PrivateKey",
                            $"{Name(keyPath)} does not belong to {Name(certificatePath)}; etcd fails with 'tls: private key does not match public key'. " + (string.Equals(certificatePath, _set.CaCertificatePath, StringComparison.Ordinal)
                            ? "Put the CA's own key there (a new CA would not be trusted by the running members)."
                            : $"Put the matching key beside it, or re-issue from this set's CA: {CertificateAdvice.Reissue(_set)}."));
                }
                catch (EtcdOpsException ex)
                {
                    Add(FindingSeverity.Error, ErrorIds.KeyUnreadable, keyPath, "PrivateKey", ex.Message);
                }
                var mode = FileModes.Get(keyPath);
                if (mode.HasValue && (mode.Value & Convert.ToInt32("077", 8)) != 0)
                    Add(FindingSeverity.Warning, ErrorIds.KeyFileMode, keyPath, "FileMode",
                        $"{Name(keyPath)} has mode {Convert.ToString(mode.Value & Convert.ToInt32("777", 8), 8)}; a private key should be readable by its owner only. Run: chmod 600 '{keyPath}'.");
            }

            private void Add(FindingSeverity severity, string rule, string path, string? key, string message) =>
                _findings.Add(new EtcdFinding(severity, rule, Name(path), key, message));

            private string Name(string path)
            {
                var full = System.IO.Path.GetFullPath(path);
                var dir = _set.Path.TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
                return full.StartsWith(dir, StringComparison.Ordinal) ? full.Substring(dir.Length) : full;
            }
        }

        internal static bool IssuedBy(X509Certificate certificate, X509Certificate ca)
        {
            if (!certificate.IssuerDN.Equivalent(ca.SubjectDN)) return false;
            try
            {
                certificate.Verify(ca.GetPublicKey());
                return true;
            }
            catch (Exception ex) when (ex is Org.BouncyCastle.Security.InvalidKeyException || ex is Org.BouncyCastle.Security.Certificates.CertificateException
                || ex is Org.BouncyCastle.Security.SignatureException || ex is InvalidOperationException || ex is ArgumentException)
            {
                return false;
            }
        }

        internal static bool HasIp(X509Certificate certificate, string address)
        {
            if (!IPAddress.TryParse(address, out var wanted)) return false;
            foreach (var name in CertificateInspector.SubjectAlternativeNames(certificate))
                if (name.TagNo == GeneralName.IPAddress &&
                    Org.BouncyCastle.Utilities.Arrays.AreEqual(Org.BouncyCastle.Asn1.Asn1OctetString.GetInstance(name.Name).GetOctets(), wanted.GetAddressBytes()))
                    return true;
            return false;
        }

        private static string SanList(X509Certificate certificate)
        {
            var info = CertificateInspector.Describe(certificate, "", CertificateRole.Other, DateTime.UtcNow);
            return info.SANs.Count == 0 ? "no SANs" : string.Join(", ", info.SANs);
        }
    }
}
