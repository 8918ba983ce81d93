using System.IO;
using System.Linq;
using EtcdOps.Tests.Pki;
using Xunit;

namespace EtcdOps.Tests.Config
{
    /// <summary>peer-transport-security.allowed-cn: rendered from the certificate set, checked as etcd reads it (3.5.14+, a list).</summary>
    public class PeerAllowedCnTests
    {
        private static EtcdCluster Cluster(string version)
        {
            var cluster = PkiTestSupport.TestCluster();
            cluster.Version = version;
            return cluster;
        }

        [Theory]
        [InlineData("3.5.14")]
        [InlineData("3.5.16")]
        [InlineData("3.6.0")]
        public void ASetWhosePeersShareACommonNameRendersItAsAllowedCn(string version)
        {
            using var dir = new TempDirectory();
            var set = PkiTestSupport.NewSet(dir.Path);
            var configs = EtcdConfigRenderer.Render(Cluster(version), set, new EtcdConfigOptions(), out var notes);
            Assert.Empty(notes);
            foreach (var c in configs)
            {
                Assert.Equal(new[] { "etcd-peer-lab" }, c.Settings.PeerTransportSecurity.AllowedCn);
                Assert.Null(c.Settings.ClientTransportSecurity.AllowedCn);
                Assert.Contains("peer-transport-security:\n", c.Yaml);
                Assert.Contains("  allowed-cn:\n    - etcd-peer-lab\n", c.Yaml);
            }
            Assert.Empty(EtcdConfigValidator.Validate(configs));
        }

        [Theory]
        [InlineData("3.4.23")]
        [InlineData("3.5.13")]
        public void ReleasesThatCannotReadItFromConfYmlGetANoteInstead(string version)
        {
            using var dir = new TempDirectory();
            var set = PkiTestSupport.NewSet(dir.Path);
            var configs = EtcdConfigRenderer.Render(Cluster(version), set, new EtcdConfigOptions(), out var notes);
            Assert.DoesNotContain("allowed-cn", configs[0].Yaml);
            var note = Assert.Single(notes, n => n.Contains("allowed-cn"));
            Assert.Contains("3.5.14", note);
            Assert.Contains("client.pem included", note);
        }

        [Fact]
        public void ASetWhosePeersDifferRendersNoAllowedCnAndStillWorks()
        {
            using var dir = new TempDirectory();
            var set = PkiTestSupport.NewSet(dir.Sub("a"));
            var other = PkiTestSupport.TestCluster();
            other.Name = "other";
            PkiTestSupport.NewSet(dir.Sub("b"), other, new CertificateSetRequest { CaCertificatePath = set.CaCertificatePath, CaKeyPath = set.CaKeyPath });
            File.Copy(Path.Combine(dir.Sub("b"), "etcd-3.pem"), set.PeerCertificatePath("etcd-3"), true);
            var configs = EtcdConfigRenderer.Render(Cluster("3.5.16"), set, new EtcdConfigOptions(), out var notes);
            Assert.Empty(notes); // the warning is Test-EtcdCertificateSet's (PeerPortOpenToCa)
            Assert.All(configs, c => Assert.Null(c.Settings.PeerTransportSecurity.AllowedCn));
            Assert.All(configs, c => Assert.DoesNotContain("allowed-cn", c.Yaml));
        }

        [Fact]
        public void WithoutACertificateSetNothingIsRendered()
        {
            var configs = EtcdConfigRenderer.Render(Cluster("3.5.16"), null, new EtcdConfigOptions(), out _);
            Assert.DoesNotContain("allowed-cn", configs[0].Yaml);
        }

        private const string Peer = "peer-transport-security:\n  cert-file: /etc/etcd/a.pem\n  key-file: /etc/etcd/a-key.pem\n  client-cert-auth: true\n  trusted-ca-file: /etc/etcd/ca.pem\n";

        private static string Doc(string peerExtra, string topExtra = "") =>
            "name: a\ndata-dir: /var/lib/etcd\nlisten-peer-urls: https://10.0.0.1:2380\nlisten-client-urls: https://10.0.0.1:2379\n" +
            "initial-advertise-peer-urls: https://10.0.0.1:2380\nadvertise-client-urls: https://10.0.0.1:2379\n" +
            "initial-cluster: a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,c=https://10.0.0.3:2380\ninitial-cluster-token: tok\n" + topExtra +
            "client-transport-security:\n  cert-file: /etc/etcd/server.pem\n  key-file: /etc/etcd/server-key.pem\n  client-cert-auth: true\n  trusted-ca-file: /etc/etcd/ca.pem\n" +
            Peer + peerExtra;

        [Fact]
        public void AListIsAcceptedFrom3514()
        {
            Assert.Empty(EtcdConfigValidator.Validate(Doc("  allowed-cn:\n    - etcd-peer-lab\n"), "f", "3.5.16"));
            Assert.Empty(EtcdConfigValidator.Validate(Doc("  allowed-cn: [etcd-peer-lab]\n"), "f", "3.6.0"));
        }

        [Fact]
        public void APlainStringIsWhatEtcdRefuses()
        {
            var finding = Assert.Single(EtcdConfigValidator.Validate(Doc("  allowed-cn: etcd-peer-lab\n"), "f", "3.5.16"));
            Assert.Equal("TypeMismatch", finding.Rule);
            // etcd 3.5.16's own words for this file.
            Assert.Contains("json: cannot unmarshal string into Go struct field securityConfig.configJSON.peer-transport-security.allowed-cn of type []string", finding.Message);
            Assert.Contains("allowed-cn: [etcd-peer-lab]", finding.Message);
        }

        [Theory]
        [InlineData("3.4.23")]
        [InlineData("3.5.13")]
        public void OlderReleasesIgnoreItAndAreToldSo(string version)
        {
            var finding = Assert.Single(EtcdConfigValidator.Validate(Doc("  allowed-cn:\n    - etcd-peer-lab\n"), "f", version));
            Assert.Equal(nameof(FindingSeverity.Warning), finding.Severity);
            Assert.Equal("peer-transport-security.allowed-cn", finding.Key);
            Assert.Contains("3.5.14", finding.Message);
            Assert.Contains("the peer port still admits every certificate", finding.Message);
        }

        [Fact]
        public void AllowedCnWithAllowedHostnameIsRefusedAsEtcdDoes()
        {
            var finding = Assert.Single(EtcdConfigValidator.Validate(Doc("  allowed-cn: [etcd-peer-lab]\n  allowed-hostname: [a]\n"), "f", "3.5.16"));
            Assert.Equal("AllowedCnWithHostname", finding.Rule);
            Assert.Contains("AllowedCNs and AllowedHostnames are mutually exclusive (cns=[\"etcd-peer-lab\"], hostnames=[\"a\"])", finding.Message);
        }

        [Fact]
        public void TheFlagNameAsATopLevelKeyIsIgnoredByEtcdAndNamedAsSuch()
        {
            var finding = Assert.Single(EtcdConfigValidator.Validate(Doc("", "peer-cert-allowed-cn: etcd-peer-lab\n"), "f", "3.5.16"));
            Assert.Equal("UnknownKey", finding.Rule);
            Assert.Contains("peer-transport-security.allowed-cn: [...]", finding.Message);
        }
    }
}
