using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Cluster
{
    public class ClusterValidatorTests
    {
        private static EtcdCluster Three() => new EtcdCluster
        {
            Name = "staging",
            Token = "t-1",
            Members =
            {
                new EtcdMember("m1", "10.0.0.1"),
                new EtcdMember("m2", "10.0.0.2"),
                new EtcdMember("m3", "10.0.0.3"),
            },
        };

        [Fact]
        public void ValidClusterHasNoWarnings() => Assert.Empty(ClusterValidator.Validate(Three()));

        [Theory]
        [InlineData("10.0.0.1", true)]
        [InlineData("fd00::1", true)]
        [InlineData("10.1", false)]
        [InlineData("10", false)]
        [InlineData("etcd.example.com", false)]
        [InlineData("fe80::1%eth0", false)]
        public void IsIpAddressIsStrict(string text, bool expected) => Assert.Equal(expected, ClusterValidator.IsIpAddress(text));

        [Theory]
        [InlineData("etcd-1", true)]
        [InlineData("a", true)]
        [InlineData("-a", false)]
        [InlineData("a-", false)]
        [InlineData("a_b", false)]
        [InlineData("a.b", false)]
        public void MemberNamesAreHostLabels(string name, bool valid)
        {
            var c = Three();
            c.Members[0].Name = name;
            if (valid) ClusterValidator.Validate(c);
            else Assert.Equal("InvalidMemberName", Assert.Throws<EtcdOpsException>(() => ClusterValidator.Validate(c)).ErrorId);
        }

        [Fact]
        public void DuplicateAddressesCompareCanonicalForm()
        {
            var c = Three();
            c.Members[0].Address = "fd00::1";
            c.Members[1].Address = "fd00:0::1";
            var ex = Assert.Throws<EtcdOpsException>(() => ClusterValidator.Validate(c));
            Assert.Equal("DuplicateMemberAddress", ex.ErrorId);
        }

        [Fact]
        public void EvenCountWarns()
        {
            var c = Three();
            c.Members.Add(new EtcdMember("m4", "10.0.0.4"));
            var warning = Assert.Single(ClusterValidator.Validate(c));
            Assert.Contains("tolerate 1 failed member(s)", warning);
        }

        [Fact]
        public void SamePortsAreRefused()
        {
            var c = Three();
            c.PeerPort = c.ClientPort;
            Assert.Equal("PortConflict", Assert.Throws<EtcdOpsException>(() => ClusterValidator.Validate(c)).ErrorId);
        }

        [Fact]
        public void SourceIsNamedInMessages()
        {
            var c = Three();
            c.Members[2].Address = "host";
            var ex = Assert.Throws<EtcdOpsException>(() => ClusterValidator.Validate(c, "x.yml"));
            Assert.StartsWith("x.yml: Member[2].Address:", ex.Message);
        }

        [Fact]
        public void TokensAreUnique() =>
            Assert.Equal(100, Enumerable.Range(0, 100).Select(_ => EtcdCluster.NewToken("c")).Distinct().Count());
    }
}
