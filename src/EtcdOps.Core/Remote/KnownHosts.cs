using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace EtcdOps.Remote
{
    /// <summary>How a host key that is not (yet) in known_hosts is treated.</summary>
    public enum HostKeyPolicy
    {
        /// <summary>Only hosts whose key is in known_hosts are trusted (OpenSSH StrictHostKeyChecking=yes).</summary>
        Strict,
        /// <summary>Unknown hosts are trusted and recorded; a changed key is still refused (accept-new).</summary>
        AcceptNew,
        /// <summary>Any key is trusted. Only for throw-away labs: it makes man-in-the-middle attacks invisible.</summary>
        Ignore,
    }

    internal enum HostKeyVerdict { Trusted, Unknown, Changed, Revoked }

    /// <summary>
    /// OpenSSH known_hosts: plain and hashed (|1|salt|hmac) host names, [host]:port entries, wildcards,
    /// negation and @revoked markers. @cert-authority lines are skipped (host certificates are not used here).
    /// </summary>
    internal sealed class KnownHosts
    {
        private readonly List<Entry> _entries = new List<Entry>();

        public KnownHosts(string? path)
        {
            Path = path;
            if (path != null && File.Exists(path))
                foreach (var line in File.ReadAllLines(path)) Parse(line);
        }

        public string? Path { get; }

        public static KnownHosts FromText(string text)
        {
            var k = new KnownHosts(null);
            foreach (var line in text.Split('\n')) k.Parse(line.TrimEnd('\r'));
            return k;
        }

        /// <summary>The name OpenSSH looks up: "host" on port 22, "[host]:port" otherwise.</summary>
        public static string LookupName(string host, int port) => port == 22 ? host : $"[{host}]:{port}";

        /// <summary>Key types known for a host, to prefer them in negotiation as OpenSSH does.</summary>
        public IReadOnlyList<string> KnownKeyTypes(string host, int port)
        {
            var name = LookupName(host, port);
            return _entries.Where(e => !e.Revoked && e.Matches(name)).Select(e => e.KeyType).Distinct().ToList();
        }

        public HostKeyVerdict Check(string host, int port, string keyType, byte[] key)
        {
            var name = LookupName(host, port);
            var blob = Convert.ToBase64String(key);
            var matching = _entries.Where(e => e.Matches(name)).ToList();
            if (_entries.Any(e => e.Revoked && e.KeyBase64 == blob)) return HostKeyVerdict.Revoked;
            if (matching.Any(e => !e.Revoked && e.KeyType == keyType && e.KeyBase64 == blob)) return HostKeyVerdict.Trusted;
            return matching.Any(e => !e.Revoked) ? HostKeyVerdict.Changed : HostKeyVerdict.Unknown;
        }

        /// <summary>Appends a plain entry (as ssh's accept-new does) and remembers it.</summary>
        public void Add(string host, int port, string keyType, byte[] key)
        {
            var line = $"{LookupName(host, port)} {keyType} {Convert.ToBase64String(key)}";
            if (Path != null)
            {
                var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(Path))!;
                Directory.CreateDirectory(dir);
                var prefix = File.Exists(Path) && !File.ReadAllText(Path).EndsWith("\n", StringComparison.Ordinal) && new FileInfo(Path).Length > 0 ? "\n" : "";
                File.AppendAllText(Path, prefix + line + "\n");
            }
            Parse(line);
        }

        /// <summary>SHA256 fingerprint as OpenSSH prints it (SHA256:base64, no padding).</summary>
        public static string Fingerprint(byte[] key)
        {
            using var sha = SHA256.Create();
            return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(key)).TrimEnd('=');
        }

        private void Parse(string line)
        {
            var text = line.Trim();
            if (text.Length == 0 || text.StartsWith("#", StringComparison.Ordinal)) return;
            var parts = Regex.Split(text, @"\s+");
            var revoked = false;
            if (parts[0].StartsWith("@", StringComparison.Ordinal))
            {
                if (parts[0] == "@revoked") revoked = true;
                else return;
                parts = parts.Skip(1).ToArray();
            }
            if (parts.Length < 3) return;
            try { Convert.FromBase64String(parts[2]); }
            catch (FormatException) { return; }
            _entries.Add(new Entry(parts[0], parts[1], parts[2], revoked));
        }

        private sealed class Entry
        {
            private readonly string _hosts;

            public Entry(string hosts, string keyType, string keyBase64, bool revoked)
            {
                _hosts = hosts; KeyType = keyType; KeyBase64 = keyBase64; Revoked = revoked;
            }

            public string KeyType { get; }
            public string KeyBase64 { get; }
            public bool Revoked { get; }

            public bool Matches(string name)
            {
                if (_hosts.StartsWith("|1|", StringComparison.Ordinal)) return HashedMatches(name);
                var matched = false;
                foreach (var pattern in _hosts.Split(','))
                {
                    var negate = pattern.StartsWith("!", StringComparison.Ordinal);
                    var p = negate ? pattern.Substring(1) : pattern;
                    if (!Wildcard(p, name)) continue;
                    if (negate) return false;
                    matched = true;
                }
                return matched;
            }

            private bool HashedMatches(string name)
            {
                var fields = _hosts.Split('|');   // "", "1", salt, hash
                if (fields.Length != 4) return false;
                try
                {
                    using var hmac = new HMACSHA1(Convert.FromBase64String(fields[2]));
                    var hash = hmac.ComputeHash(Encoding.ASCII.GetBytes(name));
                    return Convert.ToBase64String(hash) == fields[3];
                }
                catch (FormatException) { return false; }
            }

            private static bool Wildcard(string pattern, string name) =>
                Regex.IsMatch(name, "^" + Regex.Escape(pattern).Replace(@"\*", ".*").Replace(@"\?", ".") + "$", RegexOptions.IgnoreCase);
        }
    }
}
