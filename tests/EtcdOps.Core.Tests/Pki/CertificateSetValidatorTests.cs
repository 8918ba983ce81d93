using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Crypto.Operators;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Xunit;
using static EtcdOps.Tests.Pki.PkiTestSupport;

namespace EtcdOps.Tests.Pki
{
    public class CertificateSetValidatorTests
    {
        [Fact]
        public void AFreshSetHasNoFindings()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            Assert.Empty(CertificateSetValidator.Test(set, TestCluster()));
        }

        [Fact]
        public void AWrongMemberAddressIsMissingFromPeerAndServerSans()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            var moved = TestCluster("10.231.0.11", "10.231.0.99", "10.231.0.13");
            var findings = CertificateSetValidator.Test(set, moved);
            Assert.Equal(2, findings.Count);
            var peer = findings.Single(f => f.Rule == "PeerSanMissing");
            Assert.Equal("Error", peer.Severity);
            Assert.Equal("etcd-2.pem", peer.Target);
            Assert.Equal("SubjectAlternativeName", peer.Key);
            Assert.Contains("10.231.0.99", peer.Message);
            var server = findings.Single(f => f.Rule == "ServerSanMissing");
            Assert.Equal("server.pem", server.Target);
            Assert.Contains("New-EtcdCertificateSet", server.Message);
        }

        [Fact]
        public void AClientCertificateUsedAsServerCertificateIsFound()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            File.Copy(set.ClientCertificatePath, set.ServerCertificatePath, true);
            File.Copy(set.ClientKeyPath, set.ServerKeyPath, true);
            var findings = CertificateSetValidator.Test(set, TestCluster());
            var eku = findings.Single(f => f.Rule == "ExtendedKeyUsage");
            Assert.Equal("server.pem", eku.Target);
            Assert.Contains("lacks ServerAuth", eku.Message);
            Assert.Contains("incompatible key usage", eku.Message);
            Assert.Equal(3, findings.Count(f => f.Rule == "ServerSanMissing"));
            Assert.All(findings, f => Assert.Equal("Error", f.Severity));
        }

        [Fact]
        public void ExpiredCertificatesAreErrorsAndExpiringOnesWarnings()
        {
            using var dir = new TempDirectory();
            var expired = NewSet(dir.Sub("old"), request: new CertificateSetRequest { IssuedAtUtc = DateTime.UtcNow.AddDays(-400), ValidityDays = 365 });
            var findings = CertificateSetValidator.Test(expired, TestCluster());
            Assert.Equal(new[] { "client.pem", "etcd-1.pem", "etcd-2.pem", "etcd-3.pem", "server.pem" },
                findings.Where(f => f.Rule == "Expired").Select(f => f.Target).OrderBy(t => t, StringComparer.Ordinal).ToArray());
            Assert.All(findings.Where(f => f.Rule == "Expired"), f => Assert.Contains("certificate has expired", f.Message));
            Assert.Equal(5, findings.Count);

            var soon = NewSet(dir.Sub("soon"), request: new CertificateSetRequest { ValidityDays = 10 });
            var warnings = CertificateSetValidator.Test(soon, TestCluster(), warningDays: 30);
            Assert.Equal(5, warnings.Count(f => f.Rule == "Expiring" && f.Is(FindingSeverity.Warning)));
            Assert.Empty(CertificateSetValidator.Test(soon, TestCluster(), warningDays: 5));
        }

        [Fact]
        public void AKeyThatIsNotTheCertificatesIsFound()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            File.Copy(set.PeerKeyPath("etcd-2"), set.PeerKeyPath("etcd-1"), true);
            var finding = Assert.Single(CertificateSetValidator.Test(set, TestCluster()));
            Assert.Equal("KeyMismatch", finding.Rule);
            Assert.Equal("etcd-1-key.pem", finding.Target);
            Assert.Contains("private key does not match public key", finding.Message);
        }

        [Fact]
        public void ACertificateFromAnotherCaIsFound()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Sub("a"));
            var foreign = NewSet(dir.Sub("b"));
            File.Copy(foreign.PeerCertificatePath("etcd-3"), set.PeerCertificatePath("etcd-3"), true);
            File.Copy(foreign.PeerKeyPath("etcd-3"), set.PeerKeyPath("etcd-3"), true);
            var finding = Assert.Single(CertificateSetValidator.Test(set, TestCluster()));
            Assert.Equal("NotIssuedByCa", finding.Rule);
            Assert.Contains("signed by unknown authority", finding.Message);
        }

        [Fact]
        public void MissingFilesAndMembersAreFound()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            File.Delete(set.ClientKeyPath);
            var bigger = TestCluster("10.231.0.11", "10.231.0.12", "10.231.0.13", "10.231.0.14");
            var findings = CertificateSetValidator.Test(set, bigger);
            Assert.Equal(new[] { "KeyMissing", "PeerCertificateMissing" }, findings.Select(f => f.Rule).OrderBy(r => r, StringComparer.Ordinal).ToArray());
            Assert.Equal("etcd-4.pem", findings.Single(f => f.Rule == "PeerCertificateMissing").Target);
        }

        [Fact]
        public void AnEncryptedKeyIsFound()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            File.WriteAllText(set.ServerKeyPath, "-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n-----END ENCRYPTED PRIVATE KEY-----\n");
            var finding = Assert.Single(CertificateSetValidator.Test(set, null));
            Assert.Equal("KeyUnreadable", finding.Rule);
            Assert.Contains("encrypted", finding.Message);
        }

        [Fact]
        public void AKeyReadableByOthersIsAWarning()
        {
            if (OperatingSystem.IsWindows()) return;
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            File.SetUnixFileMode(set.PeerKeyPath("etcd-1"), System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.GroupRead | System.IO.UnixFileMode.OtherRead);
            var finding = Assert.Single(CertificateSetValidator.Test(set, TestCluster()));
            Assert.Equal(("KeyFileMode", "Warning"), (finding.Rule, finding.Severity));
            Assert.Contains("chmod 600", finding.Message);
        }

        [Theory]
        [InlineData(false, "Error")]
        [InlineData(true, "Warning")]
        public void ACaWithExtendedKeyUsagesIsFound(bool coversEtcd, string expected)
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            // Re-sign the same CA key into a CA certificate that carries EKUs, as some hand-made CAs do.
            var caKey = PkiCrypto.ReadPrivateKey(set.CaKeyPath!);
            var ca = PkiCrypto.ReadCertificates(set.CaCertificatePath)[0];
            var generator = new X509V3CertificateGenerator(ca);
            generator.SetSerialNumber(Org.BouncyCastle.Math.BigInteger.ValueOf(7));
            generator.AddExtension(X509Extensions.ExtendedKeyUsage, false, coversEtcd
                ? new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth, KeyPurposeID.id_kp_clientAuth)
                : new ExtendedKeyUsage(KeyPurposeID.id_kp_serverAuth));
            var withEku = generator.Generate(new Asn1SignatureFactory("SHA256WITHECDSA", caKey, new SecureRandom()));
            File.WriteAllText(set.CaCertificatePath, PkiCrypto.ToPem(withEku));

            var finding = Assert.Single(CertificateSetValidator.Test(set, TestCluster()));
            Assert.Equal("CaExtendedKeyUsage", finding.Rule);
            Assert.Equal(expected.ToString(), finding.Severity);
        }

        [Fact]
        public void FindingsPrintAsOneLine()
        {
            var finding = new EtcdFinding(FindingSeverity.Error, "ServerSanMissing", "server.pem", "SubjectAlternativeName", "fix it");
            Assert.Equal("Error ServerSanMissing server.pem [SubjectAlternativeName]: fix it", finding.ToString());
        }
    }
}
