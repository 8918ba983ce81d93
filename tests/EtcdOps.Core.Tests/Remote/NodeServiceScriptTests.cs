using System;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>The service, journal, layout and uninstall scripts, through NodeService and EtcdHostLayout, run by /bin/sh against a temp root.</summary>
    public class NodeServiceScriptTests : IDisposable
    {
        private readonly ScriptSandbox _box = new ScriptSandbox();
        private static readonly EtcdMember Member = new EtcdMember("etcd-1", "10.0.0.11");

        public void Dispose() => _box.Dispose();

        private EtcdHostLayout Layout() => new EtcdHostLayout
        {
            BinaryDirectory = _box.Path("usr/local/bin"), ConfigPath = _box.Path("etc/etcd/conf.yml"), CertificateDirectory = _box.Path("etc/etcd"),
            UnitPath = _box.Path("etc/systemd/system/etcd-main.service"), DataDir = _box.Path("var/lib/etcd"),
        };

        [UnixFact]
        public async Task StartStopAndRestartAskSystemdForTheLayoutsUnit()
        {
            _box.Fake("systemctl");
            var layout = Layout();
            await NodeService.StartAsync(_box.Shell, layout, CancellationToken.None);
            await NodeService.StopAsync(_box.Shell, layout, CancellationToken.None);
            await NodeService.RestartAsync(_box.Shell, layout, CancellationToken.None);
            Assert.Equal(new[] { "systemctl [start] [--no-block] [etcd-main]", "systemctl [stop] [etcd-main]", "systemctl [restart] [etcd-main]" }, _box.Calls);
        }

        [UnixFact]
        public async Task AFailingSystemctlIsReportedWithItsWords()
        {
            _box.Fake("systemctl", "echo 'Job for etcd-main.service failed.' >&2; exit 1");
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => NodeService.StopAsync(_box.Shell, Layout(), CancellationToken.None));
            Assert.Equal("RemoteCommandFailed", ex.ErrorId);
            Assert.Equal("local shell: stopping etcd failed (exit 1): Job for etcd-main.service failed.", ex.Message);
        }

        [UnixFact]
        public async Task TheStateIsWhatSystemdAndTheBinarySay()
        {
            _box.Fake("systemctl", "echo ActiveState=active; echo UnitFileState=enabled; echo InvocationID=abc123; echo MainPID=4242");
            var layout = Layout();
            _box.FakeEtcd("usr/local/bin/etcd", "3.5.16");
            var state = await NodeService.GetStateAsync(_box.Shell, Member, layout, CancellationToken.None);
            Assert.Equal(("etcd-1", "active", true, "abc123", 4242, "3.5.16"), (state.Name, state.Active, state.Enabled, state.InvocationId, state.MainPid, state.Version));
            Assert.Equal(new[] { "systemctl [show] [etcd-main] [-p] [ActiveState] [-p] [UnitFileState] [-p] [InvocationID] [-p] [MainPID]" }, _box.Calls);

            // No etcd on the host: an empty version, not a failure.
            File.Delete(layout.EtcdBinary);
            Assert.Equal("", (await NodeService.GetStateAsync(_box.Shell, Member, layout, CancellationToken.None)).Version);
        }

        [UnixFact]
        public async Task TheJournalIsReadForTheUnitSinceWhenAsked()
        {
            _box.Fake("journalctl", "echo '-- Logs begin --'; echo '2024-01-01T10:00:00+0000 lab1 etcd[42]: {\"level\":\"warn\",\"msg\":\"slow \\\\\"fdatasync\\\\\"\"}'");
            var entries = await NodeService.ReadLogAsync(_box.Shell, Member, Layout(), "2024-01-01 09:00:00", 50, CancellationToken.None);
            var entry = Assert.Single(entries);
            Assert.Equal(("etcd-1", "warn", "slow \"fdatasync\""), (entry.Member, entry.Level, entry.Message));
            Assert.Equal(new DateTimeOffset(2024, 1, 1, 10, 0, 0, TimeSpan.Zero), entry.Time);

            await NodeService.ReadLogAsync(_box.Shell, Member, Layout(), null, 10, CancellationToken.None);
            Assert.Equal(new[]
            {
                "journalctl [-u] [etcd-main] [--no-pager] [-o] [short-iso] [-n] [50] [--since] [2024-01-01 09:00:00]",
                "journalctl [-u] [etcd-main] [--no-pager] [-o] [short-iso] [-n] [10]",
            }, _box.Calls);
        }

        [UnixFact]
        public async Task UninstallRemovesEtcdsFilesAndKeepsWhatIsShared()
        {
            _box.Fake("systemctl");
            var layout = Layout();
            layout.CertificateDirectory = _box.Path("etc/ssl");
            layout.CertificateFiles = new[] { _box.Path("etc/ssl/server.pem"), _box.Path("etc/ssl/server-key.pem") };
            layout.WalDir = _box.Path("srv/etcd-wal");
            foreach (var f in new[] { "usr/local/bin/etcd", "usr/local/bin/etcdctl", "usr/local/bin/etcdutl", "usr/local/bin/other", "etc/etcd/conf.yml",
                         "etc/ssl/server.pem", "etc/ssl/server-key.pem", "etc/ssl/other.pem", "etc/systemd/system/etcd-main.service", "var/lib/etcd/member/snap/db", "srv/etcd-wal/0.wal" })
                _box.Write(f, "x");

            await NodeService.UninstallAsync(_box.Shell, layout, removeData: false, CancellationToken.None);
            Assert.Equal(new[] { "systemctl [disable] [--now] [etcd-main]", "systemctl [daemon-reload]" }, _box.Calls);
            Assert.Equal(new[] { "etc/ssl/other.pem", "srv/etcd-wal/0.wal", "usr/local/bin/other", "var/lib/etcd/member/snap/db" }, Remaining());
            Assert.False(Directory.Exists(_box.Path("etc/etcd")));

            await NodeService.UninstallAsync(_box.Shell, layout, removeData: true, CancellationToken.None);
            Assert.Equal(new[] { "etc/ssl/other.pem", "usr/local/bin/other" }, Remaining());
            Assert.False(Directory.Exists(layout.DataDir));
            Assert.False(Directory.Exists(layout.WalDir));
        }

        [UnixFact]
        public async Task TheLayoutIsReadBackFromTheUnitThatRunsEtcd()
        {
            var units = _box.Path("etc/systemd/system");
            Assert.Equal(EtcdHostLayout.DefaultConfigPath, (await EtcdHostLayout.ReadAsync(_box.Shell, "/var/lib/etcd", units, CancellationToken.None)).ConfigPath);

            var conf = _box.Write("opt/etcd/conf.yml", $"name: etcd-1\ndata-dir: {_box.Path("srv/etcd")}\nclient-transport-security:\n  cert-file: {_box.Path("opt/etcd/tls/server.pem")}\n");
            _box.Write("etc/systemd/system/ssh.service", "[Service]\nExecStart=/usr/sbin/sshd -D\n");
            _box.Write("etc/systemd/system/etcd-main.service", $"[Service]\nType=notify\nExecStart={_box.Path("opt/etcd/bin")}/etcd --config-file={conf}\n");
            var layout = await EtcdHostLayout.ReadAsync(_box.Shell, "/var/lib/etcd", units, CancellationToken.None);
            Assert.Equal(_box.Path("etc/systemd/system/etcd-main.service"), layout.UnitPath);
            Assert.Equal(_box.Path("opt/etcd/bin"), layout.BinaryDirectory);
            Assert.Equal(conf, layout.ConfigPath);
            Assert.Equal(_box.Path("srv/etcd"), layout.DataDir);
            Assert.Equal(_box.Path("opt/etcd/tls"), layout.CertificateDirectory);

            // etcd.service comes first when there are two.
            _box.Write("etc/systemd/system/etcd.service", $"[Service]\nExecStart=/usr/bin/etcd --config-file={_box.Path("nowhere.yml")}\n");
            var preferred = await EtcdHostLayout.ReadAsync(_box.Shell, "/var/lib/etcd", units, CancellationToken.None);
            Assert.Equal(("/usr/bin", "/var/lib/etcd"), (preferred.BinaryDirectory, preferred.DataDir));
        }

        private string[] Remaining() =>
            Directory.GetFiles(_box.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(_box.Root, f))
                .Where(f => !f.StartsWith(".fake", StringComparison.Ordinal)).OrderBy(f => f, StringComparer.Ordinal).ToArray();
    }
}
