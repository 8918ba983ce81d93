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
    public sealed class RemoteFileChange
    {
        public RemoteFileChange(string path, bool contentChanged)
        {
            Path = path; ContentChanged = contentChanged;
        }

        public string Path { get; }
        public bool ContentChanged { get; }
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

        public string Sha256 => Sha256Sums.Compute(Content);

        /// <summary>What <c>sha256sum</c> and <c>stat -c '%a %U %G'</c> print for the file when it is as wanted.</summary>
        public string Fingerprint => $"{Sha256} {Mode.TrimStart('0')} {Owner} {Group}";
    }

    /// <summary>File operations on a host, as shell scripts run over one connection (through sudo when needed).</summary>
    public static class RemoteFiles
    {
        private const int MaxScriptBytes = 64 * 1024;   // one argument to sh -c; Linux allows 128 KiB

        /// <summary>
        /// Makes files on a host exactly as wanted (content, mode, owner) in as few round trips as possible, writing
        /// only those that differ. Each is written to a temp name in its own directory (mode and owner set before
        /// the content arrives), checked against its SHA-256, then renamed over the old one: a reader, or etcd
        /// restarting, never sees a half-written file, and an interrupted run leaves no temp file behind.
        /// <paramref name="onChange"/> adds shell commands to run when a given path had to be written.
        /// </summary>
        public static async Task<(IReadOnlyList<RemoteFileChange> Files, IReadOnlyList<string> Other)> EnsureAsync(IRemoteHost host, IEnumerable<RemoteFile> files, CancellationToken cancellation,
            string prologue = "", string epilogue = "", IDictionary<string, string>? onChange = null)
        {
            var changes = new List<RemoteFileChange>();
            var other = new List<string>();
            var batch = new StringBuilder(Header + prologue);
            var list = files.ToList();
            for (var i = 0; i < list.Count; i++)
            {
                string? extra = null;
                onChange?.TryGetValue(list[i].Path, out extra);
                batch.Append(EnsureScript(list[i], extra));
                var last = i == list.Count - 1;
                if (!last && batch.Length < MaxScriptBytes) continue;
                if (last) batch.Append(epilogue);
                Collect(await host.RunCheckedAsync(batch.ToString(), "writing files", cancellation).ConfigureAwait(false));
                batch.Clear().Append(Header);
            }
            if (list.Count == 0 && (prologue.Length > 0 || epilogue.Length > 0))
                Collect(await host.RunCheckedAsync(Header + prologue + epilogue, "preparing the host", cancellation).ConfigureAwait(false));
            return (changes, other);

            // File changes, and the "changed: ..." lines a prologue or epilogue printed (account, service).
            void Collect(string output)
            {
                changes.AddRange(ParseChanges(output));
                other.AddRange(output.Split('\n').Where(l => l.StartsWith("changed: ", StringComparison.Ordinal)).Select(l => l.Substring(9).Trim()));
            }
        }

        private const string Header =
            "set -e\n" +
            // Interrupted (Ctrl+C ends the SSH command with a signal) or failed: never leave a temp file.
            "tmp=\ntrap '[ -z \"$tmp\" ] || rm -f \"$tmp\"' EXIT; trap 'exit 1' INT TERM HUP PIPE\n";

        internal static string EnsureScript(RemoteFile file, string? onChange = null)
        {
            var q = RemoteHostExtensions.Quote(file.Path);
            var b64 = Convert.ToBase64String(file.Content, Base64FormattingOptions.InsertLineBreaks).Replace("\r\n", "\n");
            return
                $"p={q}\n" +
                "cur=\"$(sha256sum 2>/dev/null < \"$p\" | cut -d' ' -f1) $(stat -c '%a %U %G' \"$p\" 2>/dev/null || true)\"\n" +
                $"if [ \"$cur\" != '{file.Fingerprint}' ]; then\n" +
                "  d=$(dirname \"$p\"); mkdir -p \"$d\"; tmp=$(mktemp \"$d/.etcdops.XXXXXX\")\n" +
                $"  chmod {file.Mode} \"$tmp\"; chown {file.Owner}:{file.Group} \"$tmp\"\n" +
                "  base64 -d > \"$tmp\" <<'ETCDOPS_EOF'\n" + b64 + "\nETCDOPS_EOF\n" +
                $"  [ \"$(sha256sum < \"$tmp\" | cut -d' ' -f1)\" = '{file.Sha256}' ] || {{ echo \"$p: content arrived damaged\" >&2; exit 1; }}\n" +
                "  mv -f \"$tmp\" \"$p\"; tmp=\n" +
                $"  case \"$cur\" in '{file.Sha256} '*) echo \"changed-meta: $p\" ;; *) echo \"changed-content: $p\" ;; esac\n" +
                (onChange == null ? "" : "  " + onChange + "\n") +
                "fi\n";
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
