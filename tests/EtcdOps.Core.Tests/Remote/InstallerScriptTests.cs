using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>Install-EtcdNode's scripts (probe-host, prepare-account, enable-service, install-binaries, journal-tail) run by /bin/sh against a temp root.</summary>
    public class InstallerScriptTests : IDisposable
    {
        private readonly ScriptSandbox _box = new ScriptSandbox();
        private static readonly EtcdCluster Cluster = new EtcdCluster { Name = "t", Version = "3.5.16", Token = "tok", Members = { new EtcdMember("etcd-1", "10.0.0.11") } };

        public void Dispose() => _box.Dispose();

        /// <summary>A spec whose layout lives under the sandbox, with a CA and a unit file to put there.</summary>
        private NodeInstallSpec Spec()
        {
            var layout = new EtcdHostLayout
            {
                BinaryDirectory = _box.Path("usr/local/bin"), ConfigPath = _box.Path("etc/etcd/conf.yml"), CertificateDirectory = _box.Path("etc/etcd"),
                UnitPath = _box.Path("etc/systemd/system/etcd.service"), DataDir = _box.Path("var/lib/etcd"),
            };
            var spec = new NodeInstallSpec(Cluster, Cluster.Members[0], layout) { ReleaseVersion = "3.5.16", TrustedCaPath = _box.Path("etc/etcd/ca.pem") };
            spec.Files.Add(new RemoteFile(_box.Path("etc/etcd/ca.pem"), Encoding.ASCII.GetBytes("CA\n"), "0644", ScriptSandbox.User, ScriptSandbox.Group));
            spec.Files.Add(new RemoteFile(layout.UnitPath, Encoding.ASCII.GetBytes("[Unit]\n"), "0644", ScriptSandbox.User, ScriptSandbox.Group));
            return spec;
        }

        private async Task<string> RunOk(string command, byte[]? input = null)
        {
            var result = await _box.RunAsync(command, input);
            Assert.True(result.Succeeded, $"exit {result.ExitCode}: {result.Error}");
            return result.Output;
        }

        [UnixFact]
        public async Task TheProbeOfABareHostFindsNothing()
        {
            _box.Fake("systemctl", "case $1 in is-active) echo inactive; exit 3 ;; is-enabled) exit 1 ;; esac");
            var spec = Spec();
            var probe = HostProbe.Parse(await RunOk(ClusterInstaller.ProbeCommand(spec)));
            Assert.Equal("", probe.InstalledVersion);
            Assert.False(probe.Active);
            Assert.False(probe.Enabled);
            Assert.False(probe.Bootstrapped);
            Assert.False(probe.AccountReady);
            Assert.Null(probe.StartedMicros);
            Assert.Null(probe.BinaryModifiedMicros);
            Assert.Equal(ScriptSandbox.Run("uname", "-m").Trim(), probe.Machine);
            Assert.Equal("", probe.Fingerprint(0));
            Assert.Null(probe.ModifiedMicros(0));
            // Read-only: the probe made nothing.
            Assert.False(Directory.Exists(_box.Path("etc")));
        }

        [UnixFact]
        public async Task TheProbeOfAnInstalledHostSeesVersionStateAndEveryFile()
        {
            _box.Fake("systemctl", "case $1 in is-active) echo active ;; is-enabled) echo enabled ;; show) echo 'Mon 2024-01-01 10:00:00.123456 UTC' ;; esac");
            var spec = Spec();
            _box.FakeEtcd("usr/local/bin/etcd", "3.5.16");
            Directory.CreateDirectory(_box.Path("var/lib/etcd/member"));
            var ca = spec.Files[0];
            _box.Write("etc/etcd/ca.pem", "CA\n", "644");
            ScriptSandbox.Run("touch", "-d", "2024-01-01 09:00:00.5 UTC", ca.Path);

            var probe = HostProbe.Parse(await RunOk(ClusterInstaller.ProbeCommand(spec)));
            Assert.Equal("3.5.16", probe.InstalledVersion);
            Assert.True(probe.Active);
            Assert.True(probe.Enabled);
            Assert.True(probe.Bootstrapped);
            Assert.Equal(1704103200123456L, probe.StartedMicros);
            Assert.NotNull(probe.BinaryModifiedMicros);
            Assert.Equal(ca.Fingerprint, probe.Fingerprint(0));
            Assert.Equal(1704099600500000L, probe.ModifiedMicros(0));
            Assert.Equal("", probe.Fingerprint(1));
            // conf.yml comes last (NodePlanner.ProbedPaths), and is not there yet.
            Assert.Equal("", probe.Fingerprint(spec.Files.Count));
            Assert.Contains("systemctl [show] [etcd] [-p] [ExecMainStartTimestamp] [--value] [--timestamp=us+utc]", _box.Calls);

            var plan = NodePlanner.Decide(spec, probe);
            Assert.False(plan.InstallsBinaries);
            Assert.Equal(new[] { spec.UnitPath, spec.ConfigPath }, plan.FilesToWrite.Select(f => f.Path));
        }

        [UnixFact]
        public async Task AnAccountThatIsThereIsLeftAloneAndItsDirectoriesAreMadeOnce()
        {
            var dirs = new[] { _box.Path("etc/etcd"), _box.Path("var/lib/etcd") };
            var prepare = RemoteScript.PrepareAccount.Command(new[] { ScriptSandbox.User, ScriptSandbox.Group, "1501", "1501", dirs[1] }.Concat(dirs));
            Assert.Equal(dirs.Select(d => "changed: directory " + d), (await RunOk(prepare)).TrimEnd().Split('\n'));
            Assert.All(dirs, d => Assert.Equal($"700 {ScriptSandbox.User} {ScriptSandbox.Group}", ScriptSandbox.ModeAndOwner(d)));
            Assert.Equal("", await RunOk(prepare));

            // The probe agrees that the account is ready, and says so no longer once a directory is opened up.
            var probe = RemoteScript.ProbeHost.Command(new[] { _box.Path("bin/etcd"), "etcd", _box.Path("none"), ScriptSandbox.User, ScriptSandbox.Group, "2" }.Concat(dirs));
            _box.Fake("systemctl");
            Assert.True(HostProbe.Parse(await RunOk(probe)).AccountReady);
            ScriptSandbox.Run("chmod", "755", dirs[0]);
            Assert.False(HostProbe.Parse(await RunOk(probe)).AccountReady);
            Assert.Equal($"changed: directory {dirs[0]}\n", await RunOk(prepare));
        }

        [UnixFact]
        public async Task AMissingAccountIsCreatedWithTheLayoutsIds()
        {
            _box.Fake("getent", "exit 2");
            _box.Fake("id", "exit 1");
            _box.Fake("groupadd");
            _box.Fake("useradd");
            _box.Fake("install", "mkdir -p \"$8\"");
            var spec = Spec();
            spec.Layout.EtcdUid = 990;
            spec.Layout.EtcdGid = 991;
            var output = await RunOk(ClusterInstaller.AccountCommand(spec));
            Assert.Equal(new[] { "changed: group etcd (991)", "changed: user etcd (990)" }.Concat(spec.Layout.EtcdDirectories.Select(d => "changed: directory " + d)), output.TrimEnd().Split('\n'));
            var calls = _box.Calls;
            Assert.Contains("groupadd [--system] [-g] [991] [etcd]", calls);
            Assert.Contains($"useradd [--system] [-u] [990] [-g] [etcd] [-d] [{spec.DataDir}] [-s] [/bin/false] [-M] [-c] [etcd user] [etcd]", calls);
            Assert.Contains($"install [-d] [-m] [0700] [-o] [etcd] [-g] [etcd] [{spec.DataDir}]", calls);
            Assert.All(spec.Layout.EtcdDirectories, d => Assert.True(Directory.Exists(d)));
        }

        [UnixFact]
        public async Task TheServiceIsEnabledOnceAndReloadedOnlyWhenEnablingDoesNotReloadIt()
        {
            var enabled = _box.Path("enabled");
            _box.Fake("systemctl", $"case $1 in is-enabled) [ -f '{enabled}' ] ;; enable) touch '{enabled}' ;; esac");
            var spec = Spec();
            var bare = new Dictionary<string, string> { ["arch"] = "x86_64" };
            var writesUnit = NodePlanner.Decide(spec, new HostProbe(bare));
            Assert.Contains(writesUnit.FilesToWrite, f => f.Path == spec.UnitPath);
            Assert.Equal("changed: service enabled\n", await RunOk(ClusterInstaller.EnableCommand(writesUnit)));

            var unitAsWanted = new Dictionary<string, string>(bare) { ["f1"] = spec.Files[1].Fingerprint };
            Assert.Equal("", await RunOk(ClusterInstaller.EnableCommand(NodePlanner.Decide(spec, new HostProbe(unitAsWanted)))));
            // A changed unit of an enabled service: reloaded (enable, which reloads by itself, is not needed).
            Assert.Equal("", await RunOk(ClusterInstaller.EnableCommand(writesUnit)));
            Assert.Equal(new[]
            {
                "systemctl [is-enabled] [--quiet] [etcd]", "systemctl [enable] [--quiet] [etcd]",
                "systemctl [is-enabled] [--quiet] [etcd]",
                "systemctl [is-enabled] [--quiet] [etcd]", "systemctl [daemon-reload]",
            }, _box.Calls);
        }

        [UnixFact]
        public async Task BinariesFromTheArchiveOnStdinReplaceTheOldOnesAndLeaveNoTempDirectory()
        {
            // chown to root needs root: the fake records the call and changes nothing.
            _box.Fake("chown");
            var spec = Spec();
            var temp = _box.Path("var/tmp");
            Directory.CreateDirectory(temp);
            _box.FakeEtcd("usr/local/bin/etcd", "3.5.15");
            var old = ScriptSandbox.Run("stat", "-c", "%i", spec.Layout.EtcdBinary).Trim();

            await RunOk(ClusterInstaller.InstallBinariesCommand(spec, temp), Archive("3.5.16"));
            foreach (var b in new[] { "etcd", "etcdctl", "etcdutl" })
                Assert.Equal("755", ScriptSandbox.ModeAndOwner(Path.Combine(spec.BinDir, b)).Split(' ')[0]);
            Assert.Contains("etcd Version: 3.5.16", ScriptSandbox.Run(spec.Layout.EtcdBinary, "--version"));
            // Swapped in by rename: a running etcd keeps the old inode.
            Assert.NotEqual(old, ScriptSandbox.Run("stat", "-c", "%i", spec.Layout.EtcdBinary).Trim());
            Assert.Contains($"chown [root:root] [{temp}", string.Join("\n", _box.Calls));
            Assert.Empty(Directory.GetFileSystemEntries(temp));
            Assert.Empty(Directory.GetFiles(spec.BinDir, ".*"));
        }

        [UnixFact]
        public async Task AnArchiveOfAnotherVersionFails()
        {
            var spec = Spec();
            var temp = _box.Path("var/tmp");
            Directory.CreateDirectory(temp);
            _box.Fake("chown");
            var result = await _box.RunAsync(ClusterInstaller.InstallBinariesCommand(spec, temp), Archive("3.5.15"));
            Assert.Equal(1, result.ExitCode);
            Assert.Equal("etcd --version says '3.5.15', expected 3.5.16", result.Error.Trim());
            Assert.Empty(Directory.GetFileSystemEntries(temp));

            var broken = await _box.RunAsync(ClusterInstaller.InstallBinariesCommand(spec, temp), Encoding.ASCII.GetBytes("not a tar"));
            Assert.NotEqual(0, broken.ExitCode);
            Assert.Empty(Directory.GetFileSystemEntries(temp));
        }

        [UnixFact]
        public async Task TheJournalTailEndsWithTheActiveState()
        {
            _box.Fake("journalctl", "echo 'first'; echo 'last'");
            _box.Fake("systemctl", "echo failed; exit 3");
            var result = await _box.RunAsync(RemoteScript.JournalTail.Command("etcd", "80"));
            Assert.Equal("first\nlast\nfailed\n", result.Output);
            Assert.Equal(new[] { "journalctl [-u] [etcd] [-n] [80] [--no-pager] [-o] [cat]", "systemctl [is-active] [etcd]" }, _box.Calls);
        }

        /// <summary>The tar of an etcd release archive (etcd-vX-linux-amd64/ with the three binaries) whose etcd says <paramref name="version"/>, as <see cref="ReleasePayloads"/> sends it.</summary>
        private byte[] Archive(string version)
        {
            var name = $"etcd-v{version}-linux-amd64";
            _box.FakeEtcd($"release/{name}/etcd", version);
            _box.FakeEtcd($"release/{name}/etcdctl", version);
            _box.FakeEtcd($"release/{name}/etcdutl", version);
            var archive = _box.Path($"{name}.tar.gz");
            ScriptSandbox.Run("tar", "-czf", archive, "-C", _box.Path("release"), name);
            Directory.Delete(_box.Path("release"), true);
            try { return ReleasePayloads.Unpack(archive); }
            finally { File.Delete(archive); }
        }
    }
}
