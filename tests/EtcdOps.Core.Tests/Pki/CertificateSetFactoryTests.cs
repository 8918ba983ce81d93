using System;
using System.IO;
using System.Linq;
using System.Numerics;
using System.Security.Cryptography.X509Certificates;
using Xunit;
using static EtcdOps.Tests.Pki.PkiTestSupport;

namespace EtcdOps.Tests.Pki
{
    public class CertificateSetFactoryTests
    {
        private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
        private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

        [Fact]
        public void CaIsACriticalCaWithCertSignAndNoEku()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            using var ca = Load(set.CaCertificatePath);
            var basic = ca.Extensions.OfType<X509BasicConstraintsExtension>().Single();
            Assert.True(basic.CertificateAuthority);
            Assert.True(basic.Critical);
            Assert.Equal(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, ca.Extensions.OfType<X509KeyUsageExtension>().Single().KeyUsages);
            Assert.Empty(ca.Extensions.OfType<X509EnhancedKeyUsageExtension>());
            Assert.Single(ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
        }

        [Fact]
        public void ServerCertificateNamesEveryMemberAndLoopback()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path, request: new CertificateSetRequest { DnsNames = { "etcd.lab.example" }, IPAddresses = { "10.231.0.100" } });
            using var server = Load(set.ServerCertificatePath);
            var san = server.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Equal(new[] { "10.231.0.11", "10.231.0.12", "10.231.0.13", "10.231.0.100", "127.0.0.1", "::1" },
                san.EnumerateIPAddresses().Select(ip => ip.ToString()).ToArray());
            Assert.Equal(new[] { "etcd-1", "etcd-2", "etcd-3", "etcd.lab.example", "localhost" }, san.EnumerateDnsNames().ToArray());
            Assert.Equal(new[] { ServerAuth, ClientAuth }, Ekus(server));
        }

        [Fact]
        public void PeerCertificatesNameOnlyTheirMember()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            using var peer = Load(set.PeerCertificatePath("etcd-2"));
            var san = peer.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
            Assert.Equal(new[] { "10.231.0.12", "127.0.0.1" }, san.EnumerateIPAddresses().Select(ip => ip.ToString()).ToArray());
            Assert.Equal(new[] { "etcd-2", "localhost" }, san.EnumerateDnsNames().ToArray());
            Assert.Equal(new[] { ServerAuth, ClientAuth }, Ekus(peer));
            // The member is named in OU; the CN is the cluster's peer name, which etcd's allowed-cn requires.
            Assert.Contains("OU=etcd-2", peer.Subject);
            Assert.Contains("CN=etcd-peer-lab", peer.Subject);
        }

        [Fact]
        public void ClientCertificateIsClientAuthOnly()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path, request: new CertificateSetRequest { ClientName = "root" });
            using var client = Load(Path.Combine(dir.Path, "root.pem"));
            Assert.Equal(new[] { ClientAuth }, Ekus(client));
            Assert.Contains("CN=root", client.Subject);
            Assert.Equal("root", set.ClientName);
            Assert.Empty(client.Extensions.OfType<X509SubjectAlternativeNameExtension>());
        }

        [Theory]
        [InlineData(CertificateKeyAlgorithm.EcdsaP256, "ECDSA", false)]
        [InlineData(CertificateKeyAlgorithm.EcdsaP384, "ECDSA", false)]
        [InlineData(CertificateKeyAlgorithm.Rsa2048, "RSA", true)]
        [InlineData(CertificateKeyAlgorithm.Rsa3072, "RSA", true)]
        public void LeavesHaveDigitalSignatureAndKeyEnciphermentOnlyForRsa(CertificateKeyAlgorithm algorithm, string family, bool keyEncipherment)
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path, TestCluster("10.231.0.11"), new CertificateSetRequest { KeyAlgorithm = algorithm });
            using var server = Load(set.ServerCertificatePath);
            var usage = server.Extensions.OfType<X509KeyUsageExtension>().Single();
            Assert.True(usage.Critical);
            var expected = X509KeyUsageFlags.DigitalSignature | (keyEncipherment ? X509KeyUsageFlags.KeyEncipherment : X509KeyUsageFlags.None);
            Assert.Equal(expected, usage.KeyUsages);
            Assert.Equal(family == "RSA" ? "1.2.840.113549.1.1.1" : "1.2.840.10045.2.1", server.PublicKey.Oid.Value);
            Assert.All(set.Certificates, c => Assert.Equal(algorithm.ToString(), c.KeyAlgorithm));
            // The key file is unencrypted PKCS#8 and belongs to the certificate.
            var keyPem = File.ReadAllText(set.ServerKeyPath);
            Assert.StartsWith("-----BEGIN PRIVATE KEY-----", keyPem);
            using var withKey = X509Certificate2.CreateFromPem(File.ReadAllText(set.ServerCertificatePath), keyPem);
            Assert.True(withKey.HasPrivateKey);
        }

        [Fact]
        public void SerialsAreRandomPositive128BitNumbers()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            var serials = set.Certificates.Select(c => BigInteger.Parse("0" + c.SerialNumber, System.Globalization.NumberStyles.HexNumber)).ToList();
            Assert.All(serials, s => Assert.True(s > 0 && s < BigInteger.Pow(2, 128)));
            Assert.Equal(serials.Count, serials.Distinct().Count());
            // Random 128-bit numbers below 2^96 are vanishingly rare; a counter or timestamp would be.
            Assert.All(serials, s => Assert.True(s > BigInteger.Pow(2, 96)));
        }

        [Fact]
        public void LeavesCarryKeyIdentifiersLinkingToTheCa()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            using var ca = Load(set.CaCertificatePath);
            var caSki = ca.Extensions.OfType<X509SubjectKeyIdentifierExtension>().Single().SubjectKeyIdentifier;
            foreach (var path in new[] { set.ServerCertificatePath, set.PeerCertificatePath("etcd-1"), set.ClientCertificatePath })
            {
                using var leaf = Load(path);
                var aki = leaf.Extensions.OfType<X509AuthorityKeyIdentifierExtension>().Single();
                Assert.Equal(caSki, Convert.ToHexString(aki.KeyIdentifier!.Value.Span));
                Assert.Single(leaf.Extensions.OfType<X509SubjectKeyIdentifierExtension>());
                Assert.False(leaf.Extensions.OfType<X509BasicConstraintsExtension>().Single().CertificateAuthority);
            }
        }

        [Fact]
        public void NotBeforeIsBackdatedAndValidityFollowsTheRequest()
        {
            using var dir = new TempDirectory();
            var before = DateTime.UtcNow;
            var set = NewSet(dir.Path, request: new CertificateSetRequest { ValidityDays = 30, CaValidityDays = 100 });
            using var server = Load(set.ServerCertificatePath);
            using var ca = Load(set.CaCertificatePath);
            Assert.InRange(before - server.NotBefore.ToUniversalTime(), TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(6));
            Assert.InRange((server.NotAfter.ToUniversalTime() - before).TotalDays, 29.9, 30.1);
            Assert.InRange((ca.NotAfter.ToUniversalTime() - before).TotalDays, 99.9, 100.1);
        }

        [Fact]
        public void LeafChainsToTheCaInDotNetsOwnVerifier()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            using var ca = Load(set.CaCertificatePath);
            using var peer = Load(set.PeerCertificatePath("etcd-3"));
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            Assert.True(chain.Build(peer), string.Join("; ", chain.ChainStatus.Select(s => s.StatusInformation)));
        }

        [Theory]
        [InlineData("DnsName", "10.0.0.5", "InvalidDnsName")]
        [InlineData("DnsName", "bad name", "InvalidDnsName")]
        [InlineData("IPAddress", "etcd.example", "InvalidIPAddress")]
        [InlineData("ClientName", "server", "InvalidClientName")]
        [InlineData("ClientName", "a/b", "InvalidClientName")]
        [InlineData("ClientName", "etcd-2", "MemberNameClash")]
        public void RefusesBadRequests(string field, string value, string errorId)
        {
            var request = new CertificateSetRequest();
            if (field == "DnsName") request.DnsNames.Add(value);
            if (field == "IPAddress") request.IPAddresses.Add(value);
            if (field == "ClientName") request.ClientName = value;
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(TestCluster(), request));
            Assert.Equal(errorId, ex.ErrorId);
        }

        [Fact]
        public void RefusesAMemberNamedLikeASetFile()
        {
            var cluster = TestCluster();
            cluster.Members[1].Name = "server";
            Assert.Equal("MemberNameClash", Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(cluster, new CertificateSetRequest())).ErrorId);
        }

        [Fact]
        public void RefusesHalfACa()
        {
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest { CaCertificatePath = "/x/ca.pem" }));
            Assert.Equal("IncompleteCa", ex.ErrorId);
        }

        private static string[] Ekus(X509Certificate2 certificate) =>
            certificate.Extensions.OfType<X509EnhancedKeyUsageExtension>().Single().EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>().Select(o => o.Value!).ToArray();
    }
}
