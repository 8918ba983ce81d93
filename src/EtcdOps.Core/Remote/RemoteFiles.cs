using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>What a file on a host looks like now: content hash, mode and owner.</summary>
    public sealed class RemoteFileState
    {
        public RemoteFileState(string path, bool exists, string sha256 = "", string mode = "", string owner = "", string group = "")
        {
            Path = path; Exists = exists; Sha256 = sha256; Mode = mode; Owner = owner; Group = group;
        }

        public string Path { get; }
        public bool Exists { get; }
        public string Sha256 { get; }
        public string Mode { get; }
        public string Owner { get; }
        public string Group { get; }
    }

    /// <summary>A file EtcdOps wants on a host, exactly so.</summary>
    public sealed class RemoteFile
    {
        public RemoteFile(string path, byte[] content, string mode, string owner = "root", string group = "root")
        {
            Path = path; Content = content; Mode = mode; Owner = owner; Group = group;
        }

        public string Path { get; }
        public byte[] Content { get; }
        public string Mode { get; }
        public string Owner { get; }
        public string Group { get; }

        public string Sha256 => RemoteFiles.Sha256Hex(Content);

        public bool Matches(RemoteFileState state) =>
            state.Exists && state.Sha256 == Sha256 && state.Mode == Mode.TrimStart('0') && state.Owner == Owner && state.Group == Group;
    }

    /// <summary>File operations on a host, as shell scripts run over one connection (through sudo when needed).</summary>
    public static class RemoteFiles
    {
        public static string Sha256Hex(byte[] content)
        {
            using var sha = SHA256.Create();
            return BitConverter.ToString(sha.ComputeHash(content)).Replace("-", "").ToLowerInvariant();
        }

        /// <summary>Reads hash, mode and owner of many files in one round trip.</summary>
        public static async Task<IReadOnlyDictionary<string, RemoteFileState>> GetStateAsync(IRemoteHost host, IEnumerable<string> paths, CancellationToken cancellation)
        {
            var list = paths.Distinct().ToList();
            var script = new StringBuilder();
            foreach (var p in list)
            {
                var q = RemoteHostExtensions.Quote(p);
                script.Append($"if [ -f {q} ]; then printf '%s %s\\n' \"$(sha256sum < {q} | cut -d' ' -f1)\" \"$(stat -c '%a %U %G' {q})\"; else echo missing; fi\n");
            }
            var output = await host.RunCheckedAsync(script.ToString(), "reading file state", cancellation).ConfigureAwait(false);
            var lines = output.Split(new[] { '\n' }, StringSplitOptions.RemoveEmptyEntries);
            var result = new Dictionary<string, RemoteFileState>();
            for (var i = 0; i < list.Count; i++)
            {
                var fields = i < lines.Length ? lines[i].Trim().Split(' ') : new[] { "missing" };
                result[list[i]] = fields.Length == 4
                    ? new RemoteFileState(list[i], true, fields[0], fields[1], fields[2], fields[3])
                    : new RemoteFileState(list[i], false);
            }
            return result;
        }

        /// <summary>
        /// Writes a file atomically: content to a temp name in the same directory (mode and owner set before
        /// the rename), then rename. A reader, or etcd restarting, never sees a half-written file.
        /// </summary>
        public static Task WriteAsync(IRemoteHost host, RemoteFile file, CancellationToken cancellation)
        {
            var q = RemoteHostExtensions.Quote(file.Path);
            var mode = file.Mode.ToString(CultureInfo.InvariantCulture);
            var script =
                "set -e\n" +
                $"dir=$(dirname {q}); mkdir -p \"$dir\"\n" +
                $"tmp=$(mktemp \"$dir/.etcdops.XXXXXX\")\n" +
                // Interrupted (Ctrl+C ends the SSH command with a signal) or failed: never leave the temp file.
                "trap 'rm -f \"$tmp\"' EXIT; trap 'exit 1' INT TERM HUP PIPE\n" +
                $"chmod {mode} \"$tmp\"; chown {file.Owner}:{file.Group} \"$tmp\"\n" +
                "cat > \"$tmp\"\n" +
                $"[ \"$(sha256sum < \"$tmp\" | cut -d' ' -f1)\" = {file.Sha256} ] || {{ echo 'content arrived damaged' >&2; exit 1; }}\n" +
                $"mv -f \"$tmp\" {q}\n" +
                "trap - EXIT\n";
            return host.RunCheckedAsync(script, $"writing {file.Path}", cancellation, file.Content);
        }
    }
}
