using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace EtcdOps.Pki
{
    /// <summary>
    /// Issues a whole certificate set in memory: CA (or a reused one), server, one peer per member, client.
    /// Nothing touches the disk here, so a failure leaves nothing behind; <see cref="PendingCertificateSet.WriteTo"/> stores it.
    /// </summary>
    internal static class CertificateSetFactory
    {
        /// <summary>Backdating notBefore absorbs clock skew between the workstation and the hosts.</summary>
        public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromMinutes(5);

        private static readonly Regex FileBaseName = new Regex("^[A-Za-z0-9][A-Za-z0-9._-]*$", RegexOptions.CultureInvariant);
        private static readonly Regex DnsNamePattern = new Regex(@"^(\*\.)?([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$", RegexOptions.CultureInvariant);

        /// <summary>
        /// A folder that holds a CA keeps it: without -CaCertificatePath and -NewAuthority the set is issued from ca.pem and
        /// ca-key.pem found in <paramref name="directory"/>, because a new CA rolled onto a running cluster takes it down.
        /// Returns true when that CA is reused; throws when ca.pem is there without its key.
        /// </summary>
        public static bool UseAuthorityInPlace(CertificateSetRequest request, string directory)
        {
            if (request.NewAuthority || !string.IsNullOrEmpty(request.CaCertificatePath) || !string.IsNullOrEmpty(request.CaKeyPath)) return false;
            var ca = System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), EtcdCertificateSet.CaFile);
            var key = System.IO.Path.Combine(System.IO.Path.GetFullPath(directory), EtcdCertificateSet.CaKeyFile);
            if (!System.IO.File.Exists(ca)) return false;
            if (!System.IO.File.Exists(key))
                throw new EtcdOpsException(ErrorIds.CaKeyNotInPlace, FailureKind.InvalidArgument,
                    $"'{directory}' holds ca.pem but not ca-key.pem, so no certificate can be issued from that CA here. Give its key: -CaCertificatePath '{ca}' -CaKeyPath <ca-key.pem>. " +
                    "(-NewAuthority would make a new CA instead; installed on a running cluster that uses this ca.pem, a new CA takes the cluster down.)", directory);
            request.CaCertificatePath = ca;
            request.CaKeyPath = key;
            return true;
        }

        /// <summary>The files a set would write into <paramref name="directory"/>; checks the request without generating a key.</summary>
        public static IReadOnlyList<string> PlanFiles(EtcdCluster cluster, CertificateSetRequest request, string directory)
        {
            Validate(cluster, request);
            var names = new List<string>();
            if (string.IsNullOrEmpty(request.CaCertificatePath)) names.AddRange(new[] { EtcdCertificateSet.CaFile, EtcdCertificateSet.CaKeyFile });
            else if (!PendingCertificateSet.IsInPlace(request.CaCertificatePath!, directory, EtcdCertificateSet.CaFile)) names.Add(EtcdCertificateSet.CaFile);
            foreach (var baseName in new[] { "server" }.Concat(cluster.Members.Select(m => m.Name)).Concat(new[] { request.ClientName }))
                names.AddRange(new[] { baseName + ".pem", baseName + "-key.pem" });
            return names;
        }

        public static PendingCertificateSet Create(EtcdCluster cluster, CertificateSetRequest request, CancellationToken cancellation = default)
        {
            Validate(cluster, request);
            var issuedAt = request.IssuedAtUtc ?? DateTime.UtcNow;
            var notBefore = issuedAt - ClockSkewAllowance;
            var warnings = new List<string>();
            var files = new List<PendingFile>();

            // Leaf keys first, in parallel: key generation (RSA above all) is nearly all of the cost.
            var leafCount = cluster.Members.Count + 2;
            var reuseCa = !string.IsNullOrEmpty(request.CaCertificatePath);
            var keys = GenerateKeys(request.KeyAlgorithm, leafCount + (reuseCa ? 0 : 1), cancellation);
            var random = new SecureRandom();

            X509Certificate caCertificate;
            AsymmetricKeyParameter caKey;
            if (reuseCa)
            {
                (caCertificate, caKey) = LoadCa(request.CaCertificatePath!, request.CaKeyPath!);
                files.Add(new PendingFile(EtcdCertificateSet.CaFile, PkiCrypto.ToPem(caCertificate), isPrivate: false, sourcePath: request.CaCertificatePath));
            }
            else
            {
                var caPair = keys[leafCount];
                caKey = caPair.Private;
                var caName = Name(cluster.Name, "etcd-ca");
                var generator = NewGenerator(caName, caName, caPair.Public, notBefore, issuedAt.AddDays(request.CaValidityDays), random);
                generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(true));
                generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(KeyUsage.KeyCertSign | KeyUsage.CrlSign));
                generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, KeyIdentifier(caPair.Public));
                caCertificate = generator.Generate(new Asn1SignatureFactory(PkiCrypto.SignatureAlgorithm(caKey), caKey, random));
                files.Add(new PendingFile(EtcdCertificateSet.CaFile, PkiCrypto.ToPem(caCertificate), false));
                files.Add(new PendingFile(EtcdCertificateSet.CaKeyFile, PkiCrypto.ToPkcs8Pem(caKey), true));
            }

            var leafNotAfter = issuedAt.AddDays(request.ValidityDays);
            var caNotAfter = caCertificate.NotAfter.ToUniversalTime();
            if (leafNotAfter > caNotAfter)
            {
                warnings.Add($"The CA expires on {caNotAfter:yyyy-MM-dd}, before the {request.ValidityDays} days asked for; the certificates end with it. Renew the CA in time.");
                leafNotAfter = caNotAfter;
            }
            var issuer = new Issuer(caCertificate, caKey, random, notBefore, leafNotAfter);

            var serverSans = new List<GeneralName>();
            foreach (var member in cluster.Members) AddSan(serverSans, IpName(member.Address));
            foreach (var member in cluster.Members) AddSan(serverSans, new GeneralName(GeneralName.DnsName, member.Name));
            foreach (var name in request.DnsNames) AddSan(serverSans, new GeneralName(GeneralName.DnsName, name));
            foreach (var ip in request.IPAddresses) AddSan(serverSans, IpName(ip));
            AddSan(serverSans, new GeneralName(GeneralName.DnsName, "localhost"));
            AddSan(serverSans, IpName("127.0.0.1"));
            AddSan(serverSans, IpName("::1"));
            files.AddRange(issuer.Issue("server", Name(cluster.Name, "etcd-server"), keys[0], Both, serverSans));

            for (var i = 0; i < cluster.Members.Count; i++)
            {
                cancellation.ThrowIfCancellationRequested();
                var member = cluster.Members[i];
                var sans = new List<GeneralName>();
                AddSan(sans, IpName(member.Address));
                AddSan(sans, new GeneralName(GeneralName.DnsName, member.Name));
                AddSan(sans, new GeneralName(GeneralName.DnsName, "localhost"));
                AddSan(sans, IpName("127.0.0.1"));
                // One common name for all peers of the cluster, so etcd's allowed-cn admits exactly them on the peer port;
                // the member stays named in OU and the SANs.
                files.AddRange(issuer.Issue(member.Name, Name(cluster.Name, PeerIdentity.CommonNameFor(cluster.Name), member.Name), keys[i + 1], Both, sans));
            }

            files.AddRange(issuer.Issue(request.ClientName, Name(cluster.Name, request.ClientName), keys[leafCount - 1],
                new[] { KeyPurposeID.id_kp_clientAuth }, new List<GeneralName>()));

            return new PendingCertificateSet(files, cluster.Members.Select(m => m.Name).ToList(), request.ClientName, warnings);
        }

        private static readonly KeyPurposeID[] Both = { KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth };

        /// <summary>Signs leaves with one CA; one instance per set.</summary>
        private sealed class Issuer
        {
            private readonly X509Certificate _ca;
            private readonly AsymmetricKeyParameter _caKey;
            private readonly SecureRandom _random;
            private readonly DateTime _notBefore;
            private readonly DateTime _notAfter;
            private readonly AuthorityKeyIdentifier _authorityKeyId;
            private readonly string _signatureAlgorithm;

            public Issuer(X509Certificate ca, AsymmetricKeyParameter caKey, SecureRandom random, DateTime notBefore, DateTime notAfter)
            {
                _ca = ca;
                _caKey = caKey;
                _random = random;
                _notBefore = notBefore;
                _notAfter = notAfter;
                _signatureAlgorithm = PkiCrypto.SignatureAlgorithm(caKey);
                // Prefer the CA's own SKI so the chain links the way the CA announces itself.
                var skiValue = ca.GetExtensionValue(X509Extensions.SubjectKeyIdentifier);
                var ski = skiValue != null
                    ? SubjectKeyIdentifier.GetInstance(Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.FromExtensionValue(skiValue)).GetKeyIdentifier()
                    : KeyIdentifier(ca.GetPublicKey()).GetKeyIdentifier();
                _authorityKeyId = new AuthorityKeyIdentifier(ski);
            }

            public IEnumerable<PendingFile> Issue(string fileBase, X509Name subject, AsymmetricCipherKeyPair key, KeyPurposeID[] purposes, List<GeneralName> sans)
            {
                var generator = NewGenerator(_ca.SubjectDN, subject, key.Public, _notBefore, _notAfter, _random);
                generator.AddExtension(X509Extensions.BasicConstraints, true, new BasicConstraints(false));
                // keyEncipherment only means something for RSA key exchange; Go sets it for RSA keys alone.
                var usage = KeyUsage.DigitalSignature | (key.Public is Org.BouncyCastle.Crypto.Parameters.RsaKeyParameters ? KeyUsage.KeyEncipherment : 0);
                generator.AddExtension(X509Extensions.KeyUsage, true, new KeyUsage(usage));
                generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, new ExtendedKeyUsage(purposes));
                generator.AddExtension(X509Extensions.SubjectKeyIdentifier, false, KeyIdentifier(key.Public));
                generator.AddExtension(X509Extensions.AuthorityKeyIdentifier, false, _authorityKeyId);
                if (sans.Count > 0)
                    generator.AddExtension(X509Extensions.SubjectAlternativeName, false, new GeneralNames(sans.ToArray()));
                var certificate = generator.Generate(new Asn1SignatureFactory(_signatureAlgorithm, _caKey, _random));
                yield return new PendingFile(fileBase + ".pem", PkiCrypto.ToPem(certificate), false);
                yield return new PendingFile(fileBase + "-key.pem", PkiCrypto.ToPkcs8Pem(key.Private), true);
            }
        }

        private static X509V3CertificateGenerator NewGenerator(X509Name issuer, X509Name subject, AsymmetricKeyParameter publicKey,
            DateTime notBefore, DateTime notAfter, SecureRandom random)
        {
            var generator = new X509V3CertificateGenerator();
            generator.SetSerialNumber(NewSerial(random));
            generator.SetIssuerDN(issuer);
            generator.SetSubjectDN(subject);
            generator.SetNotBefore(notBefore);
            generator.SetNotAfter(notAfter);
            generator.SetPublicKey(publicKey);
            return generator;
        }

        /// <summary>A random positive 128-bit serial, as Go's crypto/x509 examples and cfssl make them.</summary>
        internal static BigInteger NewSerial(SecureRandom random)
        {
            BigInteger serial;
            do serial = new BigInteger(128, random);
            while (serial.SignValue == 0);
            return serial;
        }

        private static SubjectKeyIdentifier KeyIdentifier(AsymmetricKeyParameter publicKey) =>
            Org.BouncyCastle.X509.Extension.X509ExtensionUtilities.CreateSubjectKeyIdentifier(publicKey);

        private static X509Name Name(string clusterName, string commonName, string? unit = null)
        {
            var oids = new List<DerObjectIdentifier>();
            var values = new List<string>();
            if (!string.IsNullOrWhiteSpace(clusterName))
            {
                oids.Add(X509Name.O);
                values.Add(clusterName);
            }
            if (unit != null)
            {
                oids.Add(X509Name.OU);
                values.Add(unit);
            }
            oids.Add(X509Name.CN);
            values.Add(commonName);
            return new X509Name(oids, values);
        }

        private static GeneralName IpName(string address) =>
            new GeneralName(GeneralName.IPAddress, new DerOctetString(IPAddress.Parse(address).GetAddressBytes()));

        private static void AddSan(List<GeneralName> names, GeneralName name)
        {
            if (!names.Any(n => n.Equals(name))) names.Add(name);
        }

        private static AsymmetricCipherKeyPair[] GenerateKeys(CertificateKeyAlgorithm algorithm, int count, CancellationToken cancellation)
        {
            var keys = new AsymmetricCipherKeyPair[count];
            var options = new ParallelOptions { CancellationToken = cancellation, MaxDegreeOfParallelism = Environment.ProcessorCount };
            try
            {
                Parallel.For(0, count, options, () => new SecureRandom(), (i, _, random) =>
                {
                    keys[i] = PkiCrypto.GenerateKeyPair(algorithm, random);
                    return random;
                }, _ => { });
            }
            catch (AggregateException ex) when (ex.InnerException != null)
            {
                throw ex.InnerException;
            }
            return keys;
        }

        private static (X509Certificate, AsymmetricKeyParameter) LoadCa(string certificatePath, string keyPath)
        {
            var certificate = PkiCrypto.ReadCertificates(certificatePath)[0];
            if (!CertificateInspector.IsCa(certificate))
                throw new EtcdOpsException(ErrorIds.NotACaCertificate, FailureKind.InvalidArgument,
                    $"'{certificatePath}' is not a CA certificate (no basicConstraints CA:true). Give the CA's ca.pem, not a server or client certificate.", certificatePath);
            var key = PkiCrypto.ReadPrivateKey(keyPath);
            if (!PkiCrypto.KeyMatches(key, certificate.GetPublicKey()))
                throw new EtcdOpsException(ErrorIds.CaKeyMismatch, FailureKind.InvalidArgument,
                    $"The key '{keyPath}' does not belong to the CA certificate '{certificatePath}'. Give the CA key that was made with that ca.pem.", keyPath);
            if (certificate.NotAfter.ToUniversalTime() <= DateTime.UtcNow)
                throw new EtcdOpsException(ErrorIds.CaExpired, FailureKind.InvalidArgument,
                    $"The CA '{certificatePath}' expired on {certificate.NotAfter.ToUniversalTime():yyyy-MM-dd}, and with it every certificate it signed. " +
                    $"Make a new CA into another folder: $cluster | New-EtcdCertificateSet -Path <new folder> -NewAuthority; {CertificateAdvice.CaChange}", certificatePath);
            return (certificate, key);
        }

        private static void Validate(EtcdCluster cluster, CertificateSetRequest request)
        {
            if (cluster.Members.Count == 0)
                throw new EtcdOpsException(ErrorIds.NoMembers, FailureKind.InvalidArgument,
                    "The cluster has no members, so there is nothing to issue peer certificates for. Add members with New-EtcdCluster -Member.", cluster);
            if (request.ValidityDays < 1 || request.CaValidityDays < 1)
                throw new EtcdOpsException(ErrorIds.InvalidValidity, FailureKind.InvalidArgument,
                    $"Validity must be at least one day (got ValidityDays {request.ValidityDays}, CaValidityDays {request.CaValidityDays}).", request);
            if (string.IsNullOrEmpty(request.CaCertificatePath) != string.IsNullOrEmpty(request.CaKeyPath))
                throw new EtcdOpsException(ErrorIds.IncompleteCa, FailureKind.InvalidArgument,
                    "Give both -CaCertificatePath and -CaKeyPath to reuse a CA, or neither to make a new one.", request);

            var reserved = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["ca"] = "ca.pem", ["server"] = "server.pem" };
            if (!FileBaseName.IsMatch(request.ClientName ?? "") || request.ClientName!.EndsWith("-key", StringComparison.OrdinalIgnoreCase))
                throw new EtcdOpsException(ErrorIds.InvalidClientName, FailureKind.InvalidArgument,
                    $"Client name '{request.ClientName}' cannot name a file; use letters, digits, '.', '_' or '-' (default 'client').", request.ClientName);
            if (reserved.ContainsKey(request.ClientName))
                throw new EtcdOpsException(ErrorIds.InvalidClientName, FailureKind.InvalidArgument,
                    $"Client name '{request.ClientName}' would overwrite {reserved[request.ClientName]}; pick another name.", request.ClientName);
            if (string.Equals(request.ClientName, PeerIdentity.CommonNameFor(cluster.Name), StringComparison.Ordinal))
                throw new EtcdOpsException(ErrorIds.InvalidClientName, FailureKind.InvalidArgument,
                    $"Client name '{request.ClientName}' is the common name of this cluster's peer certificates, so etcd would admit the client certificate on the peer port. Pick another name.", request.ClientName);
            if (request.NewAuthority && !string.IsNullOrEmpty(request.CaCertificatePath))
                throw new EtcdOpsException(ErrorIds.ConflictingCaRequest, FailureKind.InvalidArgument,
                    "-NewAuthority makes a new CA, -CaCertificatePath and -CaKeyPath reuse one: give one or the other.", request);
            reserved[request.ClientName] = request.ClientName + ".pem (the client certificate)";
            foreach (var member in cluster.Members)
            {
                if (reserved.TryGetValue(member.Name, out var clash))
                    throw new EtcdOpsException(ErrorIds.MemberNameClash, FailureKind.InvalidArgument,
                        $"Member '{member.Name}' would get {member.Name}.pem, which is {clash}. Rename the member or use -ClientName.", member);
                if (!IPAddress.TryParse(member.Address, out _))
                    throw new EtcdOpsException(ErrorIds.InvalidMemberAddress, FailureKind.InvalidArgument,
                        $"Member '{member.Name}' has address '{member.Address}', which is not an IP address; etcd binds only to IPs.", member);
            }
            foreach (var ip in request.IPAddresses)
                if (!IPAddress.TryParse(ip, out var parsed) || !(parsed.AddressFamily == AddressFamily.InterNetwork || parsed.AddressFamily == AddressFamily.InterNetworkV6))
                    throw new EtcdOpsException(ErrorIds.InvalidIPAddress, FailureKind.InvalidArgument,
                        $"'{ip}' is not an IP address. Give DNS names with -DnsName.", ip);
            foreach (var name in request.DnsNames)
            {
                if (IPAddress.TryParse(name, out _))
                    throw new EtcdOpsException(ErrorIds.InvalidDnsName, FailureKind.InvalidArgument,
                        $"'{name}' is an IP address; Go matches IPs only against IP SANs. Give it with -IPAddress.", name);
                if (!DnsNamePattern.IsMatch(name ?? "") || name!.Length > 253)
                    throw new EtcdOpsException(ErrorIds.InvalidDnsName, FailureKind.InvalidArgument,
                        $"'{name}' is not a valid DNS name (letters, digits and '-' per label, labels joined by '.', an optional leading '*.').", name);
            }
        }

    }
}
