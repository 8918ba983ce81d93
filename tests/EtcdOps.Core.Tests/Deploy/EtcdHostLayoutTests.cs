using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    public class EtcdHostLayoutTests
    {
        private const string Custom =
            "unit=/etc/systemd/system/etcd.service\n" +
            "exec=ExecStart=/opt/etcd/bin/etcd --config-file=/etc/ssl/etcd/conf.yml\n" +
            "--- conf\n" +
            "name: etcd-1\ndata-dir: /srv/etcd\nwal-dir: /srv/etcd-wal\n" +
            "client-transport-security:\n  cert-file: /etc/ssl/etcd/server.pem\n  key-file: /etc/ssl/etcd/server-key.pem\n  trusted-ca-file: /etc/ssl/etcd/ca.pem\n" +
            "peer-transport-security:\n  cert-file: /etc/ssl/etcd/etcd-1.pem\n  key-file: /etc/ssl/etcd/etcd-1-key.pem\n  trusted-ca-file: /etc/ssl/etcd/ca.pem\n";

        [Fact]
        public void ReadsTheLayoutBackFromUnitAndConf()
        {
            var layout = EtcdHostLayout.Parse(Custom, "/var/lib/etcd");
            Assert.Equal("/opt/etcd/bin", layout.BinaryDirectory);
            Assert.Equal("/etc/ssl/etcd/conf.yml", layout.ConfigPath);
            Assert.Equal("/etc/ssl/etcd", layout.CertificateDirectory);
            Assert.Equal("/srv/etcd", layout.DataDir);
            Assert.Equal("/srv/etcd-wal", layout.WalDir);
            Assert.Equal("etcd", layout.UnitName);
            Assert.Equal(new[] { "/etc/ssl/etcd/server.pem", "/etc/ssl/etcd/server-key.pem", "/etc/ssl/etcd/ca.pem", "/etc/ssl/etcd/etcd-1.pem", "/etc/ssl/etcd/etcd-1-key.pem" }, layout.CertificateFiles);
            Assert.Equal(new[] { "/etc/ssl/etcd", "/srv/etcd", "/srv/etcd-wal" }, layout.EtcdDirectories);
        }

        [Fact]
        public void AHostWithoutEtcdGetsTheDefaults()
        {
            var layout = EtcdHostLayout.Parse("", "/data/etcd");
            Assert.Equal(EtcdHostLayout.DefaultBinaryDirectory, layout.BinaryDirectory);
            Assert.Equal(EtcdHostLayout.DefaultConfigPath, layout.ConfigPath);
            Assert.Equal("/data/etcd", layout.DataDir);
        }

        [Fact]
        public void RendererAndReadBackAgree()
        {
            var options = new EtcdConfigOptions { BinaryDirectory = "/opt/etcd/bin", CertificateDirectory = "/etc/ssl/etcd", ConfigPath = "/etc/ssl/etcd/conf.yml" };
            var cluster = new EtcdCluster { Name = "t", Token = "x", Members = { new EtcdMember("etcd-1", "10.0.0.11") } };
            var config = EtcdConfigRenderer.Render(cluster, null, options, out _)[0];
            Assert.Contains("ExecStart=/opt/etcd/bin/etcd --config-file=/etc/ssl/etcd/conf.yml", config.SystemdUnit);
            var read = EtcdHostLayout.Parse("unit=" + config.UnitPath + "\nexec=ExecStart=/opt/etcd/bin/etcd --config-file=/etc/ssl/etcd/conf.yml\n--- conf\n" + config.Yaml, "/var/lib/etcd");
            Assert.Equal(config.Layout.BinaryDirectory, read.BinaryDirectory);
            Assert.Equal(config.Layout.ConfigPath, read.ConfigPath);
            Assert.Equal(config.Layout.DataDir, read.DataDir);
        }

        [Theory]
        [InlineData("/etc/etcd", true)]
        [InlineData("/etc/ssl/etcd", true)]
        [InlineData("/etc/ssl", false)]
        [InlineData("/usr/local/bin", false)]
        [InlineData("/etcd", false)]
        public void OnlyEtcdsOwnDirectoriesGoWhole(string dir, bool whole) => Assert.Equal(whole, EtcdHostLayout.IsEtcdOwnDirectory(dir));

        [Fact]
        public void UninstallRemovesWhatTheLayoutNamesAndNoSharedDirectory()
        {
            var layout = EtcdHostLayout.Parse(Custom.Replace("/etc/ssl/etcd/", "/etc/ssl/"), "/var/lib/etcd");
            var (directories, files) = NodeService.UninstallTargets(layout, removeData: true);
            Assert.Equal(new[] { "/srv/etcd", "/srv/etcd-wal" }, directories);
            Assert.Equal(new[] { "/etc/ssl/conf.yml", "/etc/ssl/server.pem", "/etc/ssl/server-key.pem", "/etc/ssl/ca.pem", "/etc/ssl/etcd-1.pem", "/etc/ssl/etcd-1-key.pem" }, files);
            Assert.Empty(NodeService.UninstallTargets(layout, removeData: false).Directories);
            var call = Assert.Single(EtcdOps.Tests.Remote.RemoteCall.Parse(NodeService.UninstallCommand(layout, removeData: true)));
            Assert.Equal(new[] { "etcd", "/etc/systemd/system/etcd.service", "/opt/etcd/bin", "2" }, call.Arguments.Take(4));
            Assert.DoesNotContain("/usr/local/bin", call.Arguments);
        }
    }
}
