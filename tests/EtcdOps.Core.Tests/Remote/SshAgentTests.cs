using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using Renci.SshNet;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>A real ssh-agent (openssh-client) on a private socket, with two keys added by ssh-add.</summary>
    public sealed class SshAgentFixture : IDisposable
    {
        private readonly Process _agent;

        public SshAgentFixture()
        {
            Keys = new SshKeyFixture();
            SocketPath = Path.Combine(Keys.Directory, "agent.sock");
            _agent = Process.Start(new ProcessStartInfo("ssh-agent", $"-D -a \"{SocketPath}\"") { RedirectStandardOutput = true, UseShellExecute = false })!;
            for (var i = 0; i < 100 && !File.Exists(SocketPath); i++) Thread.Sleep(50);
            Ed25519 = Keys.Make("agent-ed25519", "ed25519", "");
            Rsa = Keys.Make("agent-rsa", "rsa", "");
            foreach (var key in new[] { Ed25519, Rsa })
                SshKeyFixture.Run("ssh-add", $"-q \"{key}\"", ("SSH_AUTH_SOCK", SocketPath));
        }

        public SshKeyFixture Keys { get; }
        public string SocketPath { get; }
        public string Ed25519 { get; }
        public string Rsa { get; }

        public void Dispose()
        {
            try { _agent.Kill(); _agent.WaitForExit(5000); } catch (InvalidOperationException) { }
            _agent.Dispose();
            Keys.Dispose();
        }
    }

    public class SshAgentTests : IClassFixture<SshAgentFixture>
    {
        private readonly SshAgentFixture _agent;

        public SshAgentTests(SshAgentFixture agent) { _agent = agent; }

        private static byte[] PublicBlob(string keyPath) => Convert.FromBase64String(File.ReadAllText(keyPath + ".pub").Split(' ')[1]);

        [Fact]
        public void ListsTheKeysSshAddAdded()
        {
            var ids = new SshAgent(_agent.SocketPath).ListIdentities();
            Assert.Equal(new[] { "agent-ed25519", "agent-rsa" }, ids.Select(i => i.Comment).OrderBy(c => c));
            Assert.Contains(ids, i => i.KeyType == "ssh-ed25519" && i.KeyBlob.SequenceEqual(PublicBlob(_agent.Ed25519)));
            Assert.Contains(ids, i => i.KeyType == "ssh-rsa" && i.KeyBlob.SequenceEqual(PublicBlob(_agent.Rsa)));
        }

        [Theory]
        [InlineData("ed25519", "ssh-ed25519")]
        [InlineData("rsa", "rsa-sha2-512")]
        [InlineData("rsa", "rsa-sha2-256")]
        public void SignaturesFromTheAgentVerifyWithTheKeyFile(string type, string algorithm)
        {
            var keyPath = type == "rsa" ? _agent.Rsa : _agent.Ed25519;
            var agent = new SshAgent(_agent.SocketPath);
            var source = new SshAgentKeySource(agent, agent.ListIdentities().Where(i => i.KeyBlob.SequenceEqual(PublicBlob(keyPath))));
            var signer = source.HostKeyAlgorithms.Single(a => a.Name == algorithm);
            var data = Encoding.UTF8.GetBytes("session id and userauth request");
            var signature = signer.Sign(data);

            Assert.Equal(algorithm, SshWire.FirstString(signature));
            using var file = new PrivateKeyFile(keyPath);
            var verifier = file.HostKeyAlgorithms.Single(a => a.Name == algorithm);
            Assert.True(verifier.VerifySignature(data, signature));
            Assert.False(verifier.VerifySignature(Encoding.UTF8.GetBytes("other data"), signature));
        }

        [Fact]
        public void RsaKeysAreOfferedWithSha2Only()
        {
            Assert.Equal(new[] { "rsa-sha2-512", "rsa-sha2-256" }, SshAgentKeySource.Algorithms("ssh-rsa").Select(a => a.Name));
            Assert.Equal(new[] { "ssh-ed25519" }, SshAgentKeySource.Algorithms("ssh-ed25519").Select(a => a.Name));
        }

        [Fact]
        public void LoginWithoutKeyPathOffersTheAgentsKeysThenThePassword()
        {
            var options = new SshOptions { User = "ops", AgentSocketPath = _agent.SocketPath, Password = SshKeyFixture.Secure("pw") };
            using var login = SshLogin.Create(options, "etcd-1");
            Assert.Equal(new[] { "publickey", "password" }, login.Methods.Select(m => m.Name));
            Assert.Equal(2, login.AgentKeyCount);
            Assert.StartsWith("None of the 2 key(s) of ssh-agent", login.RefusalHint());
            Assert.Contains("password of -SshCredential was refused", login.RefusalHint());
        }

        [Fact]
        public void AStaleAgentSocketIsNamedWhenThereIsNoOtherWayIn()
        {
            var options = new SshOptions { AgentSocketPath = Path.Combine(_agent.Keys.Directory, "gone.sock") };
            var ex = Assert.Throws<EtcdOpsException>(() => SshLogin.Create(options, "etcd-1"));
            Assert.Equal("SshNoCredential", ex.ErrorId);
            Assert.Contains("gone.sock", ex.Message);
            Assert.Contains("does not answer", ex.Message);
        }
    }
}
