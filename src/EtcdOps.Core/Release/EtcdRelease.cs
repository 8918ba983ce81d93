namespace EtcdOps.Release
{
    /// <summary>A verified etcd release archive on the local disk, ready to be uploaded to hosts.</summary>
    public sealed class EtcdRelease
    {
        public string Version { get; set; } = "";

        /// <summary>Linux architecture as the release archives name it: amd64 or arm64.</summary>
        public string Architecture { get; set; } = "";

        /// <summary>Full path of the verified archive in the release cache.</summary>
        public string ArchivePath { get; set; } = "";

        /// <summary>SHA-256 of the archive, lowercase hex, as verified.</summary>
        public string Sha256 { get; set; } = "";

        /// <summary>Where the archive came from: its URL, or the local file it was copied from.</summary>
        public string Source { get; set; } = "";

        /// <summary>True when an archive verified earlier was reused and nothing was downloaded or copied.</summary>
        public bool FromCache { get; set; }

        public long Length { get; set; }

        public string FileName => System.IO.Path.GetFileName(ArchivePath);

        public override string ToString() => $"etcd v{Version} linux-{Architecture}";
    }
}
