using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Text;

namespace EtcdOps.Release
{
    /// <summary>
    /// Proves that a verified archive really is an etcd release before it is cached or sent to a host: a matching
    /// checksum only says the file is what the source published, not that the source published etcd. Reads the
    /// tar headers inside the gzip stream (ustar, GNU long names, pax paths); the contents are never unpacked.
    /// </summary>
    internal static class ReleaseArchiveInspector
    {
        private const int Block = 512;

        /// <summary>The binaries a host cannot run etcd without (etcdutl is optional: 3.4 has none).</summary>
        private static readonly string[] Required = { "etcd", "etcdctl" };

        public static void Check(string archivePath, EtcdVersion version, string architecture, string source)
        {
            var folder = $"etcd-v{version}-linux-{architecture}/";
            IReadOnlyList<TarEntry> entries;
            try
            {
                using var file = new FileStream(archivePath, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
                entries = List(file);
            }
            catch (Exception ex) when (ex is InvalidDataException || ex is EndOfStreamException)
            {
                throw NotEtcd(source, version, architecture, $"it is not a gzip-compressed tar archive ({ex.Message})", ex);
            }
            var missing = Required.Where(b => !entries.Any(e => e.IsFile && e.Name.TrimStart('.', '/') == folder + b)).ToList();
            if (missing.Count > 0)
            {
                var found = entries.Count == 0 ? "it holds no files" : "it holds " + string.Join(", ", entries.Take(5).Select(e => e.Name)) + (entries.Count > 5 ? ", ..." : "");
                throw NotEtcd(source, version, architecture, $"{string.Join(" and ", missing.Select(m => folder + m))} {(missing.Count == 1 ? "is" : "are")} missing; {found}", null);
            }
        }

        private static EtcdOpsException NotEtcd(string source, EtcdVersion version, string architecture, string why, Exception? inner) =>
            new EtcdOpsException(ErrorIds.ReleaseArchiveNotEtcd, FailureKind.InvalidData,
                $"{source} matches its checksum but is not an etcd v{version} linux-{architecture} release: {why}. Nothing was cached and no host was touched. " +
                "Check the mirror (-BaseUrl) or the file (-ArchivePath): it must be the archive published on etcd's release page.", source, inner);

        internal sealed class TarEntry
        {
            public TarEntry(string name, char type, long size) { Name = name; Type = type; Size = size; }
            public string Name { get; }
            public char Type { get; }
            public long Size { get; }
            public bool IsFile => Type == '0' || Type == '\0' || Type == '7';
        }

        /// <summary>The entries of a gzip-compressed tar stream, in order.</summary>
        internal static IReadOnlyList<TarEntry> List(Stream compressed)
        {
            var entries = new List<TarEntry>();
            using var tar = new GZipStream(compressed, CompressionMode.Decompress, leaveOpen: true);
            var header = new byte[Block];
            string? longName = null;
            while (true)
            {
                if (!ReadExactly(tar, header, allowEnd: entries.Count > 0 || longName != null)) break;
                if (header.All(b => b == 0)) break;   // end of archive
                if (!ChecksumMatches(header)) throw new InvalidDataException("a tar header's checksum does not match");
                var type = (char)header[156];
                var size = ReadSize(header);
                var name = longName ?? HeaderName(header);
                longName = null;
                switch (type)
                {
                    case 'L':   // GNU long name: the data is the next entry's name
                        longName = Encoding.UTF8.GetString(ReadData(tar, size)).TrimEnd('\0');
                        continue;
                    case 'x':   // pax extended header: a path= record renames the next entry
                        longName = PaxPath(ReadData(tar, size));
                        continue;
                    case 'g':   // pax global header: nothing this check needs
                        Skip(tar, size);
                        continue;
                }
                entries.Add(new TarEntry(name, type, size));
                Skip(tar, size);
            }
            return entries;
        }

        private static string HeaderName(byte[] header)
        {
            var name = Text(header, 0, 100);
            var ustar = Text(header, 257, 6).StartsWith("ustar", StringComparison.Ordinal);
            var prefix = ustar ? Text(header, 345, 155) : "";
            return prefix.Length > 0 ? prefix + "/" + name : name;
        }

        private static string Text(byte[] b, int offset, int length)
        {
            var end = Array.IndexOf(b, (byte)0, offset, length);
            return Encoding.UTF8.GetString(b, offset, (end < 0 ? offset + length : end) - offset);
        }

        /// <summary>Octal digits, or GNU base-256 (high bit set) for sizes past 8 GiB.</summary>
        private static long ReadSize(byte[] header)
        {
            if ((header[124] & 0x80) != 0)
            {
                long v = header[124] & 0x7f;
                for (var i = 125; i < 136; i++) v = (v << 8) | header[i];
                return v;
            }
            var text = Text(header, 124, 12).Trim(' ', '\0');
            if (text.Length == 0) return 0;
            try { return Convert.ToInt64(text, 8); }
            catch (FormatException) { throw new InvalidDataException($"a tar header's size '{text}' is not octal"); }
        }

        private static bool ChecksumMatches(byte[] header)
        {
            var stored = Text(header, 148, 8).Trim(' ', '\0');
            if (stored.Length == 0) return false;
            long sum = 0;
            for (var i = 0; i < Block; i++) sum += i >= 148 && i < 156 ? (byte)' ' : header[i];
            try { return Convert.ToInt64(stored, 8) == sum; }
            catch (FormatException) { return false; }
        }

        private static string? PaxPath(byte[] data)
        {
            // Records are "<length> <key>=<value>\n".
            foreach (var record in Encoding.UTF8.GetString(data).Split('\n'))
            {
                var space = record.IndexOf(' ');
                if (space < 0) continue;
                var kv = record.Substring(space + 1);
                if (kv.StartsWith("path=", StringComparison.Ordinal)) return kv.Substring(5);
            }
            return null;
        }

        private static byte[] ReadData(Stream s, long size)
        {
            if (size > 1 << 20) throw new InvalidDataException("a tar extended header is implausibly large");
            var padded = new byte[(size + Block - 1) / Block * Block];
            ReadExactly(s, padded, allowEnd: false);
            return padded.Take((int)size).ToArray();
        }

        private static void Skip(Stream s, long size)
        {
            var remaining = (size + Block - 1) / Block * Block;
            var buffer = new byte[64 * 1024];
            while (remaining > 0)
            {
                var read = s.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0) throw new EndOfStreamException("the archive ends inside a file");
                remaining -= read;
            }
        }

        private static bool ReadExactly(Stream s, byte[] buffer, bool allowEnd)
        {
            var total = 0;
            while (total < buffer.Length)
            {
                var read = s.Read(buffer, total, buffer.Length - total);
                if (read == 0)
                {
                    if (total == 0 && allowEnd) return false;
                    throw new EndOfStreamException("the archive ends inside a tar header");
                }
                total += read;
            }
            return true;
        }
    }
}
