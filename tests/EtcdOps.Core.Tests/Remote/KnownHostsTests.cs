using System;
using System.Security.Cryptography;
using System.Text;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    public class KnownHostsTests
    {
        private static readonly byte[] KeyA = Blob("ssh-ed25519", 1);
        private static readonly byte[] KeyB = Blob("ssh-ed25519", 2);

        private static byte[] Blob(string type, byte fill)
        {
            var name = Encoding.ASCII.GetBytes(type);
            var blob = new byte[4 + name.Length + 4 + 32];
            blob[3] = (byte)name.Length;
            Buffer.BlockCopy(name, 0, blob, 4, name.Length);
            blob[4 + name.Length + 3] = 32;
            for (var i = blob.Length - 32; i < blob.Length; i++) blob[i] = fill;
            return blob;
        }

        private static string Line(string hosts, byte[] key) => $"{hosts} ssh-ed25519 {Convert.ToBase64String(key)}";

        [Fact]
        public void PlainEntryIsTrustedAndOtherKeyIsChanged()
        {
            var k = KnownHosts.FromText(Line("10.0.0.1,etcd-1", KeyA));
            Assert.Equal(HostKeyVerdict.Trusted, k.Check("10.0.0.1", 22, "ssh-ed25519", KeyA));
            Assert.Equal(HostKeyVerdict.Trusted, k.Check("etcd-1", 22, "ssh-ed25519", KeyA));
            Assert.Equal(HostKeyVerdict.Changed, k.Check("10.0.0.1", 22, "ssh-ed25519", KeyB));
            Assert.Equal(HostKeyVerdict.Unknown, k.Check("10.0.0.2", 22, "ssh-ed25519", KeyA));
        }

        [Fact]
        public void NonDefaultPortUsesBracketForm()
        {
            var k = KnownHosts.FromText(Line("[10.0.0.1]:2222", KeyA));
            Assert.Equal(HostKeyVerdict.Trusted, k.Check("10.0.0.1", 2222, "ssh-ed25519", KeyA));
            Assert.Equal(HostKeyVerdict.Unknown, k.Check("10.0.0.1", 22, "ssh-ed25519", KeyA));
        }

        [Fact]
        public void HashedEntriesMatchLikeOpenSsh()
        {
            var salt = new byte[20];
            for (var i = 0; i < salt.Length; i++) salt[i] = (byte)(i * 7);
            using var hmac = new HMACSHA1(salt);
            var hash = Convert.ToBase64String(hmac.ComputeHash(Encoding.ASCII.GetBytes("10.0.0.9")));
            var k = KnownHosts.FromText("# comment\n" + Line($"|1|{Convert.ToBase64String(salt)}|{hash}", KeyA));
            Assert.Equal(HostKeyVerdict.Trusted, k.Check("10.0.0.9", 22, "ssh-ed25519", KeyA));
            Assert.Equal(HostKeyVerdict.Changed, k.Check("10.0.0.9", 22, "ssh-ed25519", KeyB));
            Assert.Equal(HostKeyVerdict.Unknown, k.Check("10.0.0.8", 22, "ssh-ed25519", KeyA));
        }

        [Fact]
        public void WildcardsNegationAndRevoked()
        {
            var k = KnownHosts.FromText(Line("10.0.0.*,!10.0.0.5", KeyA) + "\n@revoked " + Line("*", KeyB));
            Assert.Equal(HostKeyVerdict.Trusted, k.Check("10.0.0.4", 22, "ssh-ed25519", KeyA));
            Assert.Equal(HostKeyVerdict.Unknown, k.Check("10.0.0.5", 22, "ssh-ed25519", KeyA));
            Assert.Equal(HostKeyVerdict.Revoked, k.Check("10.0.0.4", 22, "ssh-ed25519", KeyB));
        }

        [Fact]
        public void AddRecordsEntryInFile()
        {
            var path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "kh-" + Guid.NewGuid().ToString("N"));
            try
            {
                System.IO.File.WriteAllText(path, Line("other", KeyB));  // no trailing newline
                var k = new KnownHosts(path);
                k.Add("10.0.0.1", 2222, "ssh-ed25519", KeyA);
                var again = new KnownHosts(path);
                Assert.Equal(HostKeyVerdict.Trusted, again.Check("10.0.0.1", 2222, "ssh-ed25519", KeyA));
                Assert.Equal(HostKeyVerdict.Trusted, again.Check("other", 22, "ssh-ed25519", KeyB));
            }
            finally { System.IO.File.Delete(path); }
        }

        [Fact]
        public void FingerprintHasOpenSshForm() =>
            Assert.Matches("^SHA256:[A-Za-z0-9+/]{43}$", KnownHosts.Fingerprint(KeyA));
    }
}
