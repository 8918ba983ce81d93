using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace EtcdOps.Tests.Pki
{
    public class CertificateRenewalTests
    {
        [Fact]
        public void OnlyTheChosenLeavesAreReissuedFromTheSameCaWithTheSameNames()
        {
            using var dir = new TempDirectory();
            var cluster = PkiTestSupport.TestCluster();
            var set = PkiTestSupport.NewSet(dir.Path, cluster, new CertificateSetRequest { DnsNames = { "etcd.example" } });
            var ca = File.ReadAllText(set.CaCertificatePath);
            var client = File.ReadAllText(set.ClientCertificatePath);
            var before = CertificateSetLoader.ReadCertificates(set.ServerCertificatePath).Single();

            var files = CertificateRenewal.FilesFor(set, cluster, new[] { CertificateRole.Server });
            Assert.Equal(new[] { "server.pem", "server-key.pem" }, files);
            var backup = CertificateRenewal.Backup(set, files, new DateTime(2026, 12, 2, 10, 0, 0, DateTimeKind.Utc));
            var renewed = CertificateRenewal.Issue(cluster, set, files, 30, CancellationToken.None);

            var after = CertificateSetLoader.ReadCertificates(renewed.ServerCertificatePath).Single();
            Assert.NotEqual(before.SerialNumber, after.SerialNumber);
            Assert.Equal(before.SANs.OrderBy(s => s), after.SANs.OrderBy(s => s));
            Assert.Equal(before.KeyAlgorithm, after.KeyAlgorithm);
            Assert.InRange(after.DaysLeft, 29, 30);
            Assert.Equal(ca, File.ReadAllText(renewed.CaCertificatePath));
            Assert.Equal(client, File.ReadAllText(renewed.ClientCertificatePath));
            Assert.EndsWith(".backup-20261202T100000Z", backup);
            Assert.Equal(before.SerialNumber, CertificateSetLoader.ReadCertificates(Path.Combine(backup, "server.pem")).Single().SerialNumber);
            Assert.True(CertificateSetValidator.IssuedBy(
                new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(renewed.ServerCertificatePath)),
                new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(renewed.CaCertificatePath))));
        }

        [Fact]
        public void AHostGetsItsRenewedFilesAtThePathsItsConfNames()
        {
            using var dir = new TempDirectory();
            var cluster = PkiTestSupport.TestCluster();
            var set = PkiTestSupport.NewSet(dir.Path, cluster);
            var member = cluster.Members[0];
            var layout = new EtcdHostLayout { ServerCertificateFile = "/etc/ssl/etcd/server.pem", ServerKeyFile = "/etc/ssl/etcd/server-key.pem",
                PeerCertificateFile = "/etc/ssl/etcd/peer.pem", PeerKeyFile = "/etc/ssl/etcd/peer-key.pem" };
            var files = CertificateRenewal.HostFiles(set, layout, member, CertificateRenewal.FilesFor(set, cluster, new[] { CertificateRole.Peer }));
            Assert.Equal(new[] { "/etc/ssl/etcd/peer.pem 0644", "/etc/ssl/etcd/peer-key.pem 0600" }, files.Select(f => f.Path + " " + f.Mode));
            Assert.All(files, f => Assert.Equal("etcd", f.Owner));
        }
    }
}
