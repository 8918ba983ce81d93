using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>
    /// etcd's v3 API over its gRPC-JSON gateway (POST /v3/...): the transport of the desktop (Windows PowerShell 5.1)
    /// build, where gRPC over HTTP/2 is not available. Field names are the proto names; 64-bit numbers arrive as
    /// strings; false and zero fields are omitted.
    /// </summary>
    internal sealed class GatewayTransport : IEtcdTransport, IDisposable
    {
        private readonly HttpClient _http;
        private readonly EtcdTls _tls;

        public GatewayTransport(EtcdTls tls)
        {
            _tls = tls;
            var handler = new HttpClientHandler
            {
                UseProxy = false, // the gateway is reached directly, never through a workstation's proxy
                UseCookies = false,
                AllowAutoRedirect = false,
                ClientCertificateOptions = ClientCertificateOption.Manual,
            };
            try
            {
                handler.SslProtocols = EtcdTls.Protocols;
            }
            catch (Exception ex) when (ex is NotSupportedException || ex is ArgumentException || ex is PlatformNotSupportedException)
            {
                handler.SslProtocols = System.Security.Authentication.SslProtocols.Tls12;
            }
            if (tls.VerifiesServer) handler.ServerCertificateCustomValidationCallback = (request, certificate, chain, _) => tls.ValidateServer(request.RequestUri!, certificate, chain);
            if (tls.ClientCertificate != null) handler.ClientCertificates.Add(tls.ClientCertificate);
            _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        public string Name => "JSON gateway";

        public async Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation)
        {
            using var body = await PostAsync(endpoint, "/v3/maintenance/status", "status", "{}", timeout, cancellation).ConfigureAwait(false);
            return ParseStatus(endpoint, body.RootElement);
        }

        internal static EtcdEndpointStatus ParseStatus(string endpoint, JsonElement root)
        {
            var memberId = UInt64(Object(root, "header"), "member_id");
            var leader = UInt64(root, "leader");
            return new EtcdEndpointStatus
            {
                Endpoint = endpoint,
                ID = EtcdClient.Hex(memberId),
                ClusterID = EtcdClient.Hex(UInt64(Object(root, "header"), "cluster_id")),
                Revision = Int64(Object(root, "header"), "revision"),
                Version = String(root, "version"),
                DbSize = Int64(root, "dbSize"),
                DbSizeInUse = Int64(root, "dbSizeInUse"),
                DbSizeQuota = Int64(root, "dbSizeQuota"),
                Leader = leader == 0 ? "" : EtcdClient.Hex(leader),
                IsLeader = leader != 0 && leader == memberId,
                IsLearner = Boolean(root, "isLearner"),
                RaftTerm = UInt64(root, "raftTerm"),
                RaftIndex = UInt64(root, "raftIndex"),
                RaftAppliedIndex = UInt64(root, "raftAppliedIndex"),
                Errors = Array(root, "errors").Select(e => e.GetString() ?? "").ToArray(),
            };
        }

        public async Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation)
        {
            using var body = await PostAsync(endpoint, "/v3/cluster/member/list", "member list", linearizable ? "{\"linearizable\":true}" : "{}", timeout, cancellation).ConfigureAwait(false);
            return ParseMembers(body.RootElement);
        }

        public async Task<EtcdMemberAddReply> MemberAddAsync(string endpoint, IReadOnlyList<string> peerUrls, bool isLearner, TimeSpan timeout, CancellationToken cancellation)
        {
            var request = $"{{\"peerURLs\":{JsonSerializer.Serialize(peerUrls)},\"isLearner\":{(isLearner ? "true" : "false")}}}";
            using var body = await PostAsync(endpoint, "/v3/cluster/member/add", "member add", request, timeout, cancellation).ConfigureAwait(false);
            return new EtcdMemberAddReply { Added = ParseMember(Object(body.RootElement, "member")), List = ParseMembers(body.RootElement) };
        }

        public Task<EtcdMemberListReply> MemberPromoteAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) =>
            MemberChangeAsync(endpoint, "/v3/cluster/member/promote", "member promote", $"{{\"ID\":\"{memberId}\"}}", timeout, cancellation);

        public Task<EtcdMemberListReply> MemberRemoveAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) =>
            MemberChangeAsync(endpoint, "/v3/cluster/member/remove", "member remove", $"{{\"ID\":\"{memberId}\"}}", timeout, cancellation);

        public Task<EtcdMemberListReply> MemberUpdateAsync(string endpoint, ulong memberId, IReadOnlyList<string> peerUrls, TimeSpan timeout, CancellationToken cancellation) =>
            MemberChangeAsync(endpoint, "/v3/cluster/member/update", "member update", $"{{\"ID\":\"{memberId}\",\"peerURLs\":{JsonSerializer.Serialize(peerUrls)}}}", timeout, cancellation);

        private async Task<EtcdMemberListReply> MemberChangeAsync(string endpoint, string path, string what, string request, TimeSpan timeout, CancellationToken cancellation)
        {
            using var body = await PostAsync(endpoint, path, what, request, timeout, cancellation).ConfigureAwait(false);
            return ParseMembers(body.RootElement);
        }

        public async Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation)
        {
            var json = new StringBuilder("{\"key\":\"").Append(Convert.ToBase64String(request.Key)).Append('"');
            if (request.RangeEnd != null) json.Append(",\"range_end\":\"").Append(Convert.ToBase64String(request.RangeEnd)).Append('"');
            if (request.Limit > 0) json.Append(",\"limit\":\"").Append(request.Limit.ToString(CultureInfo.InvariantCulture)).Append('"');
            if (request.Serializable) json.Append(",\"serializable\":true");
            if (request.KeysOnly) json.Append(",\"keys_only\":true");
            if (request.CountOnly) json.Append(",\"count_only\":true");
            using var body = await PostAsync(endpoint, "/v3/kv/range", "range", json.Append('}').ToString(), timeout, cancellation).ConfigureAwait(false);
            var root = body.RootElement;
            return new EtcdRangeReply
            {
                Revision = Int64(Object(root, "header"), "revision"),
                Count = Int64(root, "count"),
                More = Boolean(root, "more"),
                Kvs = Array(root, "kvs").Select(kv => new EtcdKeyValue
                {
                    Key = Bytes(kv, "key"),
                    Value = Bytes(kv, "value"),
                    CreateRevision = Int64(kv, "create_revision"),
                    ModRevision = Int64(kv, "mod_revision"),
                    Version = Int64(kv, "version"),
                }).ToList(),
            };
        }

        public async Task<long> PutAsync(string endpoint, byte[] key, byte[] value, TimeSpan timeout, CancellationToken cancellation)
        {
            var request = $"{{\"key\":\"{Convert.ToBase64String(key)}\",\"value\":\"{Convert.ToBase64String(value)}\"}}";
            using var body = await PostAsync(endpoint, "/v3/kv/put", "put", request, timeout, cancellation).ConfigureAwait(false);
            return Int64(Object(body.RootElement, "header"), "revision");
        }

        public async Task<long> DeleteRangeAsync(string endpoint, byte[] key, byte[]? rangeEnd, TimeSpan timeout, CancellationToken cancellation)
        {
            var request = rangeEnd == null
                ? $"{{\"key\":\"{Convert.ToBase64String(key)}\"}}"
                : $"{{\"key\":\"{Convert.ToBase64String(key)}\",\"range_end\":\"{Convert.ToBase64String(rangeEnd)}\"}}";
            using var body = await PostAsync(endpoint, "/v3/kv/deleterange", "delete", request, timeout, cancellation).ConfigureAwait(false);
            return Int64(body.RootElement, "deleted");
        }

        public Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
            AlarmAsync(endpoint, "alarm list", "{\"action\":\"GET\"}", timeout, cancellation);

        public Task<IReadOnlyList<EtcdAlarmEntry>> DeactivateAlarmAsync(string endpoint, EtcdAlarmEntry alarm, TimeSpan timeout, CancellationToken cancellation) =>
            AlarmAsync(endpoint, "alarm disarm", $"{{\"action\":\"DEACTIVATE\",\"memberID\":\"{alarm.MemberId}\",\"alarm\":{JsonSerializer.Serialize(alarm.Alarm.ToUpperInvariant())}}}", timeout, cancellation);

        private async Task<IReadOnlyList<EtcdAlarmEntry>> AlarmAsync(string endpoint, string what, string request, TimeSpan timeout, CancellationToken cancellation)
        {
            using var body = await PostAsync(endpoint, "/v3/maintenance/alarm", what, request, timeout, cancellation).ConfigureAwait(false);
            return ParseAlarms(body.RootElement);
        }

        public async Task CompactAsync(string endpoint, long revision, bool physical, TimeSpan timeout, CancellationToken cancellation)
        {
            var request = $"{{\"revision\":\"{revision.ToString(CultureInfo.InvariantCulture)}\",\"physical\":{(physical ? "true" : "false")}}}";
            (await PostAsync(endpoint, "/v3/kv/compaction", "compaction", request, timeout, cancellation).ConfigureAwait(false)).Dispose();
        }

        public async Task DefragmentAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
            (await PostAsync(endpoint, "/v3/maintenance/defragment", "defragment", "{}", timeout, cancellation).ConfigureAwait(false)).Dispose();

        public async Task MoveLeaderAsync(string endpoint, ulong targetId, TimeSpan timeout, CancellationToken cancellation) =>
            (await PostAsync(endpoint, "/v3/maintenance/transfer-leadership", "move leader", $"{{\"targetID\":\"{targetId}\"}}", timeout, cancellation).ConfigureAwait(false)).Dispose();

        public async Task<EtcdHashKvReply> HashKvAsync(string endpoint, long revision, TimeSpan timeout, CancellationToken cancellation)
        {
            using var body = await PostAsync(endpoint, "/v3/maintenance/hashkv", "hashkv", $"{{\"revision\":\"{revision.ToString(CultureInfo.InvariantCulture)}\"}}", timeout, cancellation).ConfigureAwait(false);
            var root = body.RootElement;
            return new EtcdHashKvReply
            {
                MemberId = UInt64(Object(root, "header"), "member_id"),
                Revision = Int64(Object(root, "header"), "revision"),
                Hash = (uint)UInt64(root, "hash"),
                CompactRevision = Int64(root, "compact_revision"),
                HashRevision = Int64(root, "hash_revision"),
            };
        }

        /// <summary>The gateway streams one JSON object per line: {"result":{"remaining_bytes","blob"}} or {"error":...}.</summary>
        public async Task<EtcdSnapshotStreamInfo> SnapshotAsync(string endpoint, Stream destination, Action<long, long>? progress, TimeSpan idleTimeout, CancellationToken cancellation)
        {
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            idle.CancelAfter(idleTimeout);
            var uri = new Uri(endpoint + "/v3/maintenance/snapshot");
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            var info = new EtcdSnapshotStreamInfo();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent("{}", Encoding.UTF8, "application/json") };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, idle.Token).ConfigureAwait(false);
                using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                using var reader = new StreamReader(stream, Encoding.UTF8);
                string? line;
                while ((line = await reader.ReadLineAsync().ConfigureAwait(false)) != null)
                {
                    if (line.Trim().Length == 0) continue;
                    using var message = Parse(endpoint, "/v3/maintenance/snapshot", (int)response.StatusCode, line);
                    var root = message.RootElement;
                    if (root.TryGetProperty("error", out var error)) throw Refused(endpoint, "snapshot", error);
                    if (!response.IsSuccessStatusCode) throw Refused(endpoint, "snapshot", root);
                    var result = Object(root, "result");
                    var blob = Bytes(result, "blob");
                    if (String(result, "version").Length > 0) info.Version = String(result, "version");
                    var header = Object(result, "header");
                    if (Int64(header, "revision") > 0)
                    {
                        info.Revision = Int64(header, "revision");
                        info.MemberId = UInt64(header, "member_id");
                        info.ClusterId = UInt64(header, "cluster_id");
                    }
                    await destination.WriteAsync(blob, 0, blob.Length, idle.Token).ConfigureAwait(false);
                    info.Bytes += blob.Length;
                    progress?.Invoke(info.Bytes, info.Bytes + Int64(result, "remaining_bytes"));
                    idle.CancelAfter(idleTimeout);
                }
                return info;
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw EtcdTls.Timeout(endpoint, idleTimeout);
            }
            catch (HttpRequestException ex)
            {
                throw _tls.Classify(endpoint, uri, ex, started);
            }
            catch (IOException ex)
            {
                throw _tls.Classify(endpoint, uri, ex, started);
            }
        }

        /// <summary>
        /// POSTs <paramref name="json"/> to <paramref name="path"/> on one endpoint within <paramref name="timeout"/>;
        /// etcd's answer, or its refusal as an <see cref="EtcdRefusedException"/>.
        /// </summary>
        private async Task<JsonDocument> PostAsync(string endpoint, string path, string what, string json, TimeSpan timeout, CancellationToken cancellation)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timer.CancelAfter(timeout);
            var uri = new Uri(endpoint + path);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timer.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                var body = Parse(endpoint, path, (int)response.StatusCode, text);
                if (response.IsSuccessStatusCode) return body;
                using (body) throw Refused(endpoint, what, body.RootElement, (int)response.StatusCode);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw EtcdTls.Timeout(endpoint, timeout);
            }
            catch (HttpRequestException ex)
            {
                throw _tls.Classify(endpoint, uri, ex, started);
            }
        }

        internal static JsonDocument Parse(string endpoint, string path, int status, string text)
        {
            JsonDocument body;
            try
            {
                body = JsonDocument.Parse(text.Trim().Length == 0 ? "{}" : text);
            }
            catch (JsonException ex)
            {
                throw EtcdTls.NotAnEtcdClientUrl(endpoint, $"{path} answered HTTP {status} with a body that is not JSON: {ex.Message}", ex);
            }
            if (body.RootElement.ValueKind != JsonValueKind.Object)
            {
                body.Dispose();
                throw EtcdTls.NotAnEtcdClientUrl(endpoint, $"{path} answered HTTP {status} with JSON that is not an object", null);
            }
            return body;
        }

        /// <summary>grpc-gateway error bodies: {"code":N,"message":"..."} (3.5, 3.6) or with "error" as well (3.4).</summary>
        internal static EtcdRefusedException Refused(string endpoint, string what, JsonElement error, int httpStatus = 0)
        {
            var code = (int)Int64(error, "code");
            var message = String(error, "message");
            if (message.Length == 0) message = String(error, "error");
            if (message.Length == 0) message = $"HTTP {httpStatus}";
            return new EtcdRefusedException(endpoint, what, code, message);
        }

        internal static EtcdMemberListReply ParseMembers(JsonElement root) => new EtcdMemberListReply
        {
            ClusterId = UInt64(Object(root, "header"), "cluster_id"),
            Members = Array(root, "members").Select(ParseMember).ToList(),
        };

        internal static EtcdMemberEntry ParseMember(JsonElement member) => new EtcdMemberEntry
        {
            Id = UInt64(member, "ID"),
            Name = String(member, "name"),
            PeerUrls = Array(member, "peerURLs").Select(u => u.GetString() ?? "").ToList(),
            ClientUrls = Array(member, "clientURLs").Select(u => u.GetString() ?? "").ToList(),
            IsLearner = Boolean(member, "isLearner"),
        };

        internal static IReadOnlyList<EtcdAlarmEntry> ParseAlarms(JsonElement root) =>
            Array(root, "alarms").Select(a => new EtcdAlarmEntry { MemberId = UInt64(a, "memberID"), Alarm = String(a, "alarm") })
                .Where(a => a.Alarm.Length > 0 && a.Alarm != "NONE").ToList();

        // The gateway omits false, zero and empty fields; a missing property reads as that default.
        private static JsonElement Object(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Object ? value : default;

        private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
                ? value.EnumerateArray().ToList() : new List<JsonElement>();

        private static string String(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
                ? value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : ""
                : "";

        private static bool Boolean(JsonElement element, string name) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

        private static byte[] Bytes(JsonElement element, string name)
        {
            var text = String(element, name);
            return text.Length == 0 ? new byte[0] : Convert.FromBase64String(text);
        }

        /// <summary>int64 and uint64 arrive as strings, other numbers as numbers; a value that is neither is a broken reply.</summary>
        internal static ulong UInt64(JsonElement element, string name)
        {
            var text = String(element, name);
            if (text.Length == 0) return 0;
            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
            throw new FormatException($"'{name}' is not an unsigned 64-bit number: '{text}'.");
        }

        internal static long Int64(JsonElement element, string name)
        {
            var text = String(element, name);
            if (text.Length == 0) return 0;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            throw new FormatException($"'{name}' is not a 64-bit number: '{text}'.");
        }

        public void Dispose() => _http.Dispose();
    }
}
