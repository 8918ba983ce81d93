using System;
using System.IO;
using System.Runtime.InteropServices;

namespace EtcdOps.Release
{
    /// <summary>
    /// The local store of verified release archives: &lt;root&gt;/v&lt;version&gt;/etcd-v&lt;version&gt;-linux-&lt;arch&gt;.tar.gz,
    /// each with a ".sha256" file beside it that records the verified checksum and the source. An archive is
    /// only ever moved in after verification, so anything found here with a matching sidecar was verified.
    /// </summary>
    internal sealed class EtcdReleaseCache
    {
        private const string SidecarSuffix = ".sha256";
        private const string SourcePrefix = "# source: ";

        public EtcdReleaseCache(string? root = null)
        {
            Root = Path.GetFullPath(string.IsNullOrEmpty(root) ? DefaultRoot() : root);
        }

        public string Root { get; }

        /// <summary>Per user: $XDG_CACHE_HOME/EtcdOps/releases or ~/.cache/EtcdOps/releases on Unix, %LOCALAPPDATA%\EtcdOps\releases on Windows.</summary>
        public static string DefaultRoot()
        {
            if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "EtcdOps", "releases");
            var xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            var baseDir = !string.IsNullOrEmpty(xdg) && Path.IsPathRooted(xdg)
                ? xdg!
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
            return Path.Combine(baseDir, "EtcdOps", "releases");
        }

        public string ArchivePath(EtcdVersion version, string architecture) =>
            Path.Combine(Root, "v" + version, EtcdReleaseSource.ArchiveName(version, architecture));

        /// <summary>
        /// The cached archive if it is there and still matches the checksum recorded when it was verified
        /// (and <paramref name="expectedSha256"/>, when given); otherwise null.
        /// </summary>
        public EtcdRelease? TryGet(EtcdVersion version, string architecture, string? expectedSha256 = null)
        {
            var path = ArchivePath(version, architecture);
            var sidecar = path + SidecarSuffix;
            if (!File.Exists(path) || !File.Exists(sidecar)) return null;
            var lines = File.ReadAllText(sidecar);
            var recorded = Sha256Sums.Find(lines, Path.GetFileName(path));
            if (recorded == null) return null;
            if (expectedSha256 != null && recorded != expectedSha256) return null;
            // Re-hash: a cache that was altered on disk must not be trusted.
            if (Sha256Sums.Compute(path) != recorded) return null;
            return new EtcdRelease
            {
                Version = version.ToString(),
                Architecture = architecture,
                ArchivePath = path,
                Sha256 = recorded,
                Source = ReadSource(lines) ?? path,
                FromCache = true,
                Length = new FileInfo(path).Length,
            };
        }

        /// <summary>A temporary file in the version's cache folder (same file system, so the final move is a rename).</summary>
        internal string NewTempPath(EtcdVersion version, string architecture)
        {
            var final = ArchivePath(version, architecture);
            var dir = Path.GetDirectoryName(final)!;
            Directory.CreateDirectory(dir);
            return Path.Combine(dir, "." + Path.GetFileName(final) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial");
        }

        /// <summary>Moves a verified temporary file into the cache and records its checksum and source.</summary>
        internal EtcdRelease Commit(string tempPath, EtcdVersion version, string architecture, string sha256, string source)
        {
            var final = ArchivePath(version, architecture);
            AtomicFile.WriteAllText(final + SidecarSuffix, Sha256Sums.Line(sha256, Path.GetFileName(final)) + SourcePrefix + source + "\n");
            AtomicFile.MoveOver(tempPath, final);
            return new EtcdRelease
            {
                Version = version.ToString(),
                Architecture = architecture,
                ArchivePath = final,
                Sha256 = sha256,
                Source = source,
                FromCache = false,
                Length = new FileInfo(final).Length,
            };
        }

        private static string? ReadSource(string sidecar)
        {
            foreach (var line in sidecar.Split('\n'))
                if (line.StartsWith(SourcePrefix, StringComparison.Ordinal)) return line.Substring(SourcePrefix.Length).Trim();
            return null;
        }
    }
}
