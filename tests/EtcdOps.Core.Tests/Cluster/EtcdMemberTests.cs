using Xunit;

namespace EtcdOps.Tests.Cluster
{
    public class EtcdMemberTests
    {
        [Theory]
        [InlineData("[fd00::11]", "fd00::11")]
        [InlineData("fd00:0:0::11", "fd00::11")]
        [InlineData(" 10.0.0.1 ", "10.0.0.1")]
        [InlineData("etcd-1.example", "etcd-1.example")]
        [InlineData("[[fd00::11]]", "[[fd00::11]]")]
        public void AddressesAreNormalised(string given, string kept) => Assert.Equal(kept, new EtcdMember("a", given).Address);

        [Fact]
        public void BracketedIpv6GivesOneBracketPairInUrls()
        {
            var cluster = new EtcdCluster { Members = { new EtcdMember("a", "[fd00::11]") } };
            Assert.Equal("https://[fd00::11]:2380", cluster.PeerUrl(cluster.Members[0]));
            Assert.Equal("fd00::11", cluster.Members[0].SshTarget);
        }
    }
}
