using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
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

    /// <summary>File operations on a host, by write-files.sh over one connection (through sudo when needed).</summary>
    internal static class RemoteFiles
    {
        /// <summary>
        /// Makes files on a host exactly as wanted (content, mode, owner) in one round trip, replacing only those
        /// that differ. Content travels on the command's stdin, never in the command line: a command line is readable
        /// by every user of the host (<c>ps -eo args</c>), and these files include private keys. Each file lands in a
        /// temp file in its own directory (mode 0600 from the first byte), is checked against its SHA-256, gets its
        /// owner and mode, and is renamed over the old one: a reader, or etcd restarting, never sees a half-written
        /// file, and an interrupted run leaves no temp file behind.
        /// <paramref name="before"/> and <paramref name="after"/> are commands (a remote script's command line) run
        /// in the same round trip; they must not read stdin. Their "changed: ..." lines come back in Other.
        /// </summary>
        public static async Task<(IReadOnlyList<RemoteFileChange> Files, IReadOnlyList<string> Other)> EnsureAsync(IRemoteHost host, IEnumerable<RemoteFile> files, CancellationToken cancellation,
            string? before = null, string? after = null)
        {
            var list = files.ToList();
            if (list.Count == 0 && string.IsNullOrEmpty(before) && string.IsNullOrEmpty(after))
                return (Array.Empty<RemoteFileChange>(), Array.Empty<string>());
            var command = RemoteScript.Sequence(before, list.Count == 0 ? null : Command(list), after);
            var input = list.Count == 0 ? null : Concat(list.Select(f => f.Content));
            try
            {
                var output = await host.RunCheckedAsync(command, list.Count == 0 ? "preparing the host" : "writing files", cancellation, input).ConfigureAwait(false);
                // File changes, and the "changed: ..." lines the commands before and after printed (account, service).
                var other = output.Split('\n').Where(l => l.StartsWith("changed: ", StringComparison.Ordinal)).Select(l => l.Substring(9).Trim()).ToList();
                return (ParseChanges(output).ToList(), other);
            }
            finally
            {
                if (input != null) Array.Clear(input, 0, input.Length);
            }
        }

        /// <summary>write-files.sh for these files: seven arguments each; their bytes go on stdin, in this order.</summary>
        internal static string Command(IEnumerable<RemoteFile> files) =>
            RemoteScript.WriteFiles.Command(files.SelectMany(f => new[]
            {
                f.Path, f.Mode, f.Owner, f.Group, f.Content.Length.ToString(CultureInfo.InvariantCulture), f.Sha256,
                f.KeepModificationTime ? "keep-time" : "new-time",
            }));

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
