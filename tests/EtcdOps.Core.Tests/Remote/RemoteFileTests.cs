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
        public async Task RunsHooksForChangedFilesAndReportsOtherChanges()
        {
            var unit = File("etcd.service", Encoding.ASCII.GetBytes("[Unit]\n"), "0644");
            var hooks = new System.Collections.Generic.Dictionary<string, string> { [unit.Path] = "reload=1" };
            const string epilogue = "[ -z \"$reload\" ] || echo 'changed: reloaded'\n";
            var first = await RemoteFiles.EnsureAsync(_host, new[] { unit }, CancellationToken.None, "reload=\n", epilogue, hooks);
            Assert.Equal(new[] { "reloaded" }, first.Other);
            var second = await RemoteFiles.EnsureAsync(_host, new[] { unit }, CancellationToken.None, "reload=\n", epilogue, hooks);
            Assert.Empty(second.Other);
        }

        [UnixFact]
        public async Task ContentArrivesOnStdinNotInTheScriptAndKeepsItsTimeWhenAsked()
        {
            var key = Encoding.ASCII.GetBytes("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIB\n-----END EC PRIVATE KEY-----\n");
            var conf = File("conf.yml", Encoding.ASCII.GetBytes("initial-cluster-state: new\n"));
            await RemoteFiles.EnsureAsync(_host, new[] { File("k.pem", key), conf }, CancellationToken.None);
            Assert.All(_host.Scripts, s => Assert.DoesNotContain("BEGIN", s));
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

        [Fact]
        public void QuoteSurvivesSingleQuotes() =>
            Assert.Equal("'it'\\''s'", RemoteHostExtensions.Quote("it's"));

        private static string Run(string command)
        {
            var psi = new ProcessStartInfo("/bin/sh", "-c \"" + command.Replace("\"", "\\\"") + "\"") { RedirectStandardOutput = true, UseShellExecute = false };
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output;
        }

        private sealed class LocalShell : IRemoteHost
        {
            public string Name => "local shell";
            public System.Collections.Generic.List<string> Scripts { get; } = new System.Collections.Generic.List<string>();

            /// <summary>Send only this many bytes of the input (a transfer cut short).</summary>
            public int? Truncate { get; set; }

            public async Task<RemoteResult> RunAsync(string script, byte[]? input, CancellationToken cancellation)
            {
                Scripts.Add(script);
                if (input != null && Truncate is int n) input = input.Take(n).ToArray();
                var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
                psi.ArgumentList.Add("-c");
                psi.ArgumentList.Add(script);
                using var p = Process.Start(psi)!;
                if (input != null) await p.StandardInput.BaseStream.WriteAsync(input, cancellation);
                p.StandardInput.Close();
                var output = p.StandardOutput.ReadToEndAsync();
                var error = p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync(cancellation);
                return new RemoteResult(p.ExitCode, await output, await error);
            }

            public void Dispose() { }
        }
    }
}
