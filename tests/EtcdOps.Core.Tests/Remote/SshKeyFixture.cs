using System;
using System.Diagnostics;
using System.IO;
using System.Security;

namespace EtcdOps.Tests.Remote
{
    /// <summary>Keys made by the real ssh-keygen (openssh-client) in a temp directory, removed afterwards.</summary>
    public sealed class SshKeyFixture : IDisposable
    {
        public SshKeyFixture()
        {
            Directory = Path.Combine(Path.GetTempPath(), "etcdops-sshkeys-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            System.IO.Directory.CreateDirectory(Directory);
        }

        public string Directory { get; }

        /// <summary>A new key: ssh-keygen -t <paramref name="type"/> -N <paramref name="passphrase"/> [-m format].</summary>
        public string Make(string name, string type, string passphrase, string? format = null)
        {
            var path = Path.Combine(Directory, name);
            var args = $"-q -t {type} -N \"{passphrase}\" -C {name} -f \"{path}\"" + (type == "rsa" ? " -b 2048" : "") + (format != null ? $" -m {format}" : "");
            Run("ssh-keygen", args);
            return path;
        }

        public static string Run(string file, string args, params (string Name, string Value)[] env)
        {
            var start = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            foreach (var (n, v) in env) start.Environment[n] = v;
            using var p = Process.Start(start)!;
            var output = p.StandardOutput.ReadToEnd() + p.StandardError.ReadToEnd();
            p.WaitForExit();
            if (p.ExitCode != 0) throw new InvalidOperationException($"{file} {args} failed ({p.ExitCode}): {output}");
            return output;
        }

        public static SecureString Secure(string text)
        {
            var s = new SecureString();
            foreach (var c in text) s.AppendChar(c);
            s.MakeReadOnly();
            return s;
        }

        public void Dispose()
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        }
    }
}
