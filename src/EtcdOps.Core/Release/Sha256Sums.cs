using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace EtcdOps.Release
{
    /// <summary>SHA-256 checksums the way sha256sum writes them: "&lt;hex&gt;  &lt;file&gt;" (or "&lt;hex&gt; *&lt;file&gt;").</summary>
    internal static class Sha256Sums
    {
        /// <summary>The checksum listed for <paramref name="fileName"/>, or null when the file has no valid line for it.</summary>
        public static string? Find(string content, string fileName)
        {
            foreach (var raw in content.Split('\n'))
            {
                var line = raw.Trim();
                var space = line.IndexOf(' ');
                if (space <= 0) continue;
                var hash = line.Substring(0, space);
                var name = line.Substring(space).TrimStart(' ', '*');
                if (name.StartsWith("./", StringComparison.Ordinal)) name = name.Substring(2);
                if (name == fileName && IsValid(hash)) return hash.ToLowerInvariant();
            }
            return null;
        }

        public static bool IsValid(string? hash)
        {
            if (hash == null || hash.Length != 64) return false;
            foreach (var c in hash)
                if (!Uri.IsHexDigit(c)) return false;
            return true;
        }

        /// <summary>Normalises a user-given checksum; refuses anything that is not 64 hex digits.</summary>
        public static string Normalize(string hash)
        {
            var trimmed = hash.Trim();
            if (!IsValid(trimmed))
                throw new EtcdOpsException(ErrorIds.InvalidSha256, FailureKind.InvalidArgument,
                    $"'{hash}' is not a SHA-256 checksum. Give the 64 hexadecimal digits from the release's SHA256SUMS file.", hash);
            return trimmed.ToLowerInvariant();
        }

        public static string Compute(string path)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var sha = SHA256.Create())
                return ToHex(sha.ComputeHash(stream));
        }

        public static string Compute(byte[] content)
        {
            using (var sha = SHA256.Create())
                return ToHex(sha.ComputeHash(content));
        }

        public static string ToHex(byte[] bytes)
        {
            var sb = new StringBuilder(bytes.Length * 2);
            foreach (var b in bytes) sb.Append(b.ToString("x2"));
            return sb.ToString();
        }

        public static string Line(string hash, string fileName) => $"{hash}  {fileName}\n";
    }
}
