using System.Text;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    public class RemoteFileTests
    {
        [Fact]
        public void MatchesComparesContentModeAndOwner()
        {
            var f = new RemoteFile("/etc/etcd/ca.pem", Encoding.ASCII.GetBytes("x"), "0644", "etcd", "etcd");
            Assert.True(f.Matches(new RemoteFileState(f.Path, true, f.Sha256, "644", "etcd", "etcd")));
            Assert.False(f.Matches(new RemoteFileState(f.Path, true, f.Sha256, "600", "etcd", "etcd")));
            Assert.False(f.Matches(new RemoteFileState(f.Path, true, f.Sha256, "644", "root", "etcd")));
            Assert.False(f.Matches(new RemoteFileState(f.Path, true, "00", "644", "etcd", "etcd")));
            Assert.False(f.Matches(new RemoteFileState(f.Path, false)));
        }

        [Fact]
        public void QuoteSurvivesSingleQuotes() =>
            Assert.Equal("'it'\\''s'", RemoteHostExtensions.Quote("it's"));
    }
}
