using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Remote
{
    /// <summary>restore-snapshot.sh run by /bin/sh against a temp root, with a fake etcdutl: staging, the host-side check, and a restore that is never done twice.</summary>
    public class RestoreScriptTests : IDisposable
    {
        private readonly ScriptSandbox _box = new ScriptSandbox();

        public void Dispose() => _box.Dispose();

        private static (byte[] Bytes, string Sha) Snapshot(int pages = 4)
        {
            var data = new byte[512 * pages];
            new Random(pages).NextBytes(data);
            using var sha = SHA256.Create();
            var file = data.Concat(sha.ComputeHash(data)).ToArray();
            return (file, string.Concat(sha.ComputeHash(file).Select(b => b.ToString("x2"))));
        }

        private Task<RemoteResult> Run(params string[] args) => _box.RunAsync(RemoteScript.RestoreSnapshot.Command(args));

        [UnixFact]
        public async Task ChecksAFileOnTheHostByEtcdsTrailer()
        {
            var (bytes, sha) = Snapshot();
            var path = _box.Path("s.db");
            File.WriteAllBytes(path, bytes);
            var r = await Run("check", path);
            Assert.Contains($"sha256={sha}", r.Output);
            Assert.Contains($"size={bytes.Length}", r.Output);
            Assert.Contains("trailer=ok", r.Output);
            bytes[100] ^= 1;
            File.WriteAllBytes(path, bytes);
            Assert.Contains("trailer=bad", (await Run("check", path)).Output);
            File.WriteAllBytes(path, bytes.Take(bytes.Length - 7).ToArray());
            Assert.Contains("trailer=bad", (await Run("check", path)).Output);
            Assert.Contains("missing=yes", (await Run("check", _box.Path("none.db"))).Output);
        }

        [UnixFact]
        public async Task StagesFromStdinCheckedOwnerOnlyAndKeepsAnIntactCopyOnARerun()
        {
            var (bytes, sha) = Snapshot();
            var dest = _box.Path("var/lib/etcd.restoring.db");
            var r = await _box.RunAsync(RemoteScript.RestoreSnapshot.Command("stage", dest, bytes.Length.ToString(), sha), bytes);
            Assert.True(r.Succeeded, r.Error);
            Assert.Contains("staged=written", r.Output);
            Assert.Equal(bytes, File.ReadAllBytes(dest));
            Assert.StartsWith("600 ", ScriptSandbox.ModeAndOwner(dest));
            r = await _box.RunAsync(RemoteScript.RestoreSnapshot.Command("stage", dest, bytes.Length.ToString(), sha), bytes);
            Assert.Contains("staged=kept", r.Output);
            Assert.Contains($"staged={sha} {bytes.Length}", (await Run("inspect", _box.Path("var/lib/etcd.restoring"), dest)).Output);
        }

        [UnixFact]
        public async Task ACopyDamagedOnTheWayIsRefusedAndLeavesNoFile()
        {
            var (bytes, sha) = Snapshot();
            var dest = _box.Path("var/lib/etcd.restoring.db");
            _box.Shell.Truncate = bytes.Length - 100;
            var r = await _box.RunAsync(RemoteScript.RestoreSnapshot.Command("stage", dest, bytes.Length.ToString(), sha), bytes);
            Assert.False(r.Succeeded);
            Assert.Contains("expected", r.Error);
            Assert.False(File.Exists(dest));
            Assert.False(File.Exists(dest + ".part"));
        }

        [UnixFact]
        public async Task RestoresIntoAnEmptyDataDirByOneRenameAndNeverTwice()
        {
            // A fake etcdutl that does what the real one does to --data-dir, and logs its arguments.
            var bin = _box.Path("usr/local/bin");
            Directory.CreateDirectory(bin);
            var fake = _box.Write("usr/local/bin/etcdutl", "#!/bin/sh\necho \"$@\" >> \"$(dirname \"$0\")/calls\"\n" +
                "while [ $# -gt 0 ]; do [ \"$1\" = --data-dir ] && d=$2; shift; done\nmkdir -p \"$d/member/snap\" \"$d/member/wal\" && echo db > \"$d/member/snap/db\"\n", "755");
            var data = _box.Path("var/lib/etcd");
            Directory.CreateDirectory(data);   // empty: the caller moved the old data aside; prepare-account made it again
            string[] Args() => new[] { "restore", "etcdutl", bin, "etcd-1", "etcd-1=https://10.0.0.11:2380", "tok-1", "https://10.0.0.11:2380", data, "", _box.Path("s.db"), "1000", ScriptSandbox.User, ScriptSandbox.Group };
            var r = await Run(Args());
            Assert.True(r.Succeeded, r.Error);
            Assert.Contains("restored=yes", r.Output);
            Assert.True(File.Exists(Path.Combine(data, "member/snap/db")));
            Assert.StartsWith("700 ", ScriptSandbox.ModeAndOwner(data));
            var call = File.ReadAllText(Path.Combine(bin, "calls"));
            Assert.Contains("snapshot restore " + _box.Path("s.db") + " --name etcd-1 --initial-cluster etcd-1=https://10.0.0.11:2380 --initial-cluster-token tok-1", call);
            Assert.Contains("--bump-revision 1000 --mark-compacted", call);
            Assert.False(Directory.Exists(data + ".restore-tmp"));

            // A re-run finds member/ and keeps it: the restored (maybe started) data is never replaced.
            r = await Run(Args());
            Assert.Contains("restored=already", r.Output);
            Assert.Single(File.ReadAllLines(Path.Combine(bin, "calls")));
        }

        [UnixFact]
        public async Task RefusesADataDirThatStillHoldsSomething()
        {
            _box.Write("usr/local/bin/etcdutl", "#!/bin/sh\nwhile [ $# -gt 0 ]; do [ \"$1\" = --data-dir ] && d=$2; shift; done\nmkdir -p \"$d/member\"\n", "755");
            var data = _box.Path("var/lib/etcd");
            _box.Write("var/lib/etcd/stray", "x");
            var r = await Run("restore", "etcdutl", _box.Path("usr/local/bin"), "etcd-1", "c", "t", "p", data, "", _box.Path("s.db"), "0", ScriptSandbox.User, ScriptSandbox.Group);
            Assert.False(r.Succeeded);
            Assert.Contains("not empty", r.Error);
            Assert.True(File.Exists(Path.Combine(data, "stray")));
            Assert.False(Directory.Exists(data + ".restore-tmp"));
        }

        [UnixFact]
        public async Task AFailingRestoreToolIsReportedWithItsWords()
        {
            _box.Write("usr/local/bin/etcdctl", "#!/bin/sh\necho 'Error: snapshot file integrity check failed' >&2\nexit 1\n", "755");
            var r = await Run("restore", "etcdctl", _box.Path("usr/local/bin"), "etcd-1", "c", "t", "p", _box.Path("var/lib/etcd"), "", _box.Path("s.db"), "0", ScriptSandbox.User, ScriptSandbox.Group);
            Assert.False(r.Succeeded);
            Assert.Contains("integrity check failed", r.Error);
            Assert.False(Directory.Exists(_box.Path("var/lib/etcd")));
        }
    }
}
