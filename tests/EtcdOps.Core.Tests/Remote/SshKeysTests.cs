using System;
using System.IO;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    public class SshKeysTests : IClassFixture<SshKeyFixture>
    {
        private const string Passphrase = "correct horse";
        private readonly SshKeyFixture _keys;

        public SshKeysTests(SshKeyFixture keys) { _keys = keys; }

        [Theory]
        [InlineData("ed25519", null)]
        [InlineData("ecdsa", null)]
        [InlineData("rsa", null)]
        [InlineData("rsa", "PEM")]
        [InlineData("rsa", "PKCS8")]
        public void TellsPlainEncryptedAndPublicKeysApart(string type, string? format)
        {
            var plain = _keys.Make($"plain-{type}-{format}", type, "", format);
            var encrypted = _keys.Make($"enc-{type}-{format}", type, Passphrase, format);
            Assert.Equal(SshKeyFileKind.PrivateKey, SshKeys.Inspect(File.ReadAllText(plain)));
            Assert.Equal(SshKeyFileKind.EncryptedPrivateKey, SshKeys.Inspect(File.ReadAllText(encrypted)));
            Assert.Equal(SshKeyFileKind.PublicKey, SshKeys.Inspect(File.ReadAllText(plain + ".pub")));
        }

        [Fact]
        public void RecognisesOtherPublicKeyFormats()
        {
            var key = _keys.Make("pub-formats", "rsa", "");
            var rfc4716 = SshKeyFixture.Run("ssh-keygen", $"-e -m RFC4716 -f \"{key}.pub\"");
            var pkcs8 = SshKeyFixture.Run("ssh-keygen", $"-e -m PKCS8 -f \"{key}.pub\"");
            Assert.Equal(SshKeyFileKind.PublicKey, SshKeys.Inspect(rfc4716));
            Assert.Equal(SshKeyFileKind.PublicKey, SshKeys.Inspect(pkcs8));
            Assert.Equal(SshKeyFileKind.Unknown, SshKeys.Inspect("not a key at all"));
        }

        [Theory]
        [InlineData("ed25519", null)]
        [InlineData("ecdsa", null)]
        [InlineData("rsa", null)]
        [InlineData("rsa", "PEM")]
        public void LoadsAnEncryptedKeyWithItsPassphrase(string type, string? format)
        {
            var path = _keys.Make($"load-{type}-{format}", type, Passphrase, format);
            using var key = SshKeys.Load(path, SshKeyFixture.Secure(Passphrase));
            Assert.NotEmpty(key.HostKeyAlgorithms);
            // The public half SSH.NET derived is the one ssh-keygen wrote.
            var publicBlob = Convert.FromBase64String(File.ReadAllText(path + ".pub").Split(' ')[1]);
            Assert.Contains(key.HostKeyAlgorithms, a => a.Data.AsSpan().SequenceEqual(publicBlob));
        }

        [Fact]
        public void AnEncryptedKeyWithoutPassphraseNamesTheParameter()
        {
            var path = _keys.Make("nopass", "ed25519", Passphrase);
            var ex = Assert.Throws<EtcdOpsException>(() => SshKeys.Load(path, null));
            Assert.Equal("SshKeyPassphraseRequired", ex.ErrorId);
            Assert.Contains("-SshKeyPassphrase", ex.Message);
            Assert.Contains(path, ex.Message);
        }

        [Theory]
        [InlineData("ed25519", null)]
        [InlineData("rsa", "PEM")]
        [InlineData("rsa", "PKCS8")]
        public void AWrongPassphraseNamesTheParameter(string type, string? format)
        {
            var path = _keys.Make($"wrong-{type}-{format}", type, Passphrase, format);
            var ex = Assert.Throws<EtcdOpsException>(() => SshKeys.Load(path, SshKeyFixture.Secure("not the passphrase")));
            Assert.Equal("SshKeyPassphraseWrong", ex.ErrorId);
            Assert.Equal(FailureKind.SecurityError, ex.Kind);
            Assert.Contains("-SshKeyPassphrase", ex.Message);
            Assert.DoesNotContain("not the passphrase", ex.Message);
        }

        [Fact]
        public void APublicKeyFileSaysSoAndPointsToThePrivateOne()
        {
            var path = _keys.Make("given-pub", "ed25519", "");
            var ex = Assert.Throws<EtcdOpsException>(() => SshKeys.Load(path + ".pub", null));
            Assert.Equal("SshKeyIsPublic", ex.ErrorId);
            Assert.Contains("is a public key", ex.Message);
            Assert.Contains($"'{path}'", ex.Message);
        }

        [Fact]
        public void AnUnencryptedKeyIgnoresAPassphraseAndAMissingFileIsNotFound()
        {
            var path = _keys.Make("plain-any", "ed25519", "");
            using (SshKeys.Load(path, SshKeyFixture.Secure("unused"))) { }
            var ex = Assert.Throws<EtcdOpsException>(() => SshKeys.Load(path + ".missing", null));
            Assert.Equal("SshKeyNotFound", ex.ErrorId);
            var junk = Path.Combine(_keys.Directory, "junk");
            File.WriteAllText(junk, "hello");
            Assert.Equal("SshKeyInvalid", Assert.Throws<EtcdOpsException>(() => SshKeys.Load(junk, null)).ErrorId);
        }

        [Fact]
        public void ThePlainTextPassphraseIsZeroedAfterUse()
        {
            string? seen = null;
            var length = SshKeys.WithPlainText(SshKeyFixture.Secure(Passphrase), p => { seen = p; return p.Length; });
            Assert.Equal(Passphrase.Length, length);
            Assert.Equal(new string('\0', Passphrase.Length), seen);
        }
    }
}
