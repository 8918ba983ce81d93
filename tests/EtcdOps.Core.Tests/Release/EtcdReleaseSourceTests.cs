using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Release
{
    /// <summary>An in-memory mirror: serves the files it was given, 404 for anything else, and counts requests.</summary>
    internal sealed class FakeMirror : HttpMessageHandler
    {
        public Dictionary<string, byte[]> Files { get; } = new Dictionary<string, byte[]>();
        public ConcurrentQueue<string> Requests { get; } = new ConcurrentQueue<string>();
        public Func<string, HttpResponseMessage?>? Respond { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var path = request.RequestUri!.AbsolutePath;
            Requests.Enqueue(path);
            var custom = Respond?.Invoke(path);
            if (custom != null) return Task.FromResult(custom);
            if (!Files.TryGetValue(path, out var body)) return Task.FromResult(new HttpResponseMessage(HttpStatusCode.NotFound));
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(body) });
        }

        public int Count(string path) => Requests.Count(r => r == path);
    }

    /// <summary>Sends a first chunk, then waits for cancellation: a download in progress when Ctrl+C comes.</summary>
    internal sealed class StallingStream : MemoryStream
    {
        private bool _sent;

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            if (!_sent) { _sent = true; return 1000; }
            await Task.Delay(Timeout.Infinite, cancellationToken);
            return 0;
        }
    }

    /// <summary>Real gzip-compressed tar archives, shaped like etcd's releases or not.</summary>
    internal static class TestArchive
    {
        public static byte[] Etcd(string version, string arch, params string[] binaries) =>
            Make($"etcd-v{version}-linux-{arch}/", binaries.Length == 0 ? new[] { "etcd", "etcdctl", "etcdutl", "README.md" } : binaries);

        public static byte[] Make(string folder, IEnumerable<string> files)
        {
            using var buffer = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            using (var tar = new System.Formats.Tar.TarWriter(gz, System.Formats.Tar.TarEntryFormat.Gnu))
            {
                tar.WriteEntry(new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.Directory, folder));
                foreach (var f in files)
                {
                    var body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(f + " bytes ", 4000)));
                    tar.WriteEntry(new System.Formats.Tar.GnuTarEntry(System.Formats.Tar.TarEntryType.RegularFile, folder + f) { DataStream = new MemoryStream(body) });
                }
            }
            return buffer.ToArray();
        }
    }

    public sealed class EtcdReleaseSourceTests : IDisposable
    {
        private const string Base = "http://mirror.test/etcd";
        private static readonly EtcdVersion V3516 = EtcdVersion.Parse("3.5.16");
        private const string Name = "etcd-v3.5.16-linux-amd64.tar.gz";
        private const string ArchivePathOnMirror = "/etcd/v3.5.16/" + Name;
        private const string SumsPathOnMirror = "/etcd/v3.5.16/SHA256SUMS";

        private readonly string _dir = Path.Combine(Path.GetTempPath(), "etcdops-release-" + Guid.NewGuid().ToString("N").Substring(0, 8));
        private readonly byte[] _archive = TestArchive.Etcd("3.5.16", "amd64");
        private readonly string _sha;
        private readonly FakeMirror _mirror = new FakeMirror();
        private readonly EtcdReleaseCache _cache;

        public EtcdReleaseSourceTests()
        {
            using (var sha = SHA256.Create()) _sha = Sha256Sums.ToHex(sha.ComputeHash(_archive));
            _cache = new EtcdReleaseCache(Path.Combine(_dir, "cache"));
            _mirror.Files[ArchivePathOnMirror] = _archive;
            _mirror.Files[SumsPathOnMirror] = Encoding.ASCII.GetBytes($"{new string('c', 64)}  etcd-v3.5.16-linux-arm64.tar.gz\n{_sha}  {Name}\n");
        }

        public void Dispose()
        {
            _mirror.Dispose();
            if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
        }

        private string[] CachedFiles() =>
            Directory.Exists(_cache.Root) ? Directory.GetFiles(_cache.Root, "*", SearchOption.AllDirectories) : new string[0];

        private Task<EtcdRelease> Get(string? sha = null, bool force = false, TransferProgress? progress = null, CancellationToken token = default)
        {
            var source = new EtcdReleaseSource(_mirror);
            return source.GetAsync(V3516, "amd64", Base, sha, _cache, force, progress, token);
        }

        [Fact]
        public async Task AnArchiveCachedFromOneMirrorIsNotReturnedForAnotherThatPublishesADifferentOne()
        {
            var a = await Get();
            Assert.False(a.FromCache);
            // Mirror B: same version, another archive, and its own SHA256SUMS for it.
            var other = TestArchive.Etcd("3.5.16", "amd64", "etcd", "etcdctl");
            string otherSha;
            using (var sha = SHA256.Create()) otherSha = Sha256Sums.ToHex(sha.ComputeHash(other));
            var mirrorB = new FakeMirror();
            mirrorB.Files["/b/v3.5.16/" + Name] = other;
            mirrorB.Files["/b/v3.5.16/SHA256SUMS"] = Encoding.ASCII.GetBytes($"{otherSha}  {Name}\n");
            var b = await new EtcdReleaseSource(mirrorB).GetAsync(V3516, "amd64", "http://b.test/b", null, _cache, false, null, CancellationToken.None);
            Assert.False(b.FromCache);
            Assert.Equal(otherSha, b.Sha256);
            Assert.Equal("http://b.test/b/v3.5.16/" + Name, b.Source);

            // Mirror C lies: its SHA256SUMS names a checksum its archive does not have. The cached archive does not stand in.
            var mirrorC = new FakeMirror();
            mirrorC.Files["/c/v3.5.16/" + Name] = other;
            mirrorC.Files["/c/v3.5.16/SHA256SUMS"] = Encoding.ASCII.GetBytes($"{new string('d', 64)}  {Name}\n");
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => new EtcdReleaseSource(mirrorC).GetAsync(V3516, "amd64", "http://c.test/c", null, _cache, false, null, CancellationToken.None));
            Assert.Equal("ReleaseChecksumMismatch", ex.ErrorId);
        }

        [Theory]
        [InlineData("not a tar at all")]
        [InlineData("wrong folder")]
        [InlineData("no etcdctl")]
        public async Task AnArchiveThatMatchesItsChecksumButIsNotEtcdIsRefusedAndNotCached(string kind)
        {
            var bad = kind switch
            {
                "not a tar at all" => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("garbage ", 1000))),
                "wrong folder" => TestArchive.Make("something-else/", new[] { "etcd", "etcdctl" }),
                _ => TestArchive.Etcd("3.5.16", "amd64", "etcd"),
            };
            string badSha;
            using (var sha = SHA256.Create()) badSha = Sha256Sums.ToHex(sha.ComputeHash(bad));
            _mirror.Files[ArchivePathOnMirror] = bad;
            _mirror.Files[SumsPathOnMirror] = Encoding.ASCII.GetBytes($"{badSha}  {Name}\n");
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => Get());
            Assert.Equal("ReleaseArchiveNotEtcd", ex.ErrorId);
            Assert.Contains("Nothing was cached", ex.Message);
            Assert.Empty(CachedFiles());
        }

        [Fact]
        public void TheTarReaderFollowsLongNamesAndPaxPaths()
        {
            var deep = "etcd-v3.5.16-linux-amd64/" + new string('d', 120) + "/";
            using var buffer = new MemoryStream();
            using (var gz = new System.IO.Compression.GZipStream(buffer, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
            using (var tar = new System.Formats.Tar.TarWriter(gz, System.Formats.Tar.TarEntryFormat.Pax))
            {
                tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, deep + "etcd") { DataStream = new MemoryStream(new byte[700]) });
                tar.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "short") { DataStream = new MemoryStream(new byte[3]) });
            }
            buffer.Position = 0;
            var entries = ReleaseArchiveInspector.List(buffer);
            Assert.Equal(new[] { deep + "etcd", "short" }, entries.Select(e => e.Name));
            Assert.Equal(new long[] { 700, 3 }, entries.Select(e => e.Size));
            var gnu = ReleaseArchiveInspector.List(new MemoryStream(TestArchive.Make("etcd-v3.5.16-linux-amd64/" + new string('g', 150) + "/", new[] { "etcd" })));
            Assert.EndsWith(new string('g', 150) + "/etcd", gnu.Last().Name);
        }

        [Fact]
        public void UrlsFollowTheOfficialLayout()
        {
            Assert.Equal("https://github.com/etcd-io/etcd/releases/download/v3.5.16/", EtcdReleaseSource.VersionUrl(null, V3516).ToString());
            Assert.Equal("http://mirror.test/etcd/v3.5.16/", EtcdReleaseSource.VersionUrl("http://mirror.test/etcd/", V3516).ToString());
            Assert.Equal(Name, EtcdReleaseSource.ArchiveName(V3516, "amd64"));
            Assert.Equal("InvalidBaseUrl", Assert.Throws<EtcdOpsException>(() => EtcdReleaseSource.VersionUrl("/srv/mirror", V3516)).ErrorId);
        }

        [Fact]
        public void ArchitecturesUseTheReleaseNames()
        {
            Assert.Equal("amd64", EtcdReleaseSource.NormalizeArchitecture("x86_64"));
            Assert.Equal("arm64", EtcdReleaseSource.NormalizeArchitecture("AArch64"));
            Assert.Equal("UnsupportedArchitecture", Assert.Throws<EtcdOpsException>(() => EtcdReleaseSource.NormalizeArchitecture("mips")).ErrorId);
        }

        [Fact]
        public async Task DownloadsVerifiesAndCachesThenReusesWithoutRequests()
        {
            var progress = new TransferProgress();
            var first = await Get(progress: progress);
            Assert.False(first.FromCache);
            Assert.Equal(_sha, first.Sha256);
            Assert.Equal(_archive, File.ReadAllBytes(first.ArchivePath));
            Assert.Equal(_archive.Length, progress.BytesReceived);
            Assert.Equal(_archive.Length, progress.TotalBytes);
            Assert.Equal(new[] { Name, Name + ".sha256" }, CachedFiles().Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal));

            var second = await Get();
            Assert.True(second.FromCache);
            Assert.Equal(first.ArchivePath, second.ArchivePath);
            Assert.Equal(Base + "/v3.5.16/" + Name, second.Source);
            // The cache answers only after the source's SHA256SUMS agreed with it; the archive is not fetched again.
            Assert.Equal(2, _mirror.Count(SumsPathOnMirror));
            Assert.Equal(1, _mirror.Count(ArchivePathOnMirror));

            var forced = await Get(force: true);
            Assert.False(forced.FromCache);
            Assert.Equal(2, _mirror.Count(ArchivePathOnMirror));
        }

        [Fact]
        public async Task AMismatchIsRefusedAndNothingIsCached()
        {
            _mirror.Files[ArchivePathOnMirror] = Encoding.ASCII.GetBytes("not the release");
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => Get());
            Assert.Equal("ReleaseChecksumMismatch", ex.ErrorId);
            Assert.Equal(FailureKind.SecurityError, ex.Kind);
            Assert.Contains(_sha, ex.Message);
            Assert.Empty(CachedFiles());
        }

        [Fact]
        public async Task MissingChecksumsAreRefusedBeforeTheArchiveIsDownloaded()
        {
            _mirror.Files.Remove(SumsPathOnMirror);
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => Get());
            Assert.Equal("ReleaseChecksumMissing", ex.ErrorId);
            Assert.Empty(CachedFiles());
        }

        [Fact]
        public async Task ChecksumsWithoutTheArchiveAreRefused()
        {
            _mirror.Files[SumsPathOnMirror] = Encoding.ASCII.GetBytes($"{_sha}  etcd-v3.5.16-linux-arm64.tar.gz\n");
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => Get());
            Assert.Equal("ReleaseChecksumMissing", ex.ErrorId);
            Assert.Contains("lists no checksum for " + Name, ex.Message);
            Assert.Equal(0, _mirror.Count(ArchivePathOnMirror));
        }

        [Fact]
        public async Task AnUnknownVersionIsNotFound()
        {
            var source = new EtcdReleaseSource(_mirror);
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() =>
                source.GetAsync(EtcdVersion.Parse("9.9.9"), "amd64", Base, null, _cache, false, null, CancellationToken.None));
            Assert.Equal("ReleaseNotFound", ex.ErrorId);
            Assert.Equal(FailureKind.ObjectNotFound, ex.Kind);
            Assert.Contains("404", ex.Message);
        }

        [Fact]
        public async Task APinnedChecksumNeedsNoChecksumFileAndMustMatch()
        {
            _mirror.Files.Remove(SumsPathOnMirror);
            var release = await Get(sha: _sha);
            Assert.Equal(_sha, release.Sha256);
            Assert.Equal(0, _mirror.Count(SumsPathOnMirror));

            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => Get(sha: new string('d', 64)));
            Assert.Equal("ReleaseChecksumMismatch", ex.ErrorId);
            // The cached archive stays: it was verified and still is.
            Assert.True(File.Exists(release.ArchivePath));
        }

        [Fact]
        public async Task ServerErrorsAreDownloadFailures()
        {
            _mirror.Respond = _ => new HttpResponseMessage(HttpStatusCode.InternalServerError);
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => Get());
            Assert.Equal("ReleaseDownloadFailed", ex.ErrorId);
            Assert.Contains("HTTP 500", ex.Message);
        }

        [Fact]
        public async Task CancellingMidDownloadLeavesNoFile()
        {
            _mirror.Respond = path => path == ArchivePathOnMirror
                ? new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new StallingStream()) }
                : null;
            var progress = new TransferProgress();
            using (var cts = new CancellationTokenSource())
            {
                var download = Get(progress: progress, token: cts.Token);
                SpinWait.SpinUntil(() => progress.BytesReceived > 0, TimeSpan.FromSeconds(10));
                Assert.True(progress.BytesReceived > 0);
                cts.Cancel();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => download);
            }
            Assert.Empty(CachedFiles());
        }

        [Fact]
        public async Task ACachedArchiveThatChangedIsNotReused()
        {
            var first = await Get();
            File.AppendAllText(first.ArchivePath, "x");
            Assert.Null(_cache.TryGet(V3516, "amd64"));
            var again = await Get();
            Assert.False(again.FromCache);
            Assert.Equal(_archive, File.ReadAllBytes(again.ArchivePath));
        }

        [Fact]
        public void ALocalArchiveIsVerifiedAgainstTheGivenChecksumOrTheSumsBesideIt()
        {
            var local = Path.Combine(_dir, "airgap");
            Directory.CreateDirectory(local);
            var path = Path.Combine(local, Name);
            File.WriteAllBytes(path, _archive);

            var mismatch = Assert.Throws<EtcdOpsException>(() => EtcdReleaseSource.ImportFile(V3516, "amd64", path, new string('e', 64), _cache, CancellationToken.None));
            Assert.Equal("ReleaseChecksumMismatch", mismatch.ErrorId);
            Assert.Empty(CachedFiles());

            var missing = Assert.Throws<EtcdOpsException>(() => EtcdReleaseSource.ImportFile(V3516, "amd64", path, null, _cache, CancellationToken.None));
            Assert.Equal("ReleaseChecksumMissing", missing.ErrorId);

            File.WriteAllText(Path.Combine(local, "SHA256SUMS"), Sha256Sums.Line(_sha, Name));
            var imported = EtcdReleaseSource.ImportFile(V3516, "amd64", path, null, _cache, CancellationToken.None);
            Assert.Equal(_sha, imported.Sha256);
            Assert.Equal(path, imported.Source);
            Assert.Equal(_cache.ArchivePath(V3516, "amd64"), imported.ArchivePath);
            Assert.True(EtcdReleaseSource.ImportFile(V3516, "amd64", path, _sha, _cache, CancellationToken.None).FromCache);
        }

        [Fact]
        public void TheDefaultCacheFollowsXdgCacheHome()
        {
            if (System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)) return;
            var saved = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            try
            {
                Environment.SetEnvironmentVariable("XDG_CACHE_HOME", "/tmp/xdg-test");
                Assert.Equal("/tmp/xdg-test/EtcdOps/releases", EtcdReleaseCache.DefaultRoot());
                Environment.SetEnvironmentVariable("XDG_CACHE_HOME", null);
                Assert.EndsWith("/.cache/EtcdOps/releases", EtcdReleaseCache.DefaultRoot());
            }
            finally
            {
                Environment.SetEnvironmentVariable("XDG_CACHE_HOME", saved);
            }
        }
    }
}
