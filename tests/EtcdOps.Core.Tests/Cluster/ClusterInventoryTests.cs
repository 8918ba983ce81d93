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
        public void MissingTokenIsRefused()
        {
            var ex = Assert.Throws<EtcdOpsException>(() =>
                ClusterInventory.FromYaml("name: x\nmembers:\n  - name: a\n    address: 10.0.0.1\n", "f.yml", out _));
            Assert.Equal("MissingClusterToken", ex.ErrorId);
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
