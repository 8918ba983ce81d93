using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Save, "EtcdRelease", SupportsShouldProcess = true, DefaultParameterSetName = DownloadSet)]
    [OutputType(typeof(EtcdRelease))]
    public sealed class SaveEtcdReleaseCommand : EtcdCmdlet
    {
        private const string DownloadSet = "Download";
        private const string FileSet = "File";

        /// <summary>major.minor.patch; binds from an EtcdCluster's Version too.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        public string Version { get; set; } = "";

        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateSet("amd64", "arm64")]
        public string Architecture { get; set; } = "amd64";

        [Parameter(ParameterSetName = DownloadSet)]
        public string? BaseUrl { get; set; }

        [Parameter(Mandatory = true, ParameterSetName = FileSet)]
        public string ArchivePath { get; set; } = "";

        [Parameter]
        public string? Sha256 { get; set; }

        [Parameter]
        public string? CachePath { get; set; }

        [Parameter(ParameterSetName = DownloadSet)]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            try
            {
                var version = EtcdVersion.Parse(Version);
                var architecture = EtcdReleaseSource.NormalizeArchitecture(Architecture);
                var expected = string.IsNullOrWhiteSpace(Sha256) ? null : Sha256Sums.Normalize(Sha256!);
                var cache = new EtcdReleaseCache(string.IsNullOrEmpty(CachePath) ? null : ResolvePath(CachePath!));

                if (ParameterSetName == FileSet)
                {
                    var path = ResolvePath(ArchivePath);
                    if (!ShouldProcess(cache.ArchivePath(version, architecture), $"Verify and copy {path}")) return;
                    WriteObject(EtcdReleaseSource.ImportFile(version, architecture, path, expected, cache, Cancellation));
                    return;
                }

                // A cached archive stands in only for what this source publishes (or -Sha256), never on its own say.
                var cached = Force ? null : cache.TryGet(version, architecture, expected ?? PublishedChecksum(version, architecture));
                if (cached != null)
                {
                    WriteVerbose($"Using the verified archive in the cache: {cached.ArchivePath}");
                    WriteObject(cached);
                    return;
                }
                var url = EtcdReleaseSource.VersionUrl(BaseUrl, version) + EtcdReleaseSource.ArchiveName(version, architecture);
                if (!ShouldProcess(cache.ArchivePath(version, architecture), $"Download and verify {url}")) return;
                WriteObject(Download(version, architecture, expected, cache, url));
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell is stopping the pipeline; the partial file is already gone.
            }
        }

        private string PublishedChecksum(EtcdVersion version, string architecture)
        {
            using var source = new EtcdReleaseSource();
            return source.GetPublishedChecksumAsync(version, architecture, BaseUrl, Cancellation).GetAwaiter().GetResult();
        }

        private EtcdRelease Download(EtcdVersion version, string architecture, string? expected, EtcdReleaseCache cache, string url)
        {
            using var source = new EtcdReleaseSource();
            return WithTransferProgress($"Downloading etcd v{version} (linux-{architecture})", url,
                progress => source.DownloadAsync(version, architecture, BaseUrl, expected, cache, progress, Cancellation));
        }
    }
}
