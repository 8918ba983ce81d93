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

        [Fact]
        public async Task WritesOnlyWhatDiffersAndLeavesNoTempFile()
        {
            if (!UnixFileMode.IsUnix) return;
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

        [Fact]
        public async Task RunsHooksForChangedFilesAndReportsOtherChanges()
        {
            if (!UnixFileMode.IsUnix) return;
            var unit = File("etcd.service", Encoding.ASCII.GetBytes("[Unit]\n"), "0644");
            var hooks = new System.Collections.Generic.Dictionary<string, string> { [unit.Path] = "reload=1" };
            const string epilogue = "[ -z \"$reload\" ] || echo 'changed: reloaded'\n";
            var first = await RemoteFiles.EnsureAsync(_host, new[] { unit }, CancellationToken.None, "reload=\n", epilogue, hooks);
            Assert.Equal(new[] { "reloaded" }, first.Other);
            var second = await RemoteFiles.EnsureAsync(_host, new[] { unit }, CancellationToken.None, "reload=\n", epilogue, hooks);
            Assert.Empty(second.Other);
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

            public async Task<RemoteResult> RunAsync(string script, byte[]? input, CancellationToken cancellation)
            {
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
