using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Config
{
    public class EtcdConfigRendererTests
    {
        private static EtcdCluster Cluster(string version) => new EtcdCluster
        {
            Name = "staging", Token = "12345", Version = version,
            Members = { new EtcdMember("a", "10.0.0.1"), new EtcdMember("b", "fd00::2"), new EtcdMember("c", "10.0.0.3") },
        };

        [Fact]
        public void NumericLookingStringsAreQuoted()
        {
            var yaml = EtcdConfigRenderer.Render(Cluster("3.5.16"), null, new EtcdConfigOptions { AutoCompactionRetention = "1" }, out _)[0].Yaml;
            Assert.Contains("initial-cluster-token: \"12345\"", yaml);
            Assert.Contains("auto-compaction-retention: \"1\"", yaml);
            Assert.DoesNotContain(EtcdConfigValidator.Validate(yaml, "a", "3.5.16"), f => f.Is(FindingSeverity.Error));
        }

        [Fact]
        public void Ipv6AddressesAreBracketed()
        {
            var s = EtcdConfigRenderer.Render(Cluster("3.5.16"), null, new EtcdConfigOptions(), out _)[1].Settings;
            Assert.Equal("https://[fd00::2]:2380", s.ListenPeerUrls.Single());
        }

        [Fact]
        public void Version34GetsZapAndV2OffButNoTlsMinVersion()
        {
            var c = EtcdConfigRenderer.Render(Cluster("3.4.23"), null, new EtcdConfigOptions { TlsMinVersion = "TLS1.3" }, out var notes)[0];
            Assert.Contains("logger: zap", c.Yaml);
            Assert.Contains("enable-v2: false", c.Yaml);
            Assert.DoesNotContain("tls-min-version", c.Yaml);
            Assert.Null(c.Settings.TlsMinVersion);
            Assert.Single(notes);
        }

        [Fact]
        public void Version36HasNoV2Keys()
        {
            var c = EtcdConfigRenderer.Render(Cluster("3.6.1"), null, new EtcdConfigOptions(), out _)[0];
            Assert.DoesNotContain("enable-v2", c.Yaml);
            Assert.Null(c.Settings.EnableV2);
        }

        [Fact]
        public void WithInitialClusterStateChangesOnlyTheStateLineWithoutTouchingTheOriginal()
        {
            var c = EtcdConfigRenderer.Render(Cluster("3.5.16"), null, new EtcdConfigOptions(), out _)[0];
            var e = c.WithInitialClusterState("existing");
            Assert.Contains("initial-cluster-state: existing", e.Yaml);
            Assert.Contains("initial-cluster-state: new", c.Yaml);
            Assert.Equal("existing", e.Settings.InitialClusterState);
            Assert.Equal("new", c.Settings.InitialClusterState);
            Assert.Throws<EtcdOpsException>(() => c.WithInitialClusterState("old"));
        }

        [Fact]
        public void StateLineReplacementKeepsHandEditsAndAppendsWhenMissing()
        {
            const string yaml = "name: a\ninitial-cluster-state: new\ninitial-cluster-token: t\n";
            Assert.Equal("name: a\ninitial-cluster-state: existing\ninitial-cluster-token: t\n", EtcdNodeConfig.ReplaceStateLine(yaml, "existing"));
            Assert.Equal("name: a\ninitial-cluster-state: existing\n", EtcdNodeConfig.ReplaceStateLine("name: a", "existing"));
        }

        [Fact]
        public void PlacementsNeverIncludeTheCaKey()
        {
            var dir = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "etcdops-x-" + System.Guid.NewGuid().ToString("N"));
            System.IO.Directory.CreateDirectory(dir);
            try
            {
                System.IO.File.WriteAllText(System.IO.Path.Combine(dir, "ca-key.pem"), "x");
                var set = new EtcdCertificateSet(dir, new[] { "a", "b", "c" });
                var files = EtcdConfigRenderer.Render(Cluster("3.5.16"), set, new EtcdConfigOptions(), out _)[0].Files;
                Assert.Equal(7, files.Count);
                Assert.DoesNotContain(files, f => f.LocalPath.EndsWith("ca-key.pem"));
                Assert.All(files.Where(f => f.IsPrivateKey), f => Assert.Equal("0600", f.Mode));
                Assert.Equal(new[] { "/etc/etcd/server-key.pem", "/etc/etcd/a-key.pem", "/etc/etcd/client-key.pem" }, files.Where(f => f.IsPrivateKey).Select(f => f.RemotePath));
            }
            finally { System.IO.Directory.Delete(dir, true); }
        }

        [Fact]
        public void MissingPeerCertificateIsRefused()
        {
            var set = new EtcdCertificateSet("/nonexistent", new[] { "a", "b" });
            var ex = Assert.Throws<EtcdOpsException>(() => EtcdConfigRenderer.Render(Cluster("3.5.16"), set, new EtcdConfigOptions(), out _));
            Assert.Equal("MissingPeerCertificate", ex.ErrorId);
        }
    }
}
