using System;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>The scripts are embedded whole, and their command lines hand each value over untouched.</summary>
    public class RemoteScriptTests
    {
        private static readonly string ScriptsFolder = Path.Combine(RepositoryRoot(), "src", "EtcdOps.Core", "Remote", "Scripts");

        [Fact]
        public void EveryScriptTheCodeNamesIsEmbedded()
        {
            var named = typeof(RemoteScript).GetProperties(BindingFlags.Public | BindingFlags.Static)
                .Where(p => p.PropertyType == typeof(RemoteScript)).Select(p => (RemoteScript)p.GetValue(null)!).ToList();
            Assert.NotEmpty(named);
            Assert.All(named, s => Assert.StartsWith("#!/bin/sh\n", s.Text));
            Assert.Equal(named.Select(s => s.Name).OrderBy(n => n, StringComparer.Ordinal), RemoteScript.EmbeddedNames);
        }

        [Fact]
        public void EveryScriptInTheFolderIsEmbeddedAsItIs()
        {
            var files = Directory.GetFiles(ScriptsFolder, "*.sh").OrderBy(f => f, StringComparer.Ordinal).ToList();
            Assert.NotEmpty(files);
            Assert.Equal(files.Select(Path.GetFileNameWithoutExtension), RemoteScript.EmbeddedNames);
            Assert.All(files, f => Assert.Equal(File.ReadAllText(f).Replace("\r\n", "\n"), RemoteScript.Get(Path.GetFileNameWithoutExtension(f)).Text));
        }

        [Fact]
        public void AMissingScriptIsNamed()
        {
            var ex = Assert.Throws<InvalidOperationException>(() => RemoteScript.Get("no-such-script"));
            Assert.Contains("no-such-script.sh", ex.Message);
        }

        [Fact]
        public void QuoteSurvivesSingleQuotes() => Assert.Equal("'it'\\''s'", RemoteScript.Quote("it's"));

        [UnixFact]
        public async Task ArgumentsReachTheScriptWordForWordAndTheNameIsItsZero()
        {
            using var sandbox = new ScriptSandbox();
            var odd = new[] { "it's", "two words", "$(touch pwned)", "`id`", "a\"b", "", "new\nline", "*", "\\" };
            // service-action names itself ($0) and the action it does not know: proof that $0 and $1 arrived as given.
            var result = await sandbox.RunAsync(RemoteScript.ServiceAction.Command(odd));
            Assert.Equal(2, result.ExitCode);
            Assert.Equal("etcdops-service-action: unknown action 'it's'", result.Error.Trim());
            // read-journal hands its third argument to journalctl --since: the fake keeps what arrived there, byte for byte.
            var got = sandbox.Path("since");
            sandbox.Fake("journalctl", $"[ \"$8\" = --since ] && printf '%s' \"$9\" > '{got}' || printf none > '{got}'");
            foreach (var value in odd)
            {
                Assert.Equal(0, (await sandbox.RunAsync(RemoteScript.ReadJournal.Command("etcd", "5", value))).ExitCode);
                Assert.Equal(value.Length == 0 ? "none" : value, File.ReadAllText(got));
            }
            Assert.False(File.Exists(sandbox.Path("pwned")));
            Assert.False(File.Exists(Path.Combine(Environment.CurrentDirectory, "pwned")));
        }

        [UnixFact]
        public async Task ASequenceStopsAtTheFirstFailure()
        {
            using var sandbox = new ScriptSandbox();
            sandbox.Fake("systemctl");
            var result = await sandbox.RunAsync(RemoteScript.Sequence(RemoteScript.ServiceAction.Command("stop", "etcd"), null,
                RemoteScript.ServiceAction.Command("bogus", "etcd"), RemoteScript.ServiceAction.Command("start", "etcd")));
            Assert.Equal(2, result.ExitCode);
            Assert.Equal(new[] { "systemctl [stop] [etcd]" }, sandbox.Calls);
        }

        private static string RepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "EtcdOps.sln"))) return dir.FullName;
            throw new InvalidOperationException("EtcdOps.sln not found above " + AppContext.BaseDirectory);
        }
    }
}
