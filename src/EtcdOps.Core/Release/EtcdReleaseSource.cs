using System;
using System.Collections.Generic;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>
    /// Gets etcd release archives into the <see cref="EtcdReleaseCache"/>: downloaded from the official release
    /// location or a mirror with the same layout, or copied from a local file; verified against SHA256SUMS or a
    /// given checksum before anything lands in the cache. A missing or wrong checksum is always a refusal.
    /// </summary>
    internal sealed class EtcdReleaseSource : IDisposable
    {
        public const string DefaultBaseUrl = "https://github.com/etcd-io/etcd/releases/download";
        public const string ChecksumFileName = "SHA256SUMS";
        public static readonly IReadOnlyList<string> Architectures = new[] { "amd64", "arm64" };

        // A stalled server must not hang the caller forever; each read gets this long.
        private static readonly TimeSpan ReadIdleTimeout = TimeSpan.FromSeconds(60);

        private readonly HttpClient _http;

        public EtcdReleaseSource(HttpMessageHandler? handler = null)
        {
            _http = handler == null ? new HttpClient() : new HttpClient(handler, disposeHandler: false);
            _http.Timeout = TimeSpan.FromMinutes(2);   // until the response headers arrive
            _http.DefaultRequestHeaders.UserAgent.ParseAdd("EtcdOps");
        }

        public void Dispose() => _http.Dispose();

        public static string ArchiveName(EtcdVersion version, string architecture) => $"etcd-v{version}-linux-{architecture}.tar.gz";

        public static string NormalizeArchitecture(string architecture)
        {
            var arch = architecture.Trim().ToLowerInvariant();
            if (arch == "x86_64" || arch == "x64") arch = "amd64";
            if (arch == "aarch64") arch = "arm64";
            foreach (var known in Architectures)
                if (arch == known) return arch;
            throw new EtcdOpsException(ErrorIds.UnsupportedArchitecture, FailureKind.InvalidArgument,
                $"'{architecture}' is not an architecture EtcdOps installs. Use {string.Join(" or ", Architectures)}.", architecture);
        }

        /// <summary>The folder URL for a version, e.g. https://github.com/etcd-io/etcd/releases/download/v3.5.16/</summary>
        public static Uri VersionUrl(string? baseUrl, EtcdVersion version)
        {
            var text = string.IsNullOrWhiteSpace(baseUrl) ? DefaultBaseUrl : baseUrl!.Trim();
            if (!Uri.TryCreate(text.TrimEnd('/') + "/", UriKind.Absolute, out var root) || (root.Scheme != "http" && root.Scheme != "https"))
                throw new EtcdOpsException(ErrorIds.InvalidBaseUrl, FailureKind.InvalidArgument,
                    $"'{baseUrl}' is not an http(s) URL. Give the folder that holds v<version>/ folders, like {DefaultBaseUrl}; for a local file use -ArchivePath.", baseUrl);
            return new Uri(root, "v" + version + "/");
        }

        /// <summary>
        /// The cached archive when it matches what the requested source publishes (its SHA256SUMS, or
        /// <paramref name="expectedSha256"/>), else a fresh download verified the same way. The cache never answers
        /// for a source on its own: an archive cached from one mirror is not returned for another that lists a
        /// different checksum.
        /// </summary>
        public async Task<EtcdRelease> GetAsync(EtcdVersion version, string architecture, string? baseUrl, string? expectedSha256,
            EtcdReleaseCache cache, bool force, TransferProgress? progress, CancellationToken cancellation)
        {
            var folder = VersionUrl(baseUrl, version);
            var name = ArchiveName(version, architecture);
            var expected = expectedSha256 ?? await GetListedChecksumAsync(folder, name, new Uri(folder, name), cancellation).ConfigureAwait(false);
            var cached = force ? null : cache.TryGet(version, architecture, expected);
            return cached ?? await DownloadVerifiedAsync(version, architecture, folder, expected, expectedSha256 != null, cache, progress, cancellation).ConfigureAwait(false);
        }

        /// <summary>
        /// Downloads the archive (always; see <see cref="GetAsync"/> for the cached path), verifies it against
        /// <paramref name="expectedSha256"/> or else the SHA256SUMS beside it, and moves it into the cache.
        /// </summary>
        public async Task<EtcdRelease> DownloadAsync(EtcdVersion version, string architecture, string? baseUrl, string? expectedSha256,
            EtcdReleaseCache cache, TransferProgress? progress, CancellationToken cancellation)
        {
            var folder = VersionUrl(baseUrl, version);
            var name = ArchiveName(version, architecture);
            var expected = expectedSha256 ?? await GetListedChecksumAsync(folder, name, new Uri(folder, name), cancellation).ConfigureAwait(false);
            return await DownloadVerifiedAsync(version, architecture, folder, expected, expectedSha256 != null, cache, progress, cancellation).ConfigureAwait(false);
        }

        private async Task<EtcdRelease> DownloadVerifiedAsync(EtcdVersion version, string architecture, Uri folder, string expected, bool givenChecksum,
            EtcdReleaseCache cache, TransferProgress? progress, CancellationToken cancellation)
        {
            var name = ArchiveName(version, architecture);
            var archiveUrl = new Uri(folder, name);
            var temp = cache.NewTempPath(version, architecture);
            try
            {
                var actual = await DownloadToFileAsync(archiveUrl, temp, progress, cancellation).ConfigureAwait(false);
                RequireMatch(expected, actual, name, archiveUrl.ToString(), givenChecksum ? "the given -Sha256" : new Uri(folder, ChecksumFileName).ToString());
                ReleaseArchiveInspector.Check(temp, version, architecture, archiveUrl.ToString());
                return cache.Commit(temp, version, architecture, actual, archiveUrl.ToString());
            }
            finally
            {
                AtomicFile.TryDelete(temp);
            }
        }

        /// <summary>
        /// Copies a local archive (air-gapped installs) into the cache after verifying it against
        /// <paramref name="expectedSha256"/> or else a SHA256SUMS file in the same folder.
        /// </summary>
        public static EtcdRelease ImportFile(EtcdVersion version, string architecture, string archivePath, string? expectedSha256,
            EtcdReleaseCache cache, CancellationToken cancellation)
        {
            var full = Path.GetFullPath(archivePath);
            if (!File.Exists(full))
                throw new EtcdOpsException(ErrorIds.ReleaseArchiveNotFound, FailureKind.ObjectNotFound,
                    $"The archive '{full}' does not exist. Give the path of etcd-v{version}-linux-{architecture}.tar.gz.", archivePath);
            var fileName = Path.GetFileName(full);
            var expectedName = ArchiveName(version, architecture);
            if (fileName.StartsWith("etcd-v", StringComparison.Ordinal) && fileName.EndsWith(".tar.gz", StringComparison.Ordinal) && fileName != expectedName)
                throw new EtcdOpsException(ErrorIds.ReleaseArchiveNameMismatch, FailureKind.InvalidArgument,
                    $"'{fileName}' is not the archive of etcd v{version} for linux-{architecture} ({expectedName}). Check -Version and -Architecture.", archivePath);

            var sumsPath = Path.Combine(Path.GetDirectoryName(full)!, ChecksumFileName);
            string expected;
            string checkedAgainst;
            if (expectedSha256 != null)
            {
                expected = expectedSha256;
                checkedAgainst = "the given -Sha256";
            }
            else if (File.Exists(sumsPath))
            {
                expected = Sha256Sums.Find(File.ReadAllText(sumsPath), fileName)
                    ?? throw new EtcdOpsException(ErrorIds.ReleaseChecksumMissing, FailureKind.SecurityError,
                        $"{sumsPath} has no checksum for {fileName}, so the archive cannot be verified. Use the SHA256SUMS published with this release, or give -Sha256.", archivePath);
                checkedAgainst = sumsPath;
            }
            else
            {
                throw new EtcdOpsException(ErrorIds.ReleaseChecksumMissing, FailureKind.SecurityError,
                    $"No checksum to verify '{full}' against: give -Sha256 (from the release's SHA256SUMS) or put that SHA256SUMS file next to the archive.", archivePath);
            }

            var cached = cache.TryGet(version, architecture, expected);
            if (cached != null) return cached;

            var temp = cache.NewTempPath(version, architecture);
            try
            {
                string actual;
                using (var input = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                using (var output = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
                    actual = CopyHashing(input, output, null, cancellation);
                RequireMatch(expected, actual, fileName, full, checkedAgainst);
                ReleaseArchiveInspector.Check(temp, version, architecture, full);
                return cache.Commit(temp, version, architecture, actual, full);
            }
            finally
            {
                AtomicFile.TryDelete(temp);
            }
        }

        /// <summary>The checksum the source's SHA256SUMS lists for the archive: what a cached copy must match to stand in for it.</summary>
        public Task<string> GetPublishedChecksumAsync(EtcdVersion version, string architecture, string? baseUrl, CancellationToken cancellation)
        {
            var folder = VersionUrl(baseUrl, version);
            var name = ArchiveName(version, architecture);
            return GetListedChecksumAsync(folder, name, new Uri(folder, name), cancellation);
        }

        private async Task<string> GetListedChecksumAsync(Uri folder, string name, Uri archiveUrl, CancellationToken cancellation)
        {
            var sumsUrl = new Uri(folder, ChecksumFileName);
            using (var response = await SendAsync(sumsUrl, cancellation).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.NotFound)
                {
                    // Tell "no such release" apart from "release without checksums".
                    using (var probe = await SendAsync(archiveUrl, cancellation).ConfigureAwait(false))
                    {
                        if (probe.StatusCode == HttpStatusCode.NotFound) throw NotFound(archiveUrl, folder);
                    }
                    throw new EtcdOpsException(ErrorIds.ReleaseChecksumMissing, FailureKind.SecurityError,
                        $"{sumsUrl} does not exist (HTTP 404), so {name} cannot be verified and is not downloaded. A mirror must serve SHA256SUMS beside the archives; or give -Sha256.", sumsUrl.ToString());
                }
                EnsureSuccess(response, sumsUrl);
                var content = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                return Sha256Sums.Find(content, name)
                    ?? throw new EtcdOpsException(ErrorIds.ReleaseChecksumMissing, FailureKind.SecurityError,
                        $"{sumsUrl} lists no checksum for {name}, so it cannot be verified and is not downloaded. Check -Architecture, or give -Sha256.", sumsUrl.ToString());
            }
        }

        private async Task<string> DownloadToFileAsync(Uri url, string path, TransferProgress? progress, CancellationToken cancellation)
        {
            using (var response = await SendAsync(url, cancellation).ConfigureAwait(false))
            {
                if (response.StatusCode == HttpStatusCode.NotFound) throw NotFound(url, new Uri(url, "./"));
                EnsureSuccess(response, url);
                if (response.Content.Headers.ContentLength is long length) progress?.SetTotal(length);
                using (var input = await response.Content.ReadAsStreamAsync().ConfigureAwait(false))
                using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
                using (var sha = SHA256.Create())
                {
                    var buffer = new byte[1 << 16];
                    while (true)
                    {
                        int read;
                        using (var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellation))
                        {
                            idle.CancelAfter(ReadIdleTimeout);
                            try { read = await input.ReadAsync(buffer, 0, buffer.Length, idle.Token).ConfigureAwait(false); }
                            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
                            {
                                throw new EtcdOpsException(ErrorIds.ReleaseDownloadFailed, FailureKind.OperationTimeout,
                                    $"The download of {url} stalled: no data for {ReadIdleTimeout.TotalSeconds:0} s. Check the network or the mirror, then run the command again.", url.ToString());
                            }
                        }
                        if (read == 0) break;
                        sha.TransformBlock(buffer, 0, read, null, 0);
                        await output.WriteAsync(buffer, 0, read, cancellation).ConfigureAwait(false);
                        progress?.Add(read);
                    }
                    sha.TransformFinalBlock(new byte[0], 0, 0);
                    await output.FlushAsync(cancellation).ConfigureAwait(false);
                    return Sha256Sums.ToHex(sha.Hash!);
                }
            }
        }

        private async Task<HttpResponseMessage> SendAsync(Uri url, CancellationToken cancellation)
        {
            try
            {
                return await _http.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellation).ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                throw new EtcdOpsException(ErrorIds.ReleaseDownloadFailed, FailureKind.ConnectionError,
                    $"Could not reach {url}: {ex.GetBaseException().Message}. Check the network or proxy, use -BaseUrl for a mirror, or -ArchivePath for a local archive.", url.ToString(), ex);
            }
            catch (OperationCanceledException ex) when (!cancellation.IsCancellationRequested)
            {
                throw new EtcdOpsException(ErrorIds.ReleaseDownloadFailed, FailureKind.OperationTimeout,
                    $"{url} did not answer within {_http.Timeout.TotalSeconds:0} s. Check the network or proxy, or use -BaseUrl for a mirror.", url.ToString(), ex);
            }
        }

        private static void EnsureSuccess(HttpResponseMessage response, Uri url)
        {
            if (response.IsSuccessStatusCode) return;
            throw new EtcdOpsException(ErrorIds.ReleaseDownloadFailed, FailureKind.ConnectionError,
                $"{url} answered HTTP {(int)response.StatusCode} ({response.ReasonPhrase}). Check -BaseUrl and the mirror, then try again.", url.ToString());
        }

        private static EtcdOpsException NotFound(Uri archiveUrl, Uri folder) =>
            new EtcdOpsException(ErrorIds.ReleaseNotFound, FailureKind.ObjectNotFound,
                $"{archiveUrl} does not exist (HTTP 404). Check -Version and -Architecture against the releases at {folder.GetLeftPart(UriPartial.Authority)} (etcd versions look like 3.5.16), or -BaseUrl.", archiveUrl.ToString());

        private static void RequireMatch(string expected, string actual, string name, string source, string checkedAgainst)
        {
            if (expected == actual) return;
            throw new EtcdOpsException(ErrorIds.ReleaseChecksumMismatch, FailureKind.SecurityError,
                $"{name} from {source} has SHA-256 {actual}, but {checkedAgainst} says {expected}. The archive is corrupt or not the published release; it was discarded and nothing was cached.", source);
        }

        private static string CopyHashing(Stream input, Stream output, TransferProgress? progress, CancellationToken cancellation)
        {
            using (var sha = SHA256.Create())
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = input.Read(buffer, 0, buffer.Length)) > 0)
                {
                    cancellation.ThrowIfCancellationRequested();
                    sha.TransformBlock(buffer, 0, read, null, 0);
                    output.Write(buffer, 0, read);
                    progress?.Add(read);
                }
                sha.TransformFinalBlock(new byte[0], 0, 0);
                output.Flush();
                return Sha256Sums.ToHex(sha.Hash!);
            }
        }
    }
}
