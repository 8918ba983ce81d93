using System;

namespace EtcdOps.Snapshot
{
    /// <summary>
    /// One etcd snapshot file (a copy of a member's backend database with etcd's SHA-256 trailer) and what is known
    /// about it: from the metadata file beside it (written by Save-EtcdSnapshot) and from checking the file itself.
    /// </summary>
    public sealed class EtcdSnapshot
    {
        public string Path { get; set; } = "";

        /// <summary>
        /// The cluster member whose host holds the file (a scheduled snapshot listed by Get-EtcdSnapshot -Cluster); empty
        /// for a file on this machine. Path is then a path on that host.
        /// </summary>
        public string Member { get; set; } = "";
        public long Size { get; set; }

        /// <summary>SHA-256 of the whole file as it is on disk (what sha256sum prints), lower-case hex.</summary>
        public string Sha256 { get; set; } = "";

        /// <summary>The store's revision when the snapshot was taken (0 when unknown: no metadata).</summary>
        public long Revision { get; set; }

        public string ClusterID { get; set; } = "";
        public string MemberID { get; set; } = "";
        public string Endpoint { get; set; } = "";
        public string EtcdVersion { get; set; } = "";
        public DateTime Created { get; set; }

        /// <summary>The file is whole: its size fits etcd's layout, its trailer hash matches, and so does the metadata.</summary>
        public bool IsValid { get; set; }

        /// <summary>Why the file is not valid; empty when it is.</summary>
        public string Problem { get; set; } = "";

        /// <summary>Where the metadata came from: the JSON file beside the snapshot, or "" when there is none.</summary>
        public string MetadataPath { get; set; } = "";

        public override string ToString() => Path;
    }
}
