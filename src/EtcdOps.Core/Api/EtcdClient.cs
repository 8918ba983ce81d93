using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Api
{
    /// <summary>A row for one endpoint plus, when the endpoint could not be asked, the failure to report.</summary>
    internal sealed class EndpointResult<T>
    {
        public EndpointResult(T row, EtcdOpsException? failure)
        {
            Row = row;
            Failure = failure;
        }

        public T Row { get; }
        public EtcdOpsException? Failure { get; }
    }

    /// <summary>
    /// etcd's v3 API in process: what etcdctl's member list, endpoint status and endpoint health do, over the
    /// transport of this build (<see cref="IEtcdTransport"/>). Endpoints are asked in parallel, each within the
    /// connection's timeout; an endpoint that fails gives a row with its error, never an exception for the whole call.
    /// </summary>
    internal sealed class EtcdClient
    {
        // etcdctl's health check reads this key.
        private static readonly byte[] HealthKey = System.Text.Encoding.ASCII.GetBytes("health");

        private readonly IEtcdTransport _transport;

        public EtcdClient(EtcdConnection connection)
        {
            Connection = connection;
            if (connection.Endpoints.Count == 0)
                throw new EtcdOpsException(ErrorIds.NoEtcdEndpoint, FailureKind.InvalidArgument,
                    "No etcd endpoint to ask. Give -Endpoint, pipe an EtcdCluster, or set ETCDCTL_ENDPOINTS.", null);
            var tls = connection.Endpoints.FirstOrDefault(e => e.StartsWith("https://", StringComparison.OrdinalIgnoreCase));
            if (tls != null && connection.CaCertificatePath == null)
                throw new EtcdOpsException(ErrorIds.MissingCaCertificate, FailureKind.InvalidArgument,
                    $"{tls} uses TLS, but no CA certificate was given to verify etcd's server certificate. Give -CaCertPath " +
                    "(etcdctl --cacert), -CertificateSet, or set ETCDCTL_CACERT. EtcdOps never falls back to the system trust store.", tls);
            _transport = EtcdTransports.For(connection.CaCertificatePath, connection.ClientCertificatePath, connection.ClientKeyPath);
        }

        internal EtcdClient(EtcdConnection connection, IEtcdTransport transport)
        {
            Connection = connection;
            _transport = transport;
        }

        /// <summary>The API this client speaks ("gRPC" or "JSON gateway").</summary>
        public string Transport => _transport.Name;

        internal IEtcdTransport Api => _transport;

        public EtcdConnection Connection { get; }

        public IReadOnlyList<EndpointResult<EtcdEndpointStatus>> GetStatus(IReadOnlyList<string> endpoints, CancellationToken cancellation) =>
            Run(endpoints, e => GetStatusAsync(e, Connection.Timeout, cancellation));

        public IReadOnlyList<EndpointResult<EtcdEndpointHealth>> GetHealth(IReadOnlyList<string> endpoints, CancellationToken cancellation) =>
            Run(endpoints, e => GetHealthAsync(e, Connection.Timeout, cancellation));

        /// <summary>
        /// The member list from the first endpoint that answers (etcdctl asks one endpoint too). When none answers,
        /// the failures of all are returned and the member list is empty.
        /// </summary>
        public (IReadOnlyList<EtcdClusterMember> Members, IReadOnlyList<EtcdOpsException> Failures) GetMembers(
            IReadOnlyList<string> endpoints, CancellationToken cancellation) =>
            GetMembersAsync(endpoints, Connection.Timeout, cancellation).GetAwaiter().GetResult();

        /// <summary>etcdctl --cluster: every client URL of every member, read from the member list.</summary>
        public IReadOnlyList<string> GetAllMemberEndpoints(IReadOnlyList<string> endpoints, CancellationToken cancellation, TimeSpan? timeout = null) =>
            AllMemberEndpointsAsync(endpoints, timeout ?? Connection.Timeout, cancellation).GetAwaiter().GetResult();

        private static IReadOnlyList<EndpointResult<T>> Run<T>(IReadOnlyList<string> endpoints, Func<string, Task<EndpointResult<T>>> query)
        {
            var tasks = endpoints.Select(query).ToArray();
            return Task.WhenAll(tasks).GetAwaiter().GetResult();
        }

        internal Task<EndpointResult<EtcdEndpointStatus>> GetStatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
            GetStatusAsync(_transport, endpoint, timeout, cancellation);

        /// <summary>One endpoint's status, or a row with its error and the failure.</summary>
        internal static async Task<EndpointResult<EtcdEndpointStatus>> GetStatusAsync(IEtcdTransport transport, string endpoint, TimeSpan timeout, CancellationToken cancellation)
        {
            try
            {
                return new EndpointResult<EtcdEndpointStatus>(await transport.StatusAsync(endpoint, timeout, cancellation).ConfigureAwait(false), null);
            }
            catch (EtcdOpsException ex)
            {
                return new EndpointResult<EtcdEndpointStatus>(new EtcdEndpointStatus { Endpoint = endpoint, Error = ex.Message }, ex);
            }
        }

        /// <summary>
        /// Health as etcdctl decides it. <paramref name="tolerated"/> names alarms that do not count here (defragmentation
        /// is how a NOSPACE alarm is answered, so it must not refuse because of one).
        /// </summary>
        internal async Task<EndpointResult<EtcdEndpointHealth>> GetHealthAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation,
            Func<EtcdAlarmEntry, bool>? tolerated = null)
        {
            var row = new EtcdEndpointHealth { Endpoint = endpoint };
            var clock = Stopwatch.StartNew();
            try
            {
                // A linearizable range must pass raft (ReadIndex through the leader): the proof etcdctl uses. The alarm
                // list is asked at the same time: the two answers are independent, and waiting for one before the
                // other doubles the time on a busy cluster.
                var read = _transport.RangeAsync(endpoint, new EtcdRangeRequest { Key = HealthKey }, timeout, cancellation);
                var alarms = _transport.AlarmsAsync(endpoint, timeout, cancellation);
                try
                {
                    await read.ConfigureAwait(false);
                }
                catch (EtcdRefusedException denied) when (denied.PermissionDenied)
                {
                    // The read reached raft; this user just may not read the key.
                }
                finally
                {
                    row.Took = clock.Elapsed;
                    // Observed either way, so a failure of the alarm list never goes unobserved when the read failed.
                    _ = alarms.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously);
                }

                string? problem;
                try
                {
                    var active = await alarms.ConfigureAwait(false);
                    problem = AlarmProblem(tolerated == null ? active : active.Where(a => !tolerated(a)).ToList());
                }
                catch (EtcdRefusedException refused)
                {
                    problem = refused.PermissionDenied ? null : $"unable to fetch the alarm list ({refused.EtcdMessage})";
                }
                if (problem != null)
                {
                    row.Error = problem;
                    return new EndpointResult<EtcdEndpointHealth>(row, new EtcdOpsException(ErrorIds.EtcdEndpointUnhealthy, FailureKind.InvalidOperation,
                        $"{endpoint} is unhealthy: {problem}. See etcd's alarm documentation: free space (compact, defragment) or fix the corruption, then 'etcdctl alarm disarm'.", endpoint));
                }
                row.Health = true;
                return new EndpointResult<EtcdEndpointHealth>(row, null);
            }
            catch (EtcdOpsException ex)
            {
                if (row.Took == TimeSpan.Zero) row.Took = clock.Elapsed;
                row.Error = ex.Message;
                return new EndpointResult<EtcdEndpointHealth>(row, ex);
            }
        }

        /// <summary>Like etcdctl: active alarms make a member unhealthy. A user who may not list alarms still counts as healthy.</summary>
        internal static string? AlarmProblem(IReadOnlyList<EtcdAlarmEntry> alarms) =>
            alarms.Count == 0 ? null : "active alarm(s): " + string.Join(", ", alarms.Select(a => a.Alarm).Distinct());

        internal async Task<(IReadOnlyList<EtcdClusterMember>, IReadOnlyList<EtcdOpsException>)> GetMembersAsync(
            IReadOnlyList<string> endpoints, TimeSpan timeout, CancellationToken cancellation)
        {
            var pending = endpoints.Select(e => MemberListAsync(e, timeout, cancellation)).ToList();
            var failures = new List<EtcdOpsException>();
            while (pending.Count > 0)
            {
                var done = await Task.WhenAny(pending).ConfigureAwait(false);
                pending.Remove(done);
                var (members, failure) = await done.ConfigureAwait(false);
                if (failure == null) return (members, new EtcdOpsException[0]);
                failures.Add(failure);
            }
            cancellation.ThrowIfCancellationRequested();
            // Report failures in the order the endpoints were given.
            failures.Sort((a, b) => IndexOf(endpoints, a.Target).CompareTo(IndexOf(endpoints, b.Target)));
            return (new EtcdClusterMember[0], failures);
        }

        private static int IndexOf(IReadOnlyList<string> endpoints, object? target)
        {
            for (var i = 0; i < endpoints.Count; i++) if (Equals(endpoints[i], target)) return i;
            return endpoints.Count;
        }

        private async Task<(IReadOnlyList<EtcdClusterMember>, EtcdOpsException?)> MemberListAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation)
        {
            try
            {
                var reply = await _transport.MemberListAsync(endpoint, linearizable: false, timeout, cancellation).ConfigureAwait(false);
                return (ToRows(endpoint, reply), null);
            }
            catch (EtcdOpsException ex)
            {
                return (new EtcdClusterMember[0], ex);
            }
        }

        internal static List<EtcdClusterMember> ToRows(string endpoint, EtcdMemberListReply reply) =>
            reply.Members.Select(m => new EtcdClusterMember
            {
                ID = Hex(m.Id),
                Name = m.Name,
                Status = m.Name.Length == 0 ? "unstarted" : "started",
                PeerURLs = m.PeerUrls.ToArray(),
                ClientURLs = m.ClientUrls.ToArray(),
                IsLearner = m.IsLearner,
                Endpoint = endpoint,
                ClusterID = Hex(reply.ClusterId),
            }).ToList();

        internal async Task<IReadOnlyList<string>> AllMemberEndpointsAsync(IReadOnlyList<string> endpoints, TimeSpan timeout, CancellationToken cancellation)
        {
            var (members, failures) = await GetMembersAsync(endpoints, timeout, cancellation).ConfigureAwait(false);
            if (failures.Count > 0)
                throw new EtcdOpsException(ErrorIds.EtcdMemberListFailed, FailureKind.ConnectionError,
                    "Could not read the member list from any endpoint, so the members' client URLs are unknown:" +
                    string.Concat(failures.Select(f => Environment.NewLine + "  " + f.Message)), endpoints.FirstOrDefault());
            var urls = EtcdConnection.NormalizeEndpoints(members.SelectMany(m => m.ClientURLs), tls: true);
            if (urls.Count == 0)
                throw new EtcdOpsException(ErrorIds.EtcdNoMemberClientUrls, FailureKind.InvalidData,
                    "The member list names no client URLs (are all members unstarted?). Give the endpoints with -Endpoint instead.", endpoints.FirstOrDefault());
            return urls;
        }

        /// <summary>Status and health of every endpoint at once, and whether that makes a ready cluster.</summary>
        public EtcdClusterReadiness CheckReadiness(IReadOnlyList<string> endpoints, TimeSpan timeout, CancellationToken cancellation)
        {
            var statuses = endpoints.Select(e => GetStatusAsync(e, timeout, cancellation)).ToArray();
            var healths = endpoints.Select(e => GetHealthAsync(e, timeout, cancellation)).ToArray();
            Task.WhenAll(statuses.Cast<Task>().Concat(healths)).GetAwaiter().GetResult();
            return EtcdClusterReadiness.Evaluate(statuses.Select(t => t.Result.Row).ToList(), healths.Select(t => t.Result.Row).ToList());
        }

        /// <summary>
        /// Polls until every endpoint is healthy and all agree on one leader, or <paramref name="timeout"/> passes
        /// (then an OperationTimeout failure naming each endpoint's problem). <paramref name="resolveEndpoints"/> runs
        /// per attempt, so etcdctl --cluster style resolution follows members that come up late.
        /// <paramref name="onAttempt"/> runs on the calling thread after each attempt (progress).
        /// </summary>
        public EtcdClusterReadiness WaitUntilReady(Func<TimeSpan, IReadOnlyList<string>> resolveEndpoints, TimeSpan timeout, TimeSpan interval,
            Action<EtcdClusterReadiness, TimeSpan>? onAttempt, CancellationToken cancellation)
        {
            var clock = Stopwatch.StartNew();
            EtcdClusterReadiness last;
            while (true)
            {
                var remaining = timeout - clock.Elapsed;
                var requestTimeout = remaining < Connection.Timeout ? remaining : Connection.Timeout;
                if (requestTimeout < TimeSpan.FromMilliseconds(200)) requestTimeout = TimeSpan.FromMilliseconds(200);
                try
                {
                    last = CheckReadiness(resolveEndpoints(requestTimeout), requestTimeout, cancellation);
                }
                catch (EtcdOpsException ex) when (ex.Kind != FailureKind.InvalidArgument)
                {
                    last = EtcdClusterReadiness.Failed(ex.Message);
                }
                onAttempt?.Invoke(last, clock.Elapsed);
                if (last.Ready) return last;
                var left = timeout - clock.Elapsed;
                if (left <= TimeSpan.Zero) break;
                cancellation.WaitHandle.WaitOne(left < interval ? left : interval);
                cancellation.ThrowIfCancellationRequested();
            }
            throw new EtcdOpsException(ErrorIds.EtcdClusterNotReady, FailureKind.OperationTimeout,
                $"The cluster was not ready within {timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s:" +
                string.Concat(last.Problems.Select(p => Environment.NewLine + "  " + p)) + Environment.NewLine +
                "Check those members (service running, logs, network between peers), or raise -Timeout.", last);
        }

        internal static string Hex(ulong id) => id.ToString("x", CultureInfo.InvariantCulture);

        /// <summary>A member ID as etcd's replies and <see cref="Hex"/> write it; 0 (an ID etcd never gives) for none or unreadable.</summary>
        internal static ulong ParseId(string? hex) =>
            ulong.TryParse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var id) ? id : 0;
    }

    /// <summary>Whether a set of endpoints forms a ready cluster: all healthy, all following the same single leader.</summary>
    internal sealed class EtcdClusterReadiness
    {
        public bool Ready => Problems.Count == 0;
        public IReadOnlyList<string> Problems { get; private set; } = new string[0];
        public IReadOnlyList<EtcdEndpointStatus> Status { get; private set; } = new EtcdEndpointStatus[0];
        public IReadOnlyList<EtcdEndpointHealth> Health { get; private set; } = new EtcdEndpointHealth[0];

        /// <summary>The leader's member ID (hex) when all endpoints agree on one.</summary>
        public string Leader { get; private set; } = "";

        internal static EtcdClusterReadiness Failed(string problem) => new EtcdClusterReadiness { Problems = new[] { problem } };

        public static EtcdClusterReadiness Evaluate(IReadOnlyList<EtcdEndpointStatus> status, IReadOnlyList<EtcdEndpointHealth> health)
        {
            var problems = new List<string>();
            foreach (var s in status)
            {
                var h = health.FirstOrDefault(x => x.Endpoint == s.Endpoint);
                if (s.Error != null) problems.Add(s.Error);
                else if (h != null && !h.Health) problems.Add($"{s.Endpoint}: unhealthy: {h.Error}");
                else if (s.Leader.Length == 0) problems.Add($"{s.Endpoint}: member {s.ID} knows no leader");
                else if (s.Errors.Count > 0) problems.Add($"{s.Endpoint}: etcd reports {string.Join("; ", s.Errors)}");
            }
            var (leader, disagreement) = EtcdMemberMap.AgreedLeader(status.Where(s => s.Error == null));
            if (disagreement)
                problems.Add("the members disagree on the leader: " + string.Join(", ",
                    status.Where(s => s.Error == null && s.Leader.Length > 0).Select(s => $"{s.Endpoint} follows {s.Leader}")));
            if (status.Count == 0) problems.Add("no endpoint to check");
            return new EtcdClusterReadiness
            {
                Problems = problems,
                Status = status,
                Health = health,
                Leader = leader,
            };
        }
    }
}
