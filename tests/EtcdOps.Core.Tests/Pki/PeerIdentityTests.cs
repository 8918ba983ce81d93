using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Xunit;
using static EtcdOps.Tests.Pki.PkiTestSupport;

namespace EtcdOps.Tests.Pki
{
    /// <summary>Peer certificates share one CN so etcd's allowed-cn admits only them; a CA in the folder is never replaced unasked.</summary>
    public class PeerIdentityTests
    {
        private static string Cn(X509Certificate2 c) => c.GetNameInfo(X509NameType.SimpleName, false);

        [Fact]
        public void EveryPeerOfAClusterHasOneCommonNameAndKeepsItsMemberInOuAndSans()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            foreach (var member in new[] { "etcd-1", "etcd-2", "etcd-3" })
            {
                var peer = Load(set.PeerCertificatePath(member));
                Assert.Equal("etcd-peer-lab", Cn(peer));
                Assert.Contains("OU=" + member, peer.Subject);
                Assert.Contains(member, peer.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single().EnumerateDnsNames());
            }
            Assert.Equal("client", Cn(Load(set.ClientCertificatePath)));
            Assert.Equal("etcd-server", Cn(Load(set.ServerCertificatePath)));
            var policy = PeerIdentity.Inspect(set);
            Assert.Equal("etcd-peer-lab", policy.AllowedCommonName);
            Assert.Null(policy.Reason);
            Assert.DoesNotContain(CertificateSetValidator.Test(set, TestCluster()), f => f.Rule == "PeerPortOpenToCa");
        }

        [Fact]
        public void LongClusterNamesGiveDistinctCommonNamesWithinX509sLimit()
        {
            var a = PeerIdentity.CommonNameFor(new string('a', 60) + "-one");
            var b = PeerIdentity.CommonNameFor(new string('a', 60) + "-two");
            Assert.True(a.Length <= 64 && b.Length <= 64);
            Assert.NotEqual(a, b);
            Assert.StartsWith("etcd-peer-aaaa", a);
            Assert.Equal("etcd-peer-staging", PeerIdentity.CommonNameFor("staging"));
        }

        [Fact]
        public void PeersWithDifferentCommonNamesGetAWarningThatSaysHowToFixIt()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Sub("a"));
            // A peer certificate from the same CA but with another CN, as cfssl sets have (CN = member name).
            var other = TestCluster();
            other.Name = "other";
            NewSet(dir.Sub("b"), other, new CertificateSetRequest { CaCertificatePath = set.CaCertificatePath, CaKeyPath = set.CaKeyPath });
            File.Copy(Path.Combine(dir.Sub("b"), "etcd-2.pem"), set.PeerCertificatePath("etcd-2"), true);
            File.Copy(Path.Combine(dir.Sub("b"), "etcd-2-key.pem"), set.PeerKeyPath("etcd-2"), true);

            var policy = PeerIdentity.Inspect(set);
            Assert.Null(policy.AllowedCommonName);
            Assert.Contains("etcd-2: CN=etcd-peer-other", policy.Reason);
            var finding = Assert.Single(CertificateSetValidator.Test(set, TestCluster()), f => f.Rule == "PeerPortOpenToCa");
            Assert.Equal(nameof(FindingSeverity.Warning), finding.Severity);
            Assert.Contains("accept any certificate signed by ca.pem, client.pem included", finding.Message);
            Assert.Contains($"New-EtcdCertificateSet -Path '{set.Path}' -Force", finding.Message);
        }

        [Fact]
        public void AClientCertificateWithThePeersCommonNameLeavesThePeerPortOpen()
        {
            var cluster = TestCluster();
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(cluster, new CertificateSetRequest { ClientName = "etcd-peer-lab" }));
            Assert.Equal("InvalidClientName", ex.ErrorId);
        }

        [Fact]
        public void AFolderThatHoldsACaKeepsItAndSignsTheNewCertificates()
        {
            using var dir = new TempDirectory();
            var first = NewSet(dir.Path);
            var ca = File.ReadAllText(first.CaCertificatePath);
            var caKey = File.ReadAllText(first.CaKeyPath!);
            var oldPeer = File.ReadAllText(first.PeerCertificatePath("etcd-1"));

            var request = new CertificateSetRequest();
            Assert.True(CertificateSetFactory.UseAuthorityInPlace(request, dir.Path));
            Assert.DoesNotContain(EtcdCertificateSet.CaFile, CertificateSetFactory.PlanFiles(TestCluster(), request, dir.Path));
            var second = CertificateSetFactory.Create(TestCluster(), request).WriteTo(dir.Path, force: true);

            Assert.Equal(ca, File.ReadAllText(second.CaCertificatePath));
            Assert.Equal(caKey, File.ReadAllText(second.CaKeyPath!));
            Assert.NotEqual(oldPeer, File.ReadAllText(second.PeerCertificatePath("etcd-1")));
            // The new leaves chain to the CA the running members already trust.
            Assert.DoesNotContain(CertificateSetValidator.Test(second, TestCluster()), f => f.Rule == "NotIssuedByCa");
        }

        [Fact]
        public void ACaWithoutItsKeyIsNeverReplacedSilently()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            File.Delete(set.CaKeyPath!);
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.UseAuthorityInPlace(new CertificateSetRequest(), dir.Path));
            Assert.Equal("CaKeyNotInPlace", ex.ErrorId);
            Assert.Contains("-CaKeyPath", ex.Message);
        }

        [Fact]
        public void NewAuthorityIsTheOnlyWayToANewCaInAFolderThatHasOne()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            Assert.False(CertificateSetFactory.UseAuthorityInPlace(new CertificateSetRequest { NewAuthority = true }, dir.Path));
            Assert.Contains(EtcdCertificateSet.CaFile, CertificateSetFactory.PlanFiles(TestCluster(), new CertificateSetRequest { NewAuthority = true }, dir.Path));
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(TestCluster(),
                new CertificateSetRequest { NewAuthority = true, CaCertificatePath = "/x/ca.pem", CaKeyPath = "/x/ca-key.pem" }));
            Assert.Equal("ConflictingCaRequest", ex.ErrorId);
        }

        /// <summary>
        /// Every finding that names a New-EtcdCertificateSet command advises one that keeps the CA of a running cluster:
        /// a -Force on this folder (which holds ca-key.pem, so the CA is reused) or -NewAuthority into a new folder only.
        /// </summary>
        [Fact]
        public void NoFindingAdvisesACommandThatReplacesTheCa()
        {
            using var dir = new TempDirectory();
            var cluster = TestCluster("10.231.0.11", "10.231.0.12", "10.231.0.13", "10.231.0.14");
            var set = NewSet(dir.Path, TestCluster(), new CertificateSetRequest { IssuedAtUtc = DateTime.UtcNow.AddDays(-364.5), ValidityDays = 365 });
            cluster.Members[0].Address = "10.231.0.99";                                     // PeerSanMissing, ServerSanMissing
            File.Delete(set.ClientKeyPath);                                                // KeyMissing
            var findings = CertificateSetValidator.Test(set, cluster);                     // + Expiring, PeerCertificateMissing
            foreach (var rule in new[] { "PeerSanMissing", "ServerSanMissing", "KeyMissing", "Expiring", "PeerCertificateMissing" })
                Assert.Contains(findings, f => f.Rule == rule);

            var commands = findings.SelectMany(f => Regex.Matches(f.Message, @"New-EtcdCertificateSet[^;.]*").Select(m => m.Value)).ToList();
            Assert.NotEmpty(commands);
            foreach (var command in commands)
            {
                if (command.Contains("-NewAuthority")) { Assert.Contains("<new folder>", command); continue; }
                Assert.Contains($"-Path '{set.Path}'", command);
                // What -Force does on that folder: reuse its CA.
                Assert.True(CertificateSetFactory.UseAuthorityInPlace(new CertificateSetRequest(), set.Path), command);
            }
        }
    }
}
