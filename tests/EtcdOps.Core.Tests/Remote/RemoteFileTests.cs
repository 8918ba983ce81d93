using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>The file scripts run for real, by /bin/sh on this machine, standing in for a host.</summary>
    public class RemoteFileTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "etcdops-rf-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        private readonly LocalShell _host = new LocalShell();
        private static readonly string User = Run("id -un").Trim();
        private static readonly string Group = Run("id -gn").Trim();

        public RemoteFileTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, true);

        private RemoteFile File(string name, byte[] content, string mode = "0600") => new RemoteFile(Path.Combine(_dir, name), content, mode, User, Group);

        [UnixFact]
        public async Task WritesOnlyWhatDiffersAndLeavesNoTempFile()
        {
            var all = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
            var a = File("a.pem", all);
            var b = File("sub/b.yml", Encoding.UTF8.GetBytes("name: x\n"), "0644");

            var first = await RemoteFiles.EnsureAsync(_host, new[] { a, b }, CancellationToken.None);
            Assert.Equal(new[] { a.Path, b.Path }, first.Files.Select(f => f.Path));
            Assert.All(first.Files, f => Assert.True(f.ContentChanged));
            Assert.Equal(all, System.IO.File.ReadAllBytes(a.Path));
            Assert.Equal("600", Run($"stat -c %a '{a.Path}'").Trim());
            Assert.Equal("644", Run($"stat -c %a '{b.Path}'").Trim());

            var again = await RemoteFiles.EnsureAsync(_host, new[] { a, b }, CancellationToken.None);
            Assert.Empty(again.Files);

            Run($"chmod 644 '{a.Path}'");
            var meta = await RemoteFiles.EnsureAsync(_host, new[] { a, b }, CancellationToken.None);
            Assert.False(Assert.Single(meta.Files).ContentChanged);
            Assert.Equal("600", Run($"stat -c %a '{a.Path}'").Trim());

            Assert.Empty(Directory.GetFiles(_dir, ".etcdops.*", SearchOption.AllDirectories));
        }

        [UnixFact]
        public async Task RunsCommandsBeforeAndAfterInTheSameRoundTripAndReportsTheirChanges()
        {
            using var sandbox = new ScriptSandbox();
            sandbox.Fake("systemctl", $"case $1 in is-enabled) [ -f '{sandbox.Path("enabled")}' ] ;; enable) touch '{sandbox.Path("enabled")}' ;; esac");
            var unit = new RemoteFile(sandbox.Path("etcd.service"), Encoding.ASCII.GetBytes("[Unit]\n"), "0644", User, Group);
            var dir = sandbox.Path("data");
            var before = RemoteScript.PrepareAccount.Command(User, Group, "1501", "1501", dir, dir);
            var after = RemoteScript.EnableService.Command("etcd", "reload");

            var first = await RemoteFiles.EnsureAsync(sandbox.Shell, new[] { unit }, CancellationToken.None, before, after);
            Assert.Single(sandbox.Shell.Commands);
            Assert.Equal(new[] { "directory " + dir, "service enabled" }, first.Other);
            Assert.Equal(unit.Path, Assert.Single(first.Files).Path);
            Assert.Equal("700", Run($"stat -c %a '{dir}'").Trim());

            var second = await RemoteFiles.EnsureAsync(sandbox.Shell, new[] { unit }, CancellationToken.None, before, RemoteScript.EnableService.Command("etcd", "no-reload"));
            Assert.Empty(second.Other);
            Assert.Empty(second.Files);
            Assert.Equal(new[] { "systemctl [is-enabled] [--quiet] [etcd]", "systemctl [enable] [--quiet] [etcd]", "systemctl [is-enabled] [--quiet] [etcd]" }, sandbox.Calls);
        }

        [UnixFact]
        public async Task AFailingCommandBeforeStopsTheRoundTripBeforeAnyFileIsWritten()
        {
            var file = File("x.pem", Encoding.ASCII.GetBytes("0123456789"));
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => RemoteFiles.EnsureAsync(_host, new[] { file }, CancellationToken.None, RemoteScript.ServiceAction.Command("reload", "etcd")));
            Assert.Contains("etcdops-service-action: unknown action 'reload'", ex.Message);
            Assert.False(System.IO.File.Exists(file.Path));
        }

        [UnixFact]
        public async Task PathsWithSpacesAndQuotesArriveWhole()
        {
            var file = File("it's a dir/$(touch pwned) \"x\".pem", Encoding.ASCII.GetBytes("x"));
            var changed = await RemoteFiles.EnsureAsync(_host, new[] { file }, CancellationToken.None);
            Assert.Equal(file.Path, Assert.Single(changed.Files).Path);
            Assert.Equal("x", System.IO.File.ReadAllText(file.Path));
            Assert.False(System.IO.File.Exists(Path.Combine(_dir, "it's a dir", "pwned")));
        }

        [UnixFact]
        public async Task ContentArrivesOnStdinNotInTheScriptAndKeepsItsTimeWhenAsked()
        {
            var key = Encoding.ASCII.GetBytes("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n");
            var conf = File("conf.yml", Encoding.ASCII.GetBytes("initial-cluster-state: new\n"));
            await RemoteFiles.EnsureAsync(_host, new[] { File("k.pem", key), conf }, CancellationToken.None);
            Assert.All(_host.Commands, s => Assert.DoesNotContain("BEGIN", s));
            Assert.Equal(key, System.IO.File.ReadAllBytes(Path.Combine(_dir, "k.pem")));

            Run($"touch -d '2020-01-01 00:00:00' '{conf.Path}'");
            var flipped = new RemoteFile(conf.Path, Encoding.ASCII.GetBytes("initial-cluster-state: existing\n"), "0600", User, Group) { KeepModificationTime = true };
            var changed = await RemoteFiles.EnsureAsync(_host, new[] { flipped }, CancellationToken.None);
            Assert.True(Assert.Single(changed.Files).ContentChanged);
            Assert.Equal("initial-cluster-state: existing\n", System.IO.File.ReadAllText(conf.Path));
            Assert.StartsWith("2020-01-01", Run($"date -r '{conf.Path}' +%F").Trim());
        }

        [UnixFact]
        public async Task ADamagedTransferIsRefusedAndLeavesNoTempFile()
        {
            var file = File("x.pem", Encoding.ASCII.GetBytes("0123456789"));
            _host.Truncate = 4;
            await Assert.ThrowsAsync<EtcdOpsException>(() => RemoteFiles.EnsureAsync(_host, new[] { file }, CancellationToken.None));
            Assert.False(System.IO.File.Exists(file.Path));
            Assert.Empty(Directory.GetFiles(_dir, ".etcdops.*", SearchOption.AllDirectories));
        }

        private static string Run(string command)
        {
            var psi = new ProcessStartInfo("/bin/sh", "-c \"" + command.Replace("\"", "\\\"") + "\"") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output;
        }
    }
}
