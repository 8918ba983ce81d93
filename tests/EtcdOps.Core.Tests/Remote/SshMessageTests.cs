using System.IO;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    public class SshMessageTests : IClassFixture<SshKeyFixture>
    {
        private readonly SshKeyFixture _keys;

        public SshMessageTests(SshKeyFixture keys) { _keys = keys; }

        [Fact]
        public void KeygenHintNamesACustomKnownHostsFileOnly()
        {
            var standard = new SshOptions();
            Assert.Equal("ssh-keygen -R '10.0.0.1'", SshRemoteHost.KeygenRemoveCommand("10.0.0.1", standard));
            Assert.Equal("ssh-keyscan -p 22 10.0.0.1 >> ~/.ssh/known_hosts", SshRemoteHost.KeyscanAddCommand("10.0.0.1", standard));

            var custom = new SshOptions { KnownHostsPath = Path.Combine(_keys.Directory, "lab_known_hosts"), Port = 2222 };
            Assert.True(custom.CustomKnownHosts);
            Assert.Equal($"ssh-keygen -R '[10.0.0.1]:2222' -f '{custom.KnownHostsPath}'", SshRemoteHost.KeygenRemoveCommand("[10.0.0.1]:2222", custom));
            Assert.Equal($"ssh-keyscan -p 2222 10.0.0.1 >> '{custom.KnownHostsPath}'", SshRemoteHost.KeyscanAddCommand("10.0.0.1", custom));
        }

        [Fact]
        public void AWrongPasswordHintSpeaksOfThePasswordNotOfAuthorizedKeys()
        {
            var options = new SshOptions { User = "opspw", AgentSocketPath = null, Password = SshKeyFixture.Secure("secret-pw") };
            using var login = SshLogin.Create(options, "etcd-1");
            var hint = login.RefusalHint();
            Assert.Contains("password of -SshCredential was refused for 'opspw'", hint);
            Assert.DoesNotContain("authorized_keys", hint);
            Assert.DoesNotContain("secret-pw", hint);
        }

        [Fact]
        public void AKeyRefusalHintSpeaksOfAuthorizedKeys()
        {
            var key = _keys.Make("hint-key", "ed25519", "");
            var options = new SshOptions { User = "ops", KeyPath = key, AgentSocketPath = "/nonexistent/agent.sock" };
            using var login = SshLogin.Create(options, "etcd-1");
            Assert.Equal(new[] { "publickey" }, System.Linq.Enumerable.Select(login.Methods, m => m.Name));
            Assert.Contains("-SshKeyPath", login.RefusalHint());
            Assert.Contains("~ops/.ssh/authorized_keys", login.RefusalHint());
        }

        [Fact]
        public void APerHostKeyErrorNamesTheHost()
        {
            var key = _keys.Make("host-pub", "ed25519", "");
            var ex = Assert.Throws<EtcdOpsException>(() => SshLogin.Create(new SshOptions { KeyPath = key + ".pub" }, "etcd-1 (10.0.0.1)"));
            Assert.Equal("SshKeyIsPublic", ex.ErrorId);
            Assert.StartsWith("etcd-1 (10.0.0.1): ", ex.Message);
        }
    }
}
