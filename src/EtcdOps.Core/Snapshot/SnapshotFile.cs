using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;

namespace EtcdOps.Snapshot
{
    /// <summary>
    /// etcd's snapshot file format as etcdctl checks it: the backend database (a multiple of 512 bytes) followed by
    /// the SHA-256 of those bytes (32 bytes). Save-EtcdSnapshot writes a JSON metadata file beside each snapshot.
    /// </summary>
    internal static class SnapshotFile
    {
        public const int TrailerLength = 32;
        public const string MetadataSuffix = ".json";

        public static string MetadataPathFor(string snapshotPath) => snapshotPath + MetadataSuffix;

        /// <summary>Checks one file and fills in what its metadata says: never throws for a bad file, says why in Problem.</summary>
        public static EtcdSnapshot Inspect(string path)
        {
            var snapshot = new EtcdSnapshot { Path = Path.GetFullPath(path) };
            var info = new FileInfo(snapshot.Path);
            snapshot.Size = info.Length;
            snapshot.Created = info.LastWriteTimeUtc;
            using (var stream = new FileStream(snapshot.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
            using (var checker = new TrailerCheck())
            {
                var buffer = new byte[1 << 16];
                int read;
                while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) checker.Append(buffer, 0, read);
                snapshot.Sha256 = checker.FileSha256();
                snapshot.Problem = checker.Problem() ?? "";
            }
            var metadataPath = MetadataPathFor(snapshot.Path);
            return Judge(snapshot, File.Exists(metadataPath) ? metadataPath : null, () => File.ReadAllText(metadataPath));
        }

        /// <summary>
        /// The verdict on a file of <paramref name="length"/> bytes by etcd's rules (what etcdctl and etcdutl check): null
        /// when it is whole, else why not. <paramref name="trailerMatches"/> says whether the last 32 bytes are the SHA-256
        /// of the rest; it is asked only when the size fits.
        /// </summary>
        internal static string? Problem(long length, Func<bool> trailerMatches)
        {
            if (length < TrailerLength || (length - TrailerLength) % 512 != 0)
                return $"{length} bytes is not an etcd snapshot's size (a multiple of 512 plus the 32-byte SHA-256): the file is cut short or not a snapshot";
            if (!trailerMatches())
                return "the SHA-256 trailer does not match the data: the file is corrupt (etcdutl snapshot restore would refuse it)";
            return null;
        }

        /// <summary>
        /// Completes a checked snapshot (Size, Sha256 and Problem set from the file itself) with its metadata, when there is
        /// any at <paramref name="metadataPath"/> (read by <paramref name="readMetadata"/>), and the verdict. One rule for
        /// files here and files on a host.
        /// </summary>
        internal static EtcdSnapshot Judge(EtcdSnapshot snapshot, string? metadataPath, Func<string> readMetadata)
        {
            if (metadataPath != null)
            {
                snapshot.MetadataPath = metadataPath;
                var problem = ReadMetadata(metadataPath, readMetadata(), snapshot);
                if (snapshot.Problem.Length == 0 && problem != null) snapshot.Problem = problem;
            }
            snapshot.IsValid = snapshot.Problem.Length == 0;
            return snapshot;
        }

        /// <summary>Writes the metadata beside the snapshot (atomically).</summary>
        public static void WriteMetadata(EtcdSnapshot snapshot)
        {
            var metadata = new Metadata
            {
                Size = snapshot.Size,
                Sha256 = snapshot.Sha256,
                Revision = snapshot.Revision,
                ClusterID = snapshot.ClusterID,
                MemberID = snapshot.MemberID,
                Endpoint = snapshot.Endpoint,
                EtcdVersion = snapshot.EtcdVersion,
                Created = snapshot.Created.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
            };
            var json = JsonSerializer.Serialize(metadata, new JsonSerializerOptions { WriteIndented = true });
            snapshot.MetadataPath = MetadataPathFor(snapshot.Path);
            AtomicFile.WriteAllText(snapshot.MetadataPath, json + "\n", privateFile: true);
        }

        private static string? ReadMetadata(string path, string json, EtcdSnapshot snapshot)
        {
            Metadata? metadata;
            try
            {
                metadata = JsonSerializer.Deserialize<Metadata>(json);
            }
            catch (JsonException ex)
            {
                return $"the metadata file '{path}' is not valid JSON ({ex.Message})";
            }
            if (metadata == null) return $"the metadata file '{path}' is empty";
            snapshot.Revision = metadata.Revision;
            snapshot.ClusterID = metadata.ClusterID ?? "";
            snapshot.MemberID = metadata.MemberID ?? "";
            snapshot.Endpoint = metadata.Endpoint ?? "";
            snapshot.EtcdVersion = metadata.EtcdVersion ?? "";
            if (DateTime.TryParse(metadata.Created, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var created))
                snapshot.Created = created;
            if (metadata.Size != snapshot.Size)
                return $"the file has {snapshot.Size} bytes, but its metadata says {metadata.Size}: it was cut short or changed after it was saved";
            if (!string.Equals(metadata.Sha256, snapshot.Sha256, StringComparison.OrdinalIgnoreCase))
                return $"the file's SHA-256 is {snapshot.Sha256}, but its metadata says {metadata.Sha256}: it changed after it was saved";
            return null;
        }

        // The metadata file's fields; public for the serializer.
        public sealed class Metadata
        {
            public long Size { get; set; }
            public string Sha256 { get; set; } = "";
            public long Revision { get; set; }
            public string? ClusterID { get; set; }
            public string? MemberID { get; set; }
            public string? Endpoint { get; set; }
            public string? EtcdVersion { get; set; }
            public string? Created { get; set; }
        }
    }

    /// <summary>
    /// Hashes a snapshot as it streams by: the whole file (for Sha256) and the data without its last 32 bytes, whose
    /// SHA-256 must equal those 32 bytes. Keeps only the last 32 bytes back, so gigabytes pass without a second read.
    /// </summary>
    internal sealed class TrailerCheck : IDisposable
    {
        private readonly IncrementalHash _file = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly IncrementalHash _data = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private readonly byte[] _tail = new byte[SnapshotFile.TrailerLength];
        private int _tailLength;
        private byte[]? _fileHash;

        public long Length { get; private set; }

        public void Append(byte[] buffer, int offset, int count)
        {
            _file.AppendData(buffer, offset, count);
            Length += count;
            // Everything but the newest 32 bytes seen so far is data for sure.
            var total = _tailLength + count;
            var release = total - SnapshotFile.TrailerLength;
            if (release <= 0)
            {
                Buffer.BlockCopy(buffer, offset, _tail, _tailLength, count);
                _tailLength += count;
                return;
            }
            var fromTail = Math.Min(release, _tailLength);
            if (fromTail > 0) _data.AppendData(_tail, 0, fromTail);
            var fromBuffer = release - fromTail;
            if (fromBuffer > 0) _data.AppendData(buffer, offset, fromBuffer);
            // The new tail: what is left of the old tail, then the rest of the buffer.
            var keptOld = _tailLength - fromTail;
            if (keptOld > 0) Buffer.BlockCopy(_tail, fromTail, _tail, 0, keptOld);
            Buffer.BlockCopy(buffer, offset + fromBuffer, _tail, keptOld, count - fromBuffer);
            _tailLength = SnapshotFile.TrailerLength;
        }

        public string FileSha256() => Hex(_fileHash ??= _file.GetHashAndReset());

        /// <summary>Null when the file is a whole etcd snapshot; else why not, in etcdctl's terms.</summary>
        public string? Problem() => SnapshotFile.Problem(Length, () => _data.GetHashAndReset().SequenceEqual(_tail));

        private static string Hex(byte[] bytes) => string.Concat(bytes.Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));

        public void Dispose()
        {
            _file.Dispose();
            _data.Dispose();
        }
    }
}
