using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Tests.Remote
{
    /// <summary>
    /// A temp root for running remote scripts with the real /bin/sh: paths under <see cref="Root"/>, and fake
    /// commands (systemctl, useradd, ...) first on PATH that record how they were called, so a script's own logic
    /// is proven without root or systemd. The lab tests prove the real thing.
    /// </summary>
    internal sealed class ScriptSandbox : IDisposable
    {
        public static readonly string User = Run("id", "-un").Trim();
        public static readonly string Group = Run("id", "-gn").Trim();

        private readonly string _fakes;
        private readonly string _log;

        public ScriptSandbox()
        {
            Root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "etcdops-sh-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            _fakes = System.IO.Path.Combine(Root, ".fake-bin");
            _log = System.IO.Path.Combine(Root, ".fake-calls");
            Directory.CreateDirectory(_fakes);
            File.WriteAllText(_log, "");
            Shell = new LocalShell { PathPrefix = _fakes };
        }

        public string Root { get; }
        public LocalShell Shell { get; }

        /// <summary>A path under the root, e.g. Path("etc/etcd/conf.yml").</summary>
        public string Path(string relative) => System.IO.Path.Combine(Root, relative);

        /// <summary>
        /// Puts a fake <paramref name="command"/> first on PATH: it records "command [arg1] [arg2] ..." (see <see cref="Calls"/>),
        /// then runs <paramref name="body"/> (sh, with the arguments in "$@").
        /// </summary>
        public void Fake(string command, string body = "")
        {
            var file = System.IO.Path.Combine(_fakes, command);
            File.WriteAllText(file, $"#!/bin/sh\n{{ printf '%s' '{command}'; printf ' [%s]' \"$@\"; echo; }} >> '{_log}'\n{body}\n");
            MakeExecutable(file);
        }

        /// <summary>The fakes' calls so far, in order, as "systemctl [restart] [etcd]".</summary>
        public IReadOnlyList<string> Calls => File.ReadAllLines(_log);

        /// <summary>Writes a file under the root (directories made), with a mode when given.</summary>
        public string Write(string relative, string content, string? mode = null)
        {
            var path = Path(relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
            File.WriteAllText(path, content);
            if (mode != null) Run("chmod", mode, path);
            return path;
        }

        /// <summary>A fake etcd binary that says it is <paramref name="version"/>.</summary>
        public string FakeEtcd(string relative, string version)
        {
            var path = Write(relative, $"#!/bin/sh\necho 'etcd Version: {version}'\necho 'Git SHA: 0000000'\n");
            MakeExecutable(path);
            return path;
        }

        public Task<RemoteResult> RunAsync(string command, byte[]? input = null) => Shell.RunAsync(command, input, CancellationToken.None);

        /// <summary>What stat -c '%a %U %G' says of a path.</summary>
        public static string ModeAndOwner(string path) => Run("stat", "-c", "%a %U %G", path).Trim();

        public static string Run(string file, params string[] arguments)
        {
            var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in arguments) psi.ArgumentList.Add(a);
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEnd();
            p.WaitForExit();
            return output;
        }

        private static void MakeExecutable(string file) =>
            Run("chmod", "755", file);

        public void Dispose()
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, true);
        }
    }
}
