using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Tests.Api
{
    /// <summary>An <see cref="IEtcdTransport"/> that serves nothing: fakes override the calls their tests make.</summary>
    internal abstract class TransportStub : IEtcdTransport
    {
        public virtual string Name => "fake";
        public virtual Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdMemberAddReply> MemberAddAsync(string endpoint, IReadOnlyList<string> peerUrls, bool isLearner, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdMemberListReply> MemberPromoteAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdMemberListReply> MemberRemoveAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdMemberListReply> MemberUpdateAsync(string endpoint, ulong memberId, IReadOnlyList<string> peerUrls, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<long> PutAsync(string endpoint, byte[] key, byte[] value, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<long> DeleteRangeAsync(string endpoint, byte[] key, byte[]? rangeEnd, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<IReadOnlyList<EtcdAlarmEntry>> DeactivateAlarmAsync(string endpoint, EtcdAlarmEntry alarm, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task CompactAsync(string endpoint, long revision, bool physical, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task DefragmentAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task MoveLeaderAsync(string endpoint, ulong targetId, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdHashKvReply> HashKvAsync(string endpoint, long revision, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
        public virtual Task<EtcdSnapshotStreamInfo> SnapshotAsync(string endpoint, Stream destination, Action<long, long>? progress, TimeSpan idleTimeout, CancellationToken cancellation) => throw new NotSupportedException();
    }
}
