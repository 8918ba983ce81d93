using System.Threading;

namespace EtcdOps
{
    /// <summary>How far a download has come; read from another thread, so the fields are updated atomically.</summary>
    internal sealed class TransferProgress
    {
        private long _received;
        private long _total = -1;

        public long BytesReceived => Interlocked.Read(ref _received);

        /// <summary>-1 while unknown (no Content-Length).</summary>
        public long TotalBytes => Interlocked.Read(ref _total);

        internal void SetTotal(long total) => Interlocked.Exchange(ref _total, total);

        internal void Add(long bytes) => Interlocked.Add(ref _received, bytes);

        /// <summary>Both counts at once, from a stream that knows its total as it goes (etcd's snapshot).</summary>
        internal void Report(long received, long total)
        {
            Interlocked.Exchange(ref _received, received);
            Interlocked.Exchange(ref _total, total);
        }
    }
}
