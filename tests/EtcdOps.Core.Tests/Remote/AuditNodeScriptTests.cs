using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Pki;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>audit-node.sh run by /bin/sh against a temp root whose paths hold spaces: the facts Test-EtcdNode judges.</summary>
    public class AuditNodeScriptTests : System.IDisposable
    {
        private readonly ScriptSandbox _box = new ScriptSandbox();

        public void Dispose() => _box.Dispose();

        [UnixFact]
        public async Task TheScriptReportsTheFilesOfAConfWithSpacesInItsPaths()
        {
            var etc = _box.Path("etc/my etcd");
            var set = PkiTestSupport.NewSet(etc);
            var data = _box.Path("var/lib/etcd data");
            Directory.CreateDirectory(data);
            ScriptSandbox.Run("chmod", "700", data);
            var conf = _box.Write("etc/my etcd/conf.yml",
                $"name: etcd-1\ndata-dir: '{data}'\n" +
                $"client-transport-security:\n  cert-file: \"{set.ServerCertificatePath}\"\n  key-file: \"{set.ServerKeyPath}\"\n  client-cert-auth: true\n  trusted-ca-file: \"{set.CaCertificatePath}\"\n" +
                $"peer-transport-security:\n  cert-file: {etc}/etcd-1.pem  \n  key-file: {etc}/etcd-1-key.pem\n  client-cert-auth: true\n  trusted-ca-file: \"{set.CaCertificatePath}\"\n", "600");
            var units = _box.Path("etc/systemd/system");
            _box.Write("etc/systemd/system/etcd.service", $"[Service]\nExecStart=/usr/local/bin/etcd \"--config-file={conf}\"\n");
            _box.Fake("systemctl", "case \"$*\" in *is-active*) echo active ;; *ExecMainStartTimestamp*) echo 'Thu 2026-12-03 06:00:00.000000 UTC' ;; *MainPID*) echo 0 ;; esac");

            var facts = await NodeAuditFacts.ReadAsync(_box.Shell, CancellationToken.None, units);

            Assert.True(facts.Deployed);
            Assert.Equal(conf, facts.ConfigPath);
            Assert.Equal("active", facts.Active);
            Assert.NotNull(facts.StartedMicros);
            Assert.True(facts.ConfigModifiedMicros > facts.StartedMicros);
            Assert.Equal("600", facts.Path(conf)!.Mode);
            Assert.Equal("700", facts.Path(data)!.Mode);
            Assert.Equal(ScriptSandbox.ModeAndOwner(set.ServerKeyPath), $"{facts.Path(set.ServerKeyPath)!.Mode} {facts.Path(set.ServerKeyPath)!.User} {facts.Path(set.ServerKeyPath)!.Group}");
            Assert.True(facts.Path($"{etc}/etcd-1-key.pem")!.Exists); // an unquoted value with trailing blanks
            Assert.True(facts.Path(set.CaCertificatePath)!.Exists);
            Assert.Contains(set.CaKeyPath!, facts.PrivateKeyFiles);
            Assert.Contains(set.ClientKeyPath, facts.PrivateKeyFiles);
            Assert.DoesNotContain(set.CaCertificatePath, facts.PrivateKeyFiles);
            Assert.True(facts.Path(set.CaKeyPath!)!.Exists);
            // openssl on this machine: the CA key's public half is the CA certificate's, no other key's is.
            Assert.True(facts.OpensslAvailable);
            Assert.Single(facts.CaPublicKeys);
            Assert.Contains(facts.PrivateKeyPublic[set.CaKeyPath!], facts.CaPublicKeys);
            Assert.DoesNotContain(facts.PrivateKeyPublic[set.ServerKeyPath], facts.CaPublicKeys);
            Assert.Contains("client-cert-auth: true", facts.ConfigText);

            var findings = NodeAudit.Judge("etcd-1", facts);
            Assert.Equal("Error", findings.Single(f => f.Rule == "HostCaKey").Severity);
            Assert.Equal(set.CaKeyPath, findings.Single(f => f.Rule == "HostCaKey").Key);
            Assert.Equal("Pass", findings.Single(f => f.Rule == "CisClientCertAuth").Severity);
            Assert.Equal("Pass", findings.Single(f => f.Rule == "CisTrustedCa").Severity);
        }

        [UnixFact]
        public async Task AHostWithoutAnEtcdUnitHasNoFacts()
        {
            _box.Write("etc/systemd/system/other.service", "[Service]\nExecStart=/usr/bin/true\n");
            var facts = await NodeAuditFacts.ReadAsync(_box.Shell, CancellationToken.None, _box.Path("etc/systemd/system"));
            Assert.False(facts.Deployed);
        }
    }
}
