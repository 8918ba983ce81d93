using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Remote;
using Xunit;

namespace EtcdOps.Tests.Pki
{
    public class HostCertificateReaderTests
    {
        [Fact]
        public void EachFileOfTheScriptOutputBecomesItsCertificatesAndAnUnreadableOneAProblem()
        {
            using var dir = new TempDirectory();
            var set = PkiTestSupport.NewSet(dir.Path);
            var output = $"--- /etc/etcd/ca.pem\n{File.ReadAllText(set.CaCertificatePath)}\n" +
                         $"--- /etc/etcd/server.pem\n{File.ReadAllText(set.ServerCertificatePath)}\n" +
                         "--- /etc/etcd/etcd-1.pem\n!unreadable\n";
            var (certificates, problems) = HostCertificateReader.Parse(output, "etcd-1", DateTime.UtcNow);
            Assert.Equal(new[] { "CA", "Server" }, certificates.Select(c => c.Role));
            Assert.All(certificates, c => Assert.Equal("etcd-1", c.Member));
            Assert.Equal("/etc/etcd/server.pem", certificates[1].Path);
            var problem = Assert.Single(problems);
            Assert.Equal(ErrorIds.CertificateUnreadable, problem.ErrorId);
            Assert.StartsWith("etcd-1: '/etc/etcd/etcd-1.pem'", problem.Message);
        }

        [Fact]
        public void TheLayoutNamesCertificatesButNeverKeysForReadingBack()
        {
            var output = "unit=/etc/systemd/system/etcd.service\nexec=ExecStart=/usr/local/bin/etcd --config-file=/etc/etcd/conf.yml\n--- conf\n" +
                         "name: a\nclient-transport-security:\n  cert-file: /etc/etcd/server.pem\n  key-file: /etc/etcd/server-key.pem\n  trusted-ca-file: /etc/etcd/ca.pem\n" +
                         "peer-transport-security:\n  cert-file: /etc/etcd/a.pem\n  key-file: /etc/etcd/a-key.pem\n  trusted-ca-file: /etc/etcd/ca.pem\n";
            var layout = EtcdHostLayout.Parse(output, "/var/lib/etcd");
            Assert.Equal(new[] { "/etc/etcd/server.pem", "/etc/etcd/ca.pem", "/etc/etcd/a.pem" }, layout.PublicCertificateFiles);
            Assert.Contains("/etc/etcd/a-key.pem", layout.CertificateFiles);
        }
    
        [UnixFact]
        public async Task TheScriptReadsTheNamedFilesWithARealShellAndSaysWhichAreMissing()
        {
            using var dir = new TempDirectory();
            using var box = new ScriptSandbox();
            var set = PkiTestSupport.NewSet(dir.Path);
            Directory.CreateDirectory(box.Path("etc/etcd"));
            File.Copy(set.ServerCertificatePath, box.Path("etc/etcd/server.pem"));
            var layout = new EtcdHostLayout { PublicCertificateFiles = new[] { box.Path("etc/etcd/server.pem"), box.Path("etc/etcd/it's gone.pem") } };
            var (certificates, problems) = await HostCertificateReader.ReadAsync(box.Shell, layout, "m1", CancellationToken.None);
            Assert.Equal("Server", Assert.Single(certificates).Role);
            Assert.Contains("it's gone.pem", Assert.Single(problems).Message);
        }
    }
}
