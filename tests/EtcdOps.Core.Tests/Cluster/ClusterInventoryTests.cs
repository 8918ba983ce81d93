using Xunit;

namespace EtcdOps.Tests.Cluster
{
    public class ClusterInventoryTests
    {
        [Fact]
        public void RoundTripsExactly()
        {
            var c = new EtcdCluster { Name = "lab", Token = "123", Version = "3.4.23", DataDir = "/data/etcd" };
            c.Members.Add(new EtcdMember("m1", "10.231.0.11") { SshHost = "h1", SshPort = 22, SshUser = "root" });
            c.Members.Add(new EtcdMember("m2", "10.231.0.12"));
            var yaml = ClusterInventory.ToYaml(c);
            var back = ClusterInventory.FromYaml(yaml, "mem", out _);
            Assert.Equal("123", back.Token);
            Assert.Equal("/data/etcd", back.DataDir);
            Assert.Equal(22, back.Members[0].SshPort);
            Assert.Null(back.Members[1].SshUser);
            Assert.Equal(yaml, ClusterInventory.ToYaml(back));
        }

        [Fact]
        public void AMissingTokenIsGeneratedAndSaid()
        {
            var cluster = ClusterInventory.FromYaml("name: x\nmembers:\n  - name: a\n    address: 10.0.0.1\n", "f.yml", out var warnings);
            Assert.StartsWith("etcd-x-", cluster.Token);
            Assert.Contains(warnings, w => w.Contains("no token; generated"));
        }

        [Fact]
        public void LoadWritesAGeneratedTokenBackAndKeepsComments()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "etcdops-inv-" + System.Guid.NewGuid().ToString("N") + ".yml");
            try
            {
                System.IO.File.WriteAllText(path, "# mine\nname: x\nmembers:\n  - name: a\n    address: 10.0.0.1\n");
                var first = ClusterInventory.Load(path, out var warnings);
                Assert.Contains(warnings, w => w.Contains("written to the file"));
                var text = System.IO.File.ReadAllText(path);
                Assert.StartsWith("# mine\nname: x\ntoken: " + first.Token + "\n", text);
                var second = ClusterInventory.Load(path, out var again);
                Assert.Equal(first.Token, second.Token);
                Assert.DoesNotContain(again, w => w.Contains("no token"));
            }
            finally { System.IO.File.Delete(path); }
        }

        [Theory]
        [InlineData("name: x\ntoken: t\nmembers:\n  - name: a\n    adress: 10.0.0.1\n", "line 5, column 5: 'adress' is not a member key. The keys of a member are name, address, sshHost, sshPort, sshUser.")]
        [InlineData("name: x\ntokn: t\n", "line 2, column 1: 'tokn' is not a top-level key. The keys of the top level are name, version, token, clientPort, peerPort, dataDir, members.")]
        public void UnknownKeysAreNamedWithTheirLineAndTheAllowedKeys(string yaml, string expected)
        {
            var ex = Assert.Throws<EtcdOpsException>(() => ClusterInventory.FromYaml(yaml, "f.yml", out _));
            Assert.Equal("UnknownInventoryKey", ex.ErrorId);
            Assert.Equal("f.yml: " + expected, ex.Message);
            Assert.DoesNotContain("EtcdOps.", ex.Message);
        }

        [Fact]
        public void ATabIsReportedAtItsOwnLine()
        {
            var ex = Assert.Throws<EtcdOpsException>(() => ClusterInventory.FromYaml("name: x\ntoken: t\nmembers:\n  - name: a\n\taddress: 10.0.0.1\n", "f.yml", out _));
            Assert.Contains("line 5, column 1: a tab indents this line", ex.Message);
        }

        [Fact]
        public void SyntaxErrorsCarryLineAndColumn()
        {
            var ex = Assert.Throws<EtcdOpsException>(() => ClusterInventory.FromYaml("name: x\ntoken: t\n  bad: [\n", "f.yml", out _));
            Assert.Equal("InvalidInventoryYaml", ex.ErrorId);
            Assert.Matches(@"f\.yml: line \d+, column \d+", ex.Message);
        }
    }
}
