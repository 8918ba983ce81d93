using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>
    /// Save-EtcdSnapshot's decisions and work: which member to copy from, where the file goes, and writing it so that
    /// no half-written snapshot ever carries the final name (etcdctl's .part, checked, fsynced, renamed).
    /// </summary>
    internal static class SnapshotSaver
    {
        /// <summary>
        /// The member to copy from: exactly one healthy voting member. Of several, a follower (the leader keeps its
        /// time for the cluster), in the order given. A single endpoint given by the user must itself qualify.
        /// </summary>
        public static EtcdEndpointStatus ChooseSource(IReadOnlyList<EtcdEndpointStatus> status, IReadOnlyList<EtcdEndpointHealth> health)
        {
            string Why(EtcdEndpointStatus s)
            {
                var h = health.FirstOrDefault(x => x.Endpoint == s.Endpoint);
                if (s.Error != null) return s.Error;
                if (h != null && !h.Health) return $"{s.Endpoint}: unhealthy: {h.Error}";
                if (s.IsLearner) return $"{s.Endpoint}: member {s.ID} is a learner, whose data may lag the cluster";
                if (s.Leader.Length == 0) return $"{s.Endpoint}: member {s.ID} knows no leader";
                return "";
            }
            var usable = status.Where(s => Why(s).Length == 0).ToList();
            if (usable.Count > 0) return usable.FirstOrDefault(s => !s.IsLeader) ?? usable[0];
            throw new EtcdOpsException(ErrorIds.NoSnapshotSource, FailureKind.InvalidOperation,
                "No healthy voting member to take the snapshot from:" + string.Concat(status.Select(s => Environment.NewLine + "  " + Why(s))) +
                Environment.NewLine + "Fix the member, or give the endpoint of a healthy voting member with -Endpoint.", status.FirstOrDefault()?.Endpoint);
        }

        /// <summary>etcd's snapshot name in a folder: &lt;cluster&gt;-&lt;UTC yyyyMMddTHHmmssZ&gt;-r&lt;revision&gt;.db.</summary>
        public static string FileNameFor(string clusterName, DateTime createdUtc, long revision) =>
            $"{clusterName}-{createdUtc.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture)}-r{revision.ToString(CultureInfo.InvariantCulture)}.db";

        /// <summary>
        /// Streams the snapshot of <paramref name="source"/> to <paramref name="path"/> (a file) or into the folder
        /// <paramref name="folder"/> (named by <see cref="FileNameFor"/>), checks etcd's trailer, fsyncs, renames, and writes
        /// the metadata beside it. On any failure or cancellation the .part file is removed.
        /// </summary>
        public static async Task<EtcdSnapshot> SaveAsync(IEtcdTransport transport, EtcdEndpointStatus source, string? path, string? folder, string clusterName,
            Action<long, long>? progress, TimeSpan idleTimeout, CancellationToken cancellation)
        {
            var created = DateTime.UtcNow;
            var part = path != null ? path + ".part" : Path.Combine(folder!, $".{clusterName}-{Guid.NewGuid():N}.db.part");
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(part))!);
            EtcdSnapshotStreamInfo info;
            string sha256;
            try
            {
                using (var file = new FileStream(part, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16))
                using (var check = new TrailerCheck())
                {
                    // A snapshot holds every key, secrets included: owner-only before the first byte.
                    FileModes.SetOwnerOnly(part);
                    var checking = new CheckingStream(file, check);
                    info = await transport.SnapshotAsync(source.Endpoint, checking, progress, idleTimeout, cancellation).ConfigureAwait(false);
                    var problem = check.Problem();
                    if (problem != null)
                        throw new EtcdOpsException(ErrorIds.SnapshotCorrupt, FailureKind.InvalidData,
                            $"The snapshot streamed from {source.Endpoint} is not whole: {problem}. Nothing was saved; try again.", source.Endpoint);
                    sha256 = check.FileSha256();
                    file.Flush(true);
                }
                var revision = info.Revision > 0 ? info.Revision : source.Revision;
                var target = path ?? Path.Combine(folder!, FileNameFor(clusterName, created, revision));
                AtomicFile.MoveOver(part, target);
                var snapshot = new EtcdSnapshot
                {
                    Path = Path.GetFullPath(target),
                    Size = info.Bytes,
                    Sha256 = sha256,
                    Revision = revision,
                    ClusterID = info.ClusterId != 0 ? EtcdClient.Hex(info.ClusterId) : source.ClusterID,
                    MemberID = info.MemberId != 0 ? EtcdClient.Hex(info.MemberId) : source.ID,
                    Endpoint = source.Endpoint,
                    EtcdVersion = info.Version.Length > 0 ? info.Version : source.Version,
                    Created = created,
                    IsValid = true,
                };
                SnapshotFile.WriteMetadata(snapshot);
                return snapshot;
            }
            catch
            {
                AtomicFile.TryDelete(part);
                throw;
            }
        }

        /// <summary>Writes through to the file and feeds every byte to the trailer check.</summary>
        private sealed class CheckingStream : Stream
        {
            private readonly Stream _inner;
            private readonly TrailerCheck _check;

            public CheckingStream(Stream inner, TrailerCheck check)
            {
                _inner = inner;
                _check = check;
            }

            public override void Write(byte[] buffer, int offset, int count)
            {
                _check.Append(buffer, offset, count);
                _inner.Write(buffer, offset, count);
            }

            public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
            {
                _check.Append(buffer, offset, count);
                return _inner.WriteAsync(buffer, offset, count, cancellationToken);
            }

            public override bool CanRead => false;
            public override bool CanSeek => false;
            public override bool CanWrite => true;
            public override long Length => _inner.Length;
            public override long Position { get => _inner.Position; set => throw new NotSupportedException(); }
            public override void Flush() => _inner.Flush();
            public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
            public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
            public override void SetLength(long value) => throw new NotSupportedException();
        }
    }
}
