using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Maintenance
{
    /// <summary>
    /// One of etcdctl check perf's workloads (etcdctl/ctlv3/command/check.go, checkPerfCfgMap): a target of
    /// <see cref="Limit"/> writes per second from <see cref="Clients"/> concurrent clients for <see cref="Duration"/>.
    /// </summary>
    internal sealed class PerformanceLoad
    {
        private PerformanceLoad(string name, int limit, int clients, int seconds)
        {
            Name = name; Limit = limit; Clients = clients; Duration = TimeSpan.FromSeconds(seconds);
        }

        public string Name { get; }
        public int Limit { get; }
        public int Clients { get; }
        public TimeSpan Duration { get; private set; }

        /// <summary>etcdctl's keys: 256 bytes after the prefix (a varint of a random number, then zeros); values 1024 zero bytes.</summary>
        public const int KeySize = 256;
        public const int ValueSize = 1024;

        public static readonly IReadOnlyList<PerformanceLoad> All = new[]
        {
            new PerformanceLoad("s", 150, 50, 60),
            new PerformanceLoad("m", 1000, 200, 60),
            new PerformanceLoad("l", 8000, 500, 60),
            new PerformanceLoad("xl", 15000, 1000, 60),
        };

        /// <summary>The load by etcdctl's name or alias (s/small, m/medium, l/large, xl/xLarge).</summary>
        public static PerformanceLoad Get(string name)
        {
            var key = name.ToLowerInvariant() switch { "small" => "s", "medium" => "m", "large" => "l", "xlarge" => "xl", var k => k };
            return All.FirstOrDefault(l => l.Name == key)
                ?? throw new ArgumentException($"Unknown load '{name}'. Use s, m, l or xl (etcdctl check perf --load).", nameof(name));
        }

        /// <summary>The same load over another duration (the tests of the runner; the cmdlet always runs etcdctl's).</summary>
        internal PerformanceLoad WithDuration(TimeSpan duration) => new PerformanceLoad(Name, Limit, Clients, 1) { Duration = duration };
    }

    /// <summary>What the requests of a run measured, computed as etcd's pkg/report does (population standard deviation; RPS = successes / total time).</summary>
    internal sealed class LatencyStats
    {
        public long Requests { get; private set; }
        public double TotalSeconds { get; private set; }
        public double Rps { get; private set; }
        public double Slowest { get; private set; }
        public double Fastest { get; private set; }
        public double Average { get; private set; }
        public double Stddev { get; private set; }
        /// <summary>Failed requests by error message.</summary>
        public IReadOnlyDictionary<string, long> Errors { get; private set; } = new Dictionary<string, long>();

        public static LatencyStats From(IReadOnlyCollection<double> latencies, IReadOnlyDictionary<string, long> errors, double totalSeconds)
        {
            var stats = new LatencyStats { Requests = latencies.Count, TotalSeconds = totalSeconds, Errors = errors };
            if (latencies.Count > 0)
            {
                stats.Slowest = latencies.Max();
                stats.Fastest = latencies.Min();
                stats.Average = latencies.Average();
                var avg = stats.Average;
                stats.Stddev = Math.Sqrt(latencies.Sum(l => (l - avg) * (l - avg)) / latencies.Count);
            }
            stats.Rps = totalSeconds > 0 ? latencies.Count / totalSeconds : 0;
            return stats;
        }
    }

    /// <summary>Test-EtcdPerformance's verdict and figures: etcdctl check perf's, per criterion.</summary>
    public sealed class EtcdPerformanceResult
    {
        public string Load { get; set; } = "";
        /// <summary>Every criterion holds (etcdctl prints PASS and exits 0).</summary>
        public bool Passed { get; set; }
        public string Verdict => Passed ? "PASS" : "FAIL";
        /// <summary>Successful writes per second over the run (etcdctl prints int(this)+1).</summary>
        public double Throughput { get; set; }
        /// <summary>The load's target: the run passes above 90 % of it.</summary>
        public int TargetThroughput { get; set; }
        public double SlowestSeconds { get; set; }
        public double FastestSeconds { get; set; }
        public double AverageSeconds { get; set; }
        public double StddevSeconds { get; set; }
        public long Requests { get; set; }
        public long Errors { get; set; }
        public int Clients { get; set; }
        public double DurationSeconds { get; set; }
        public string[] Endpoints { get; set; } = new string[0];
        /// <summary>The prefix the check wrote under (deleted afterwards).</summary>
        public string Prefix { get; set; } = "";
        public long KeysDeleted { get; set; }
        /// <summary>etcdctl's lines: PASS:/FAIL: per criterion, then the errors by message.</summary>
        public string[] Report { get; set; } = new string[0];

        public override string ToString() => Verdict + ": " + string.Join("; ", Report);
    }

    /// <summary>etcdctl check perf's pass criteria (check.go): no error, throughput above 90 % of the load's, slowest request at most 0.5 s, standard deviation at most 0.1 s.</summary>
    internal static class PerformanceCriteria
    {
        public const double MinThroughputRatio = 0.9;
        public const double MaxSlowestSeconds = 0.5;
        public const double MaxStddevSeconds = 0.1;

        public static EtcdPerformanceResult Judge(PerformanceLoad load, LatencyStats stats)
        {
            var lines = new List<string>();
            var ok = true;
            var errors = stats.Errors.Values.Sum();
            if (errors > 0)
            {
                ok = false;
                lines.Add("FAIL: too many errors");
                foreach (var e in stats.Errors.OrderByDescending(e => e.Value)) lines.Add($"FAIL: ERROR({e.Key}) -> {e.Value}");
            }
            var shown = ((int)stats.Rps + 1).ToString(CultureInfo.InvariantCulture);
            if (stats.Rps / load.Limit <= MinThroughputRatio) { ok = false; lines.Add($"FAIL: Throughput too low: {shown} writes/s (the {load.Name} load needs more than {MinThroughputRatio * load.Limit:0} of {load.Limit})"); }
            else lines.Add($"PASS: Throughput is {shown} writes/s");
            if (stats.Slowest > MaxSlowestSeconds) { ok = false; lines.Add($"FAIL: Slowest request took too long: {stats.Slowest.ToString("0.000000", CultureInfo.InvariantCulture)}s (at most {MaxSlowestSeconds}s)"); }
            else lines.Add($"PASS: Slowest request took {stats.Slowest.ToString("0.000000", CultureInfo.InvariantCulture)}s");
            if (stats.Stddev > MaxStddevSeconds) { ok = false; lines.Add($"FAIL: Stddev too high: {stats.Stddev.ToString("0.000000", CultureInfo.InvariantCulture)}s (at most {MaxStddevSeconds}s)"); }
            else lines.Add($"PASS: Stddev is {stats.Stddev.ToString("0.000000", CultureInfo.InvariantCulture)}s");
            return new EtcdPerformanceResult
            {
                Load = load.Name, Passed = ok, Throughput = stats.Rps, TargetThroughput = load.Limit,
                SlowestSeconds = stats.Slowest, FastestSeconds = stats.Fastest, AverageSeconds = stats.Average, StddevSeconds = stats.Stddev,
                Requests = stats.Requests, Errors = errors, Clients = load.Clients, DurationSeconds = stats.TotalSeconds, Report = lines.ToArray(),
            };
        }
    }

    /// <summary>
    /// etcdctl check perf over EtcdOps' transports: <see cref="PerformanceLoad.Clients"/> clients (each its own
    /// transport, so its own connections, as etcdctl makes one client each) put etcdctl's keys under a unique prefix at
    /// the load's rate (a limiter with a burst of one, a queue as deep as there are clients) for the load's duration;
    /// then the prefix is deleted, also when the run is cancelled (Ctrl+C) or fails.
    /// </summary>
    internal sealed class PerformanceCheck
    {
        private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan CleanupTimeout = TimeSpan.FromSeconds(30);

        private readonly PerformanceLoad _load;
        private readonly IReadOnlyList<string> _endpoints;
        private readonly Func<int, IEtcdTransport> _transport;
        private readonly Stopwatch _clock = new Stopwatch();
        private long _done;

        public PerformanceCheck(PerformanceLoad load, IReadOnlyList<string> endpoints, Func<int, IEtcdTransport> transport, string? prefix = null)
        {
            _load = load;
            _endpoints = endpoints;
            _transport = transport;
            Prefix = prefix ?? "/etcdops-check-perf/" + Guid.NewGuid().ToString("N").Substring(0, 12) + "/";
        }

        /// <summary>The check over a connection's endpoints and TLS files: one new transport per client.</summary>
        public static PerformanceCheck For(EtcdConnection connection, PerformanceLoad load) =>
            new PerformanceCheck(load, connection.Endpoints, _ => EtcdTransports.Create(connection.CaCertificatePath, connection.ClientCertificatePath, connection.ClientKeyPath));

        public string Prefix { get; }

        /// <summary>Requests answered so far (for progress).</summary>
        public long Completed => Interlocked.Read(ref _done);

        public TimeSpan Elapsed => _clock.Elapsed;

        public TimeSpan Duration => _load.Duration;

        public async Task<EtcdPerformanceResult> RunAsync(CancellationToken cancellation)
        {
            var prefix = Encoding.UTF8.GetBytes(Prefix);
            var rangeEnd = PrefixEnd(prefix);
            var transports = Enumerable.Range(0, _load.Clients).Select(_transport).ToList();
            var first = transports[0];
            try
            {
                var existing = await first.RangeAsync(_endpoints[0], new EtcdRangeRequest { Key = prefix, RangeEnd = rangeEnd, CountOnly = true }, RequestTimeout, cancellation).ConfigureAwait(false);
                if (existing.Count > 0)
                    throw new EtcdOpsException(ErrorIds.PerformanceKeysLeft, FailureKind.ResourceExists,
                        $"The prefix {Prefix} has keys already. Delete them first: etcdctl del --prefix '{Prefix}'.", Prefix);
                long deleted = 0;
                LatencyStats stats;
                try
                {
                    stats = await LoadAsync(transports, prefix, cancellation).ConfigureAwait(false);
                }
                finally
                {
                    // Also after Ctrl+C: the keys go, within their own timeout.
                    deleted = await CleanUpAsync(first, prefix, rangeEnd).ConfigureAwait(false);
                }
                var result = PerformanceCriteria.Judge(_load, stats);
                result.Endpoints = _endpoints.ToArray();
                result.Prefix = Prefix;
                result.KeysDeleted = deleted;
                return result;
            }
            finally
            {
                foreach (var t in transports.Distinct()) (t as IDisposable)?.Dispose();
            }
        }

        private async Task<LatencyStats> LoadAsync(IReadOnlyList<IEtcdTransport> transports, byte[] prefix, CancellationToken cancellation)
        {
            var queue = new ConcurrentQueue<byte[]?>();
            var available = new SemaphoreSlim(0);
            var space = new SemaphoreSlim(_load.Clients);
            var errors = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
            var latencies = new List<double>[transports.Count];
            var value = new byte[PerformanceLoad.ValueSize];
            _clock.Restart();

            var workers = transports.Select((t, i) => Task.Run(async () =>
            {
                var mine = latencies[i] = new List<double>();
                var n = i;
                while (true)
                {
                    await available.WaitAsync(cancellation).ConfigureAwait(false);
                    queue.TryDequeue(out var key);
                    if (key == null) return;
                    space.Release();
                    var endpoint = _endpoints[n++ % _endpoints.Count];
                    var start = _clock.Elapsed;
                    try
                    {
                        await t.PutAsync(endpoint, key, value, RequestTimeout, cancellation).ConfigureAwait(false);
                        mine.Add((_clock.Elapsed - start).TotalSeconds);
                    }
                    catch (Exception ex) when (!cancellation.IsCancellationRequested)
                    {
                        errors.AddOrUpdate(ErrorText(ex), 1, (_, c) => c + 1);
                    }
                    Interlocked.Increment(ref _done);
                }
            }, cancellation)).ToList();

            var producer = Task.Run(async () =>
            {
                var random = new Random();
                var interval = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / _load.Limit);
                var next = TimeSpan.Zero;
                try
                {
                    while (true)
                    {
                        await space.WaitAsync(cancellation).ConfigureAwait(false);
                        var now = _clock.Elapsed;
                        if (next > now)
                        {
                            if (next >= _load.Duration) break;
                            var wait = next - now;
                            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, cancellation).ConfigureAwait(false);
                        }
                        else if (now - next > TimeSpan.FromMilliseconds(50)) next = now; // a burst of one: time lost while the queue was full is not made up
                        if (_clock.Elapsed >= _load.Duration) break;
                        queue.Enqueue(Key(prefix, random));
                        available.Release();
                        next += interval;
                    }
                }
                finally
                {
                    // One end marker per client: each worker takes the queued requests, then its marker.
                    for (var i = 0; i < transports.Count; i++) queue.Enqueue(null);
                    available.Release(transports.Count);
                }
            }, cancellation);

            try
            {
                await producer.ConfigureAwait(false);
            }
            finally
            {
                // After Ctrl+C too: no worker may still be writing when the clean-up deletes the prefix.
                try { await Task.WhenAll(workers).ConfigureAwait(false); }
                catch (OperationCanceledException) when (cancellation.IsCancellationRequested) { }
            }
            var total = _clock.Elapsed.TotalSeconds;
            _clock.Stop();
            return LatencyStats.From(latencies.Where(l => l != null).SelectMany(l => l).ToList(), new Dictionary<string, long>(errors), total);
        }

        private async Task<long> CleanUpAsync(IEtcdTransport transport, byte[] prefix, byte[] rangeEnd)
        {
            try
            {
                // A put cancelled by Ctrl+C may still be applied after the first delete: delete until the prefix reads empty.
                long deleted = 0;
                for (var attempt = 0; ; attempt++)
                {
                    deleted += await transport.DeleteRangeAsync(_endpoints[0], prefix, rangeEnd, CleanupTimeout, CancellationToken.None).ConfigureAwait(false);
                    var left = await transport.RangeAsync(_endpoints[0], new EtcdRangeRequest { Key = prefix, RangeEnd = rangeEnd, CountOnly = true }, CleanupTimeout, CancellationToken.None).ConfigureAwait(false);
                    if (left.Count == 0) return deleted;
                    if (attempt == 3)
                        throw new EtcdOpsException(ErrorIds.PerformanceKeysLeft, FailureKind.WriteError,
                            $"{left.Count} of the performance check's keys are still there after four deletes. Delete them: etcdctl del --prefix '{Prefix}'.", Prefix);
                    await Task.Delay(500).ConfigureAwait(false);
                }
            }
            catch (EtcdOpsException ex) when (ex.ErrorId != ErrorIds.PerformanceKeysLeft)
            {
                throw new EtcdOpsException(ErrorIds.PerformanceKeysLeft, FailureKind.WriteError,
                    $"The performance check's keys could not be deleted ({ex.Message}). Delete them: etcdctl del --prefix '{Prefix}'.", Prefix, ex);
            }
        }

        /// <summary>etcdctl's key: the prefix, then 256 bytes holding a varint of a random non-negative 63-bit number.</summary>
        internal static byte[] Key(byte[] prefix, Random random)
        {
            var key = new byte[prefix.Length + PerformanceLoad.KeySize];
            Buffer.BlockCopy(prefix, 0, key, 0, prefix.Length);
            var bytes = new byte[8];
            random.NextBytes(bytes);
            var n = BitConverter.ToInt64(bytes, 0) & long.MaxValue;
            // Go's binary.PutVarint: zig-zag, then 7 bits per byte.
            var u = (ulong)(n << 1);
            var i = prefix.Length;
            while (u >= 0x80) { key[i++] = (byte)(u | 0x80); u >>= 7; }
            key[i] = (byte)u;
            return key;
        }

        /// <summary>The end of the range of every key that starts with <paramref name="prefix"/> (clientv3.GetPrefixRangeEnd).</summary>
        internal static byte[] PrefixEnd(byte[] prefix)
        {
            var end = (byte[])prefix.Clone();
            for (var i = end.Length - 1; i >= 0; i--)
            {
                if (end[i] < 0xFF) { end[i]++; return end.Take(i + 1).ToArray(); }
            }
            return new byte[] { 0 };
        }

        private static string ErrorText(Exception ex) => ex is EtcdRefusedException r ? r.EtcdMessage : ex.Message;
    }
}
