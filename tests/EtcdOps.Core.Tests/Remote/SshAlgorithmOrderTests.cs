using System.Linq;
using Renci.SshNet;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>What EtcdOps asks an SSH server for first, over SSH.NET's own lists.</summary>
    public class SshAlgorithmOrderTests
    {
        private static ConnectionInfo Info() => new ConnectionInfo("host", 22, "root", new PasswordAuthenticationMethod("root", "x"));

        [Fact]
        public void MlKemThenX25519AreAskedFirstAndEveryOtherExchangeStaysOffered()
        {
            var info = Info();
            var before = info.KeyExchangeAlgorithms.Keys.ToList();
            SshRemoteHost.PreferKeyExchanges(info);
            var after = info.KeyExchangeAlgorithms.Keys.ToList();
            Assert.Equal(new[] { "mlkem768x25519-sha256", "curve25519-sha256", "curve25519-sha256@libssh.org" }, after.Take(3));
            Assert.Equal(before.OrderBy(k => k), after.OrderBy(k => k));
            // The rest keep SSH.NET's order: the post-quantum sntrup761 still comes before the classic exchanges.
            var rest = after.Skip(3).ToList();
            Assert.Equal(before.Where(rest.Contains), rest);
            Assert.True(rest.IndexOf("sntrup761x25519-sha512") < rest.IndexOf("ecdh-sha2-nistp256"));
        }

        [Fact]
        public void AesGcmIsAskedFirst()
        {
            var info = Info();
            SshRemoteHost.PreferGcm(info);
            var keys = info.Encryptions.Keys.ToList();
            var gcm = keys.Count(k => k.EndsWith("-gcm@openssh.com"));
            Assert.True(gcm > 0);
            Assert.All(keys.Take(gcm), k => Assert.EndsWith("-gcm@openssh.com", k));
        }
    }
}
