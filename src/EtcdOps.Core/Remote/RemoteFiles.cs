using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>A file that <see cref="RemoteFiles.EnsureAsync"/> had to write, and whether its content (not only mode or owner) changed.</summary>
    internal sealed class RemoteFileChange
    {
        public RemoteFileChange(string path, bool contentChanged)
        {
            Path = path; ContentChanged = contentChanged;
        }

        public string Path { get; }
        public bool ContentChanged { get; }
    }

    /// <summary>A file EtcdOps wants on a host, exactly so.</summary>
    internal sealed class RemoteFile
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

        /// <summary>
        /// Keep the old file's modification time when replacing it: for a rewrite that does not change what the
        /// running process uses (the initial-cluster-state flip), so a later run does not take it for a change
        /// that still needs a restart.
        /// </summary>
        public bool KeepModificationTime { get; set; }

        public string Sha256 => Sha256Sums.Compute(Content);

        /// <summary>What <c>sha256sum</c> and <c>stat -c '%a %U %G'</c> print for the file when it is as wanted.</summary>
        public string Fingerprint => $"{Sha256} {Mode.TrimStart('0')} {Owner} {Group}";
    }

    /// <summary>File operations on a host, as shell scripts run over one connection (through sudo when needed).</summary>
    internal static class RemoteFiles
    {
        /// <summary>
        /// Makes files on a host exactly as wanted (content, mode, owner) in one round trip, replacing only those
        /// that differ. Content travels on the command's stdin, never in the script: a command line is readable by
        /// every user of the host (<c>ps -eo args</c>), and these files include private keys. Each file lands in a
        /// temp file in its own directory (mode 0600 from the first byte), is checked against its SHA-256, gets its
        /// owner and mode, and is renamed over the old one: a reader, or etcd restarting, never sees a half-written
        /// file, and an interrupted run leaves no temp file behind.
        /// <paramref name="onChange"/> adds shell commands to run when a given path had to be written.
        /// </summary>
        public static async Task<(IReadOnlyList<RemoteFileChange> Files, IReadOnlyList<string> Other)> EnsureAsync(IRemoteHost host, IEnumerable<RemoteFile> files, CancellationToken cancellation,
            string prologue = "", string epilogue = "", IDictionary<string, string>? onChange = null)
        {
            var list = files.ToList();
            if (list.Count == 0 && prologue.Length == 0 && epilogue.Length == 0)
                return (Array.Empty<RemoteFileChange>(), Array.Empty<string>());
            var script = new StringBuilder(Header + prologue);
            foreach (var file in list)
            {
                string? extra = null;
                onChange?.TryGetValue(file.Path, out extra);
                script.Append(EnsureScript(file, extra));
            }
            script.Append(epilogue);
            var input = list.Count == 0 ? null : Concat(list.Select(f => f.Content));
            try
            {
                var output = await host.RunCheckedAsync(script.ToString(), list.Count == 0 ? "preparing the host" : "writing files", cancellation, input).ConfigureAwait(false);
                // File changes, and the "changed: ..." lines a prologue or epilogue printed (account, service).
                var other = output.Split('\n').Where(l => l.StartsWith("changed: ", StringComparison.Ordinal)).Select(l => l.Substring(9).Trim()).ToList();
                return (ParseChanges(output).ToList(), other);
            }
            finally
            {
                if (input != null) Array.Clear(input, 0, input.Length);
            }
        }

        private const string Header =
            "set -e\n" +
            // Nothing this script creates is readable by others, even for a moment.
            "umask 077\n" +
            // Interrupted (Ctrl+C ends the SSH command with a signal) or failed: never leave a temp file.
            "tmp=\ntrap '[ -z \"$tmp\" ] || rm -f \"$tmp\"' EXIT; trap 'exit 1' INT TERM HUP PIPE\n";

        /// <summary>
        /// The script for one file. It always reads the file's bytes from stdin (exactly <c>Content.Length</c>, so
        /// the next file's script finds its own bytes next), then keeps or drops them.
        /// </summary>
        internal static string EnsureScript(RemoteFile file, string? onChange = null)
        {
            var q = RemoteHostExtensions.Quote(file.Path);
            return
                $"p={q}\n" +
                "d=$(dirname \"$p\"); mkdir -p \"$d\"; tmp=$(mktemp \"$d/.etcdops.XXXXXX\")\n" +
                $"head -c {file.Content.Length.ToString(CultureInfo.InvariantCulture)} > \"$tmp\"\n" +
                $"[ \"$(sha256sum < \"$tmp\" | cut -d' ' -f1)\" = '{file.Sha256}' ] || {{ echo \"$p: content arrived damaged\" >&2; exit 1; }}\n" +
                "cur=\"$(sha256sum 2>/dev/null < \"$p\" | cut -d' ' -f1) $(stat -c '%a %U %G' \"$p\" 2>/dev/null || true)\"\n" +
                $"if [ \"$cur\" = '{file.Fingerprint}' ]; then rm -f \"$tmp\"; tmp=\n" +
                "else\n" +
                $"  chown {file.Owner}:{file.Group} \"$tmp\"; chmod {file.Mode} \"$tmp\"\n" +
                (file.KeepModificationTime ? "  [ ! -e \"$p\" ] || touch -r \"$p\" \"$tmp\"\n" : "") +
                "  mv -f \"$tmp\" \"$p\"; tmp=\n" +
                $"  case \"$cur\" in '{file.Sha256} '*) echo \"changed-meta: $p\" ;; *) echo \"changed-content: $p\" ;; esac\n" +
                (onChange == null ? "" : "  " + onChange + "\n") +
                "fi\n";
        }

        private static byte[] Concat(IEnumerable<byte[]> parts)
        {
            var all = parts.ToList();
            var result = new byte[all.Sum(p => p.Length)];
            var offset = 0;
            foreach (var part in all)
            {
                Buffer.BlockCopy(part, 0, result, offset, part.Length);
                offset += part.Length;
            }
            return result;
        }

        private static IEnumerable<RemoteFileChange> ParseChanges(string output)
        {
            foreach (var line in output.Split('\n'))
            {
                if (line.StartsWith("changed-content: ", StringComparison.Ordinal)) yield return new RemoteFileChange(line.Substring(17).Trim(), true);
                else if (line.StartsWith("changed-meta: ", StringComparison.Ordinal)) yield return new RemoteFileChange(line.Substring(14).Trim(), false);
            }
        }
    }
}
