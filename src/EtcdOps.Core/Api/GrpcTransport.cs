#if NET
using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace EtcdOps.Api
{
    /// <summary>
    /// etcd's native v3 API over gRPC (HTTP/2), what etcdctl speaks: works on every etcd, with or without the JSON
    /// gateway. One channel per endpoint, kept for the session, so polling reuses one HTTP/2 connection per member.
    /// The messages and stubs are dotnet-etcd's generated ones; the channel, TLS and error handling are ours.
    /// </summary>
    internal sealed class GrpcTransport : IEtcdTransport, IDisposable
    {
        // etcd's own limit for requests is 1.5 MiB; responses (ranges, member lists) may be larger.
        private const int MaxReceiveBytes = 512 * 1024 * 1024;
        private readonly EtcdTls _tls;
        private readonly ConcurrentDictionary<string, Lazy<GrpcChannel>> _channels = new ConcurrentDictionary<string, Lazy<GrpcChannel>>(StringComparer.OrdinalIgnoreCase);

        public GrpcTransport(EtcdTls tls)
        {
            _tls = tls;
        }

        public string Name => "gRPC";

        /// <summary>Closes the channels (a shared, cached transport is never disposed; the performance check's own are).</summary>
        public void Dispose()
        {
            foreach (var channel in _channels.Values.Where(c => c.IsValueCreated)) channel.Value.Dispose();
            _channels.Clear();
        }

        public Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
            Read(endpoint, "status", timeout, cancellation, async options =>
            {
                var reply = await new Etcdserverpb.Maintenance.MaintenanceClient(Channel(endpoint)).StatusAsync(new StatusRequest(), options).ResponseAsync.ConfigureAwait(false);
                var memberId = reply.Header?.MemberId ?? 0;
                return new EtcdEndpointStatus
                {
                    Endpoint = endpoint,
                    ID = EtcdClient.Hex(memberId),
                    ClusterID = EtcdClient.Hex(reply.Header?.ClusterId ?? 0),
                    Revision = reply.Header?.Revision ?? 0,
                    Version = reply.Version,
                    DbSize = reply.DbSize,
                    DbSizeInUse = reply.DbSizeInUse,
                    DbSizeQuota = reply.DbSizeQuota,
                    Leader = reply.Leader == 0 ? "" : EtcdClient.Hex(reply.Leader),
                    IsLeader = reply.Leader != 0 && reply.Leader == memberId,
                    IsLearner = reply.IsLearner,
                    RaftTerm = reply.RaftTerm,
                    RaftIndex = reply.RaftIndex,
                    RaftAppliedIndex = reply.RaftAppliedIndex,
                    Errors = reply.Errors.ToArray(),
                };
            });

        public Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation) =>
            Read(endpoint, "member list", timeout, cancellation, async options =>
            {
                var reply = await Cluster(endpoint).MemberListAsync(new MemberListRequest { Linearizable = linearizable }, options).ResponseAsync.ConfigureAwait(false);
                return List(reply.Header, reply.Members);
            });

        public Task<EtcdMemberAddReply> MemberAddAsync(string endpoint, IReadOnlyList<string> peerUrls, bool isLearner, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "member add", timeout, cancellation, async options =>
            {
                var request = new MemberAddRequest { IsLearner = isLearner };
                request.PeerURLs.AddRange(peerUrls);
                var reply = await Cluster(endpoint).MemberAddAsync(request, options).ResponseAsync.ConfigureAwait(false);
                return new EtcdMemberAddReply { Added = Entry(reply.Member), List = List(reply.Header, reply.Members) };
            });

        public Task<EtcdMemberListReply> MemberPromoteAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "member promote", timeout, cancellation, async options =>
            {
                var reply = await Cluster(endpoint).MemberPromoteAsync(new MemberPromoteRequest { ID = memberId }, options).ResponseAsync.ConfigureAwait(false);
                return List(reply.Header, reply.Members);
            });

        public Task<EtcdMemberListReply> MemberRemoveAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "member remove", timeout, cancellation, async options =>
            {
                var reply = await Cluster(endpoint).MemberRemoveAsync(new MemberRemoveRequest { ID = memberId }, options).ResponseAsync.ConfigureAwait(false);
                return List(reply.Header, reply.Members);
            });

        public Task<EtcdMemberListReply> MemberUpdateAsync(string endpoint, ulong memberId, IReadOnlyList<string> peerUrls, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "member update", timeout, cancellation, async options =>
            {
                var request = new MemberUpdateRequest { ID = memberId };
                request.PeerURLs.AddRange(peerUrls);
                var reply = await Cluster(endpoint).MemberUpdateAsync(request, options).ResponseAsync.ConfigureAwait(false);
                return List(reply.Header, reply.Members);
            });

        public Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation) =>
            Read(endpoint, "range", timeout, cancellation, async options =>
            {
                var message = new RangeRequest
                {
                    Key = ByteString.CopyFrom(request.Key),
                    Limit = request.Limit,
                    Serializable = request.Serializable,
                    KeysOnly = request.KeysOnly,
                    CountOnly = request.CountOnly,
                };
                if (request.RangeEnd != null) message.RangeEnd = ByteString.CopyFrom(request.RangeEnd);
                var reply = await Kv(endpoint).RangeAsync(message, options).ResponseAsync.ConfigureAwait(false);
                return new EtcdRangeReply
                {
                    Revision = reply.Header?.Revision ?? 0,
                    Count = reply.Count,
                    More = reply.More,
                    Kvs = reply.Kvs.Select(kv => new EtcdKeyValue
                    {
                        Key = kv.Key.ToByteArray(),
                        Value = kv.Value.ToByteArray(),
                        CreateRevision = kv.CreateRevision,
                        ModRevision = kv.ModRevision,
                        Version = kv.Version,
                    }).ToList(),
                };
            });

        public Task<long> PutAsync(string endpoint, byte[] key, byte[] value, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "put", timeout, cancellation, async options =>
            {
                var reply = await Kv(endpoint).PutAsync(new PutRequest { Key = ByteString.CopyFrom(key), Value = ByteString.CopyFrom(value) }, options).ResponseAsync.ConfigureAwait(false);
                return reply.Header?.Revision ?? 0;
            });

        public Task<long> DeleteRangeAsync(string endpoint, byte[] key, byte[]? rangeEnd, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "delete", timeout, cancellation, async options =>
            {
                var request = new DeleteRangeRequest { Key = ByteString.CopyFrom(key) };
                if (rangeEnd != null) request.RangeEnd = ByteString.CopyFrom(rangeEnd);
                var reply = await Kv(endpoint).DeleteRangeAsync(request, options).ResponseAsync.ConfigureAwait(false);
                return reply.Deleted;
            });

        public Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
            Alarm(endpoint, "alarm list", new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Get }, timeout, cancellation);

        public Task<IReadOnlyList<EtcdAlarmEntry>> DeactivateAlarmAsync(string endpoint, EtcdAlarmEntry alarm, TimeSpan timeout, CancellationToken cancellation)
        {
            if (!Enum.TryParse<AlarmType>(alarm.Alarm, ignoreCase: true, out var type))
                throw new EtcdOpsException(ErrorIds.EtcdUnknownAlarm, FailureKind.InvalidArgument, $"'{alarm.Alarm}' is not an etcd alarm (NOSPACE, CORRUPT).", alarm.Alarm);
            return Alarm(endpoint, "alarm disarm", new AlarmRequest { Action = AlarmRequest.Types.AlarmAction.Deactivate, MemberID = alarm.MemberId, Alarm = type }, timeout, cancellation);
        }

        private Task<IReadOnlyList<EtcdAlarmEntry>> Alarm(string endpoint, string what, AlarmRequest request, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, what, timeout, cancellation, request.Action == AlarmRequest.Types.AlarmAction.Get, async options =>
            {
                var reply = await Maintenance(endpoint).AlarmAsync(request, options).ResponseAsync.ConfigureAwait(false);
                return (IReadOnlyList<EtcdAlarmEntry>)reply.Alarms.Where(a => a.Alarm != AlarmType.None)
                    .Select(a => new EtcdAlarmEntry { MemberId = a.MemberID, Alarm = a.Alarm.ToString().ToUpperInvariant() }).ToList();
            });

        public Task CompactAsync(string endpoint, long revision, bool physical, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "compaction", timeout, cancellation, async options =>
                await Kv(endpoint).CompactAsync(new CompactionRequest { Revision = revision, Physical = physical }, options).ResponseAsync.ConfigureAwait(false));

        public Task DefragmentAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "defragment", timeout, cancellation, async options =>
                await Maintenance(endpoint).DefragmentAsync(new DefragmentRequest(), options).ResponseAsync.ConfigureAwait(false));

        public Task MoveLeaderAsync(string endpoint, ulong targetId, TimeSpan timeout, CancellationToken cancellation) =>
            Call(endpoint, "move leader", timeout, cancellation, async options =>
                await Maintenance(endpoint).MoveLeaderAsync(new MoveLeaderRequest { TargetID = targetId }, options).ResponseAsync.ConfigureAwait(false));

        public Task<EtcdHashKvReply> HashKvAsync(string endpoint, long revision, TimeSpan timeout, CancellationToken cancellation) =>
            Read(endpoint, "hashkv", timeout, cancellation, async options =>
            {
                var reply = await Maintenance(endpoint).HashKVAsync(new HashKVRequest { Revision = revision }, options).ResponseAsync.ConfigureAwait(false);
                return new EtcdHashKvReply
                {
                    MemberId = reply.Header?.MemberId ?? 0,
                    Revision = reply.Header?.Revision ?? 0,
                    Hash = reply.Hash,
                    CompactRevision = reply.CompactRevision,
                    HashRevision = reply.HashRevision,
                };
            });

        public async Task<EtcdSnapshotStreamInfo> SnapshotAsync(string endpoint, Stream destination, Action<long, long>? progress, TimeSpan idleTimeout, CancellationToken cancellation)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var info = new EtcdSnapshotStreamInfo();
            try
            {
                idle.CancelAfter(idleTimeout);
                using var call = Maintenance(endpoint).Snapshot(new SnapshotRequest(), new CallOptions(cancellationToken: idle.Token));
                while (await call.ResponseStream.MoveNext(idle.Token).ConfigureAwait(false))
                {
                    var chunk = call.ResponseStream.Current;
                    if (chunk.Version.Length > 0) info.Version = chunk.Version;
                    if (chunk.Header != null && chunk.Header.Revision > 0)
                    {
                        info.Revision = chunk.Header.Revision;
                        info.MemberId = chunk.Header.MemberId;
                        info.ClusterId = chunk.Header.ClusterId;
                    }
                    chunk.Blob.WriteTo(destination);
                    info.Bytes += chunk.Blob.Length;
                    progress?.Invoke(info.Bytes, info.Bytes + (long)chunk.RemainingBytes);
                    idle.CancelAfter(idleTimeout);
                }
                return info;
            }
            catch (RpcException ex)
            {
                throw Failure(endpoint, "snapshot", idleTimeout, cancellation, ex, started);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw EtcdTls.Timeout(endpoint, idleTimeout);
            }
        }

        /// <summary>A read: sent once more on a new connection when the kept one turns out dead (the member restarted since the last call).</summary>
        private Task<T> Read<T>(string endpoint, string what, TimeSpan timeout, CancellationToken cancellation, Func<CallOptions, Task<T>> call) =>
            Call(endpoint, what, timeout, cancellation, repeatable: true, call);

        private Task<T> Call<T>(string endpoint, string what, TimeSpan timeout, CancellationToken cancellation, Func<CallOptions, Task<T>> call) =>
            Call(endpoint, what, timeout, cancellation, repeatable: false, call);

        private async Task<T> Call<T>(string endpoint, string what, TimeSpan timeout, CancellationToken cancellation, bool repeatable, Func<CallOptions, Task<T>> call)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            for (var attempt = 1; ; attempt++)
            {
                var started = System.Diagnostics.Stopwatch.GetTimestamp();
                var left = timeout - clock.Elapsed;
                try
                {
                    return await call(new CallOptions(deadline: DateTime.UtcNow + (left > TimeSpan.Zero ? left : TimeSpan.Zero), cancellationToken: cancellation)).ConfigureAwait(false);
                }
                catch (RpcException ex) when (ex.Status.DebugException != null && !cancellation.IsCancellationRequested && Forget(endpoint)
                                              && attempt == 1 && repeatable && clock.Elapsed < timeout)
                {
                    // The kept HTTP/2 connection died (etcd restarted, a network blip): once more on a new one.
                }
                catch (RpcException ex)
                {
                    throw Failure(endpoint, what, timeout, cancellation, ex, started);
                }
            }
        }

        /// <summary>Drops the endpoint's channel after a transport failure, so the next call dials afresh. Always true.</summary>
        private bool Forget(string endpoint)
        {
            // Disposed a little later: a concurrent call to the same endpoint may still be on it.
            if (_channels.TryRemove(endpoint, out var dead) && dead.IsValueCreated)
                _ = Task.Delay(TimeSpan.FromSeconds(30)).ContinueWith(_ => dead.Value.Dispose(), TaskScheduler.Default);
            return true;
        }

        private Task Call(string endpoint, string what, TimeSpan timeout, CancellationToken cancellation, Func<CallOptions, Task> call) =>
            Call(endpoint, what, timeout, cancellation, async options => { await call(options).ConfigureAwait(false); return true; });

        /// <summary>
        /// A gRPC status as the user's problem: below etcd (no connection, TLS, not an etcd client URL) or etcd's refusal.
        /// Grpc.Net.Client puts the transport's exception in DebugException; an answer from etcd has none.
        /// </summary>
        private Exception Failure(string endpoint, string what, TimeSpan timeout, CancellationToken cancellation, RpcException ex, long started)
        {
            var status = ex.Status;
            if (status.StatusCode == StatusCode.Cancelled && cancellation.IsCancellationRequested) return new OperationCanceledException(cancellation);
            if (status.StatusCode == StatusCode.DeadlineExceeded || status.StatusCode == StatusCode.Cancelled) return EtcdTls.Timeout(endpoint, timeout);
            var uri = new Uri(endpoint);
            if (status.DebugException is OperationCanceledException) return EtcdTls.Timeout(endpoint, timeout);
            if (status.DebugException != null && SpeaksNoGrpc(status.DebugException))
                return EtcdTls.NotAnEtcdClientUrl(endpoint, EtcdTls.Innermost(status.DebugException).Message, ex);
            if (status.DebugException != null && (EtcdTls.Find<HttpRequestException>(status.DebugException) != null || EtcdTls.Find<IOException>(status.DebugException) != null ||
                                                 EtcdTls.Find<System.Security.Authentication.AuthenticationException>(status.DebugException) != null))
            {
                var failure = _tls.Classify(endpoint, uri, status.DebugException, started);
                // An HTTP/1.1 server, or the peer port: no gRPC there.
                if (failure.ErrorId == ErrorIds.EtcdEndpointUnreachable && status.Detail.IndexOf("HTTP/1.1", StringComparison.OrdinalIgnoreCase) >= 0)
                    return EtcdTls.NotAnEtcdClientUrl(endpoint, status.Detail, ex);
                return failure;
            }
            // Grpc.Net.Client's verdicts on a reply that is not gRPC (an HTTP status, a wrong content type, HTTP/1.1).
            if (status.Detail.StartsWith("Bad gRPC response", StringComparison.Ordinal) || status.Detail.IndexOf("HTTP/1.1", StringComparison.OrdinalIgnoreCase) >= 0)
                return EtcdTls.NotAnEtcdClientUrl(endpoint, status.Detail, ex);
            if (status.DebugException != null)
                return _tls.Classify(endpoint, uri, status.DebugException, started);
            return new EtcdRefusedException(endpoint, what, (int)status.StatusCode, status.Detail, ex);
        }

        /// <summary>
        /// The connection worked, but what came back is not HTTP/2 gRPC (no h2 in TLS, HTTP/1.1, garbage frames). The
        /// deepest verdict counts: a server that hangs up mid-handshake (etcd refusing our certificate under TLS 1.3)
        /// surfaces as "invalid response" wrapping "response ended".
        /// </summary>
        private static bool SpeaksNoGrpc(Exception debug)
        {
            // Only an HTTP-level verdict at the bottom of the chain counts: a TLS alert or a reset below it (etcd
            // refusing our certificate) is a transport failure, whatever the HTTP/2 layer made of it on top.
            var innermost = EtcdTls.Innermost(debug);
            var error = innermost is HttpIOException io ? io.HttpRequestError : innermost is HttpRequestException request ? request.HttpRequestError : (HttpRequestError?)null;
            return error == HttpRequestError.VersionNegotiationError || error == HttpRequestError.InvalidResponse || error == HttpRequestError.HttpProtocolError;
        }

        private static EtcdMemberListReply List(ResponseHeader? header, IEnumerable<Member> members) => new EtcdMemberListReply
        {
            ClusterId = header?.ClusterId ?? 0,
            Members = members.Select(Entry).ToList(),
        };

        private static EtcdMemberEntry Entry(Member? member) => member == null ? new EtcdMemberEntry() : new EtcdMemberEntry
        {
            Id = member.ID,
            Name = member.Name,
            PeerUrls = member.PeerURLs.ToList(),
            ClientUrls = member.ClientURLs.ToList(),
            IsLearner = member.IsLearner,
        };

        private Etcdserverpb.Maintenance.MaintenanceClient Maintenance(string endpoint) => new Etcdserverpb.Maintenance.MaintenanceClient(Channel(endpoint));
        private Etcdserverpb.Cluster.ClusterClient Cluster(string endpoint) => new Etcdserverpb.Cluster.ClusterClient(Channel(endpoint));
        private KV.KVClient Kv(string endpoint) => new KV.KVClient(Channel(endpoint));

        private GrpcChannel Channel(string endpoint) =>
            _channels.GetOrAdd(endpoint, e => new Lazy<GrpcChannel>(() => Open(e), LazyThreadSafetyMode.ExecutionAndPublication)).Value;

        /// <summary>One HTTP/2 connection pool per endpoint, so the server check knows which address it is verifying.</summary>
        private GrpcChannel Open(string endpoint)
        {
            var uri = new Uri(endpoint);
            var ssl = new SslClientAuthenticationOptions { EnabledSslProtocols = EtcdTls.Protocols };
            if (_tls.ClientCertificate != null) ssl.ClientCertificates = new X509CertificateCollection { _tls.ClientCertificate };
            if (_tls.VerifiesServer)
                ssl.RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                    _tls.ValidateServer(uri, certificate == null ? null : certificate as X509Certificate2 ?? new X509Certificate2(certificate), chain);
            var handler = new SocketsHttpHandler
            {
                UseProxy = false, // etcd is reached directly, never through a workstation's proxy
                UseCookies = false,
                AllowAutoRedirect = false,
                SslOptions = ssl,
                PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
                KeepAlivePingDelay = TimeSpan.FromSeconds(30),
                KeepAlivePingTimeout = TimeSpan.FromSeconds(10),
            };
            return GrpcChannel.ForAddress(uri, new GrpcChannelOptions
            {
                HttpHandler = handler,
                DisposeHttpClient = true,
                MaxReceiveMessageSize = MaxReceiveBytes,
            });
        }
    }
}
#endif
