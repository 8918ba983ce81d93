using Xunit;

namespace EtcdOps.Tests.Release
{
    public class Sha256SumsTests
    {
        private static readonly string HashA = new string('a', 64);
        private static readonly string HashB = new string('b', 64);

        [Theory]
        [InlineData("{0}  etcd-v3.5.16-linux-amd64.tar.gz")]
        [InlineData("{0} *etcd-v3.5.16-linux-amd64.tar.gz")]
        [InlineData("{0}  ./etcd-v3.5.16-linux-amd64.tar.gz\r")]
        public void FindsTheLineOfTheFileInSha256sumFormats(string format)
        {
            var content = $"{HashB}  etcd-v3.5.16-linux-arm64.tar.gz\n" + string.Format(format, HashA) + "\n";
            Assert.Equal(HashA, Sha256Sums.Find(content, "etcd-v3.5.16-linux-amd64.tar.gz"));
        }

        [Fact]
        public void ReturnsNullWhenTheFileIsNotListedOrTheHashIsMalformed()
        {
            Assert.Null(Sha256Sums.Find($"{HashB}  etcd-v3.5.16-linux-arm64.tar.gz\n", "etcd-v3.5.16-linux-amd64.tar.gz"));
            Assert.Null(Sha256Sums.Find("xyz  etcd-v3.5.16-linux-amd64.tar.gz\n", "etcd-v3.5.16-linux-amd64.tar.gz"));
            // A longer name that merely starts with the wanted one is another file.
            Assert.Null(Sha256Sums.Find($"{HashA}  etcd-v3.5.16-linux-amd64.tar.gz.asc\n", "etcd-v3.5.16-linux-amd64.tar.gz"));
        }

        [Fact]
        public void NormalizeLowercasesAndRefusesWhatIsNotAHash()
        {
            Assert.Equal(HashA, Sha256Sums.Normalize(" " + HashA.ToUpperInvariant() + " "));
            Assert.Equal("InvalidSha256", Assert.Throws<EtcdOpsException>(() => Sha256Sums.Normalize("abc")).ErrorId);
            Assert.Equal("InvalidSha256", Assert.Throws<EtcdOpsException>(() => Sha256Sums.Normalize(new string('g', 64))).ErrorId);
        }
    }
}
