using System;
using System.IO;
using System.Linq;
using Xunit;
using static EtcdOps.Tests.Pki.PkiTestSupport;

namespace EtcdOps.Tests.Pki
{
    public class CertificateSetLoaderTests
    {
        [Fact]
        public void ImportFindsPeersByTheirKeyFiles()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            File.WriteAllText(dir.Sub("stray.pem"), File.ReadAllText(dir.Sub("ca.pem")));
            var set = CertificateSetLoader.Import(dir.Path, "client", out var warnings);
            Assert.Equal(new[] { "etcd-1", "etcd-2", "etcd-3" }, set.PeerNames);
            Assert.Contains(warnings, w => w.Contains("stray.pem"));
            Assert.Equal(new[] { "CA", "Server", "Peer", "Peer", "Peer", "Client" },
                set.Certificates.Select(c => c.Role).ToArray());
            Assert.Equal(new[] { "10.231.0.12", "127.0.0.1" }, set.GetCertificate(CertificateRole.Peer, "etcd-2")!.IPAddresses);
        }

        [Fact]
        public void ImportNamesWhatIsMissing()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path, request: new CertificateSetRequest { ClientName = "admin" });
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetLoader.Import(dir.Path, "client", out _));
            Assert.Equal("IncompleteCertificateSet", ex.ErrorId);
            Assert.Contains("client.pem", ex.Message);
            Assert.Contains("-ClientName", ex.Message);
            Assert.Equal("admin", CertificateSetLoader.Import(dir.Path, "admin", out _).ClientName);
            Assert.Equal("CertificateDirectoryNotFound", Assert.Throws<EtcdOpsException>(() => CertificateSetLoader.Import(dir.Sub("nope"), "client", out _)).ErrorId);
        }

        [Fact]
        public void ReadsADirectoryWithoutOpeningKeys()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            var infos = CertificateSetLoader.ReadCertificates(dir.Path);
            Assert.Equal(new[] { "ca", "server", "etcd-1", "etcd-2", "etcd-3", "client" }, infos.Select(i => i.Name).ToArray());
            Assert.DoesNotContain(infos, i => i.Path.EndsWith("-key.pem", StringComparison.Ordinal));
        }

        [Fact]
        public void DescribesACertificateTheWayOpensslDoes()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            var info = CertificateSetLoader.ReadCertificates(set.ServerCertificatePath).Single();
            using var dotnet = Load(set.ServerCertificatePath);
            Assert.Equal("Server", info.Role);
            Assert.Equal(dotnet.Thumbprint, info.Thumbprint);
            Assert.Equal(dotnet.SerialNumber.TrimStart('0'), info.SerialNumber);
            Assert.Equal(new[] { "ServerAuth", "ClientAuth" }, info.EKUs);
            Assert.Contains("IP:10.231.0.11", info.SANs);
            Assert.Contains("DNS:localhost", info.SANs);
            Assert.Contains("IP:::1", info.SANs);
            Assert.Equal("EcdsaP256", info.KeyAlgorithm);
            Assert.InRange(info.DaysLeft, 363, 365);
            Assert.Equal(dotnet.NotAfter, info.NotAfter);
            Assert.Contains("CN=etcd-server", info.Subject);
            Assert.Contains("CN=etcd-ca", info.Issuer);
        }

        [Fact]
        public void ABundleGivesOneObjectPerCertificate()
        {
            using var dir = new TempDirectory();
            var set = NewSet(dir.Path);
            var bundle = dir.Sub("chain.crt");
            File.WriteAllText(bundle, File.ReadAllText(set.PeerCertificatePath("etcd-1")) + File.ReadAllText(set.CaCertificatePath));
            var infos = CertificateSetLoader.ReadCertificates(bundle);
            Assert.Equal(new[] { "Peer", "CA" }, infos.Select(i => i.Role).ToArray());
        }

        [Fact]
        public void ANonCertificateFileIsRefusedWithTheFix()
        {
            using var dir = new TempDirectory();
            File.WriteAllText(dir.Sub("x.pem"), "hello");
            var ex = Assert.Throws<EtcdOpsException>(() => CertificateSetLoader.ReadCertificates(dir.Sub("x.pem")));
            Assert.Equal("InvalidCertificateFile", ex.ErrorId);
            Assert.Equal("CertificateNotFound", Assert.Throws<EtcdOpsException>(() => CertificateSetLoader.ReadCertificates(dir.Sub("none.pem"))).ErrorId);
        }
    }
}
