using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Maintenance
{
    /// <summary>etcdctl check perf's loads and pass criteria (etcdctl/ctlv3/command/check.go), and the runner against an in-memory store.</summary>
    public class PerformanceCheckTests
    {
        private static LatencyStats Stats(IEnumerable<double> latencies, double seconds, Dictionary<string, long>? errors = null) =>
            LatencyStats.From(latencies.ToList(), errors ?? new Dictionary<string, long>(), seconds);

        private static readonly PerformanceLoad Small = PerformanceLoad.Get("s");

        [Theory]
        [InlineData("s", 150, 50)]
        [InlineData("small", 150, 50)]
        [InlineData("m", 1000, 200)]
        [InlineData("l", 8000, 500)]
        [InlineData("xl", 15000, 1000)]
        [InlineData("xLarge", 15000, 1000)]
        public void TheLoadsAreEtcdctls(string name, int limit, int clients)
        {
            var load = PerformanceLoad.Get(name);
            Assert.Equal(limit, load.Limit);
            Assert.Equal(clients, load.Clients);
            Assert.Equal(TimeSpan.FromSeconds(60), load.Duration);
        }

        [Fact]
        public void AnEvenFastRunPasses()
        {
            var result = PerformanceCriteria.Judge(Small, Stats(Enumerable.Repeat(0.01, 9000), 60));
            Assert.True(result.Passed);
            Assert.Equal("PASS", result.Verdict);
            Assert.Equal(150, result.Throughput, 3);
            Assert.Contains("PASS: Throughput is 151 writes/s", result.Report);
        }

        [Fact]
        public void ThroughputMustBeAboveNinetyPercentOfTheLoads()
        {
            // 135 writes/s is exactly 90 %: etcdctl fails it (ratio <= 0.9).
            Assert.False(PerformanceCriteria.Judge(Small, Stats(Enumerable.Repeat(0.01, 135 * 60), 60)).Passed);
            Assert.True(PerformanceCriteria.Judge(Small, Stats(Enumerable.Repeat(0.01, 136 * 60), 60)).Passed);
            Assert.Contains(PerformanceCriteria.Judge(Small, Stats(Enumerable.Repeat(0.01, 100 * 60), 60)).Report, l => l.StartsWith("FAIL: Throughput too low: 101 writes/s"));
        }

        [Fact]
        public void TheSlowestRequestMayTakeHalfASecond()
        {
            var ok = Enumerable.Repeat(0.01, 8999).Concat(new[] { 0.5 });
            var slow = Enumerable.Repeat(0.01, 8999).Concat(new[] { 0.51 });
            Assert.True(PerformanceCriteria.Judge(Small, Stats(ok, 60)).Passed);
            var failed = PerformanceCriteria.Judge(Small, Stats(slow, 60));
            Assert.False(failed.Passed);
            Assert.Equal(0.51, failed.SlowestSeconds, 6);
            Assert.Contains(failed.Report, l => l.StartsWith("FAIL: Slowest request took too long: 0.510000s"));
        }

        [Fact]
        public void TheStandardDeviationMayBeATenthOfASecond()
        {
            // Half at 0.2 s, half at 0.4 s: population standard deviation 0.1 exactly (passes); 0.18/0.42 gives 0.12 (fails).
            var edge = Enumerable.Repeat(0.2, 4500).Concat(Enumerable.Repeat(0.4, 4500)).ToList();
            var s = Stats(edge, 60);
            Assert.Equal(0.1, s.Stddev, 9);
            Assert.Equal(0.3, s.Average, 9);
            Assert.True(PerformanceCriteria.Judge(Small, Stats(edge.Select(x => x == 0.2 ? 0.2000001 : 0.3999999), 60)).Passed);
            var wide = Enumerable.Repeat(0.18, 4500).Concat(Enumerable.Repeat(0.42, 4500));
            var result = PerformanceCriteria.Judge(Small, Stats(wide, 60));
            Assert.False(result.Passed);
            Assert.Contains(result.Report, l => l.StartsWith("FAIL: Stddev too high: 0.120000s"));
        }

        [Fact]
        public void AnyErrorFailsTheRun()
        {
            var result = PerformanceCriteria.Judge(Small, Stats(Enumerable.Repeat(0.01, 9000), 60, new Dictionary<string, long> { ["etcdserver: request timed out"] = 1 }));
            Assert.False(result.Passed);
            Assert.Equal(1, result.Errors);
            Assert.Equal("FAIL: too many errors", result.Report[0]);
            Assert.Equal("FAIL: ERROR(etcdserver: request timed out) -> 1", result.Report[1]);
        }

        [Fact]
        public void KeysAreEtcdctlsAndTheRangeCoversThePrefix()
        {
            var prefix = System.Text.Encoding.ASCII.GetBytes("/p/");
            var key = PerformanceCheck.Key(prefix, new Random(1));
            Assert.Equal(prefix.Length + 256, key.Length);
            Assert.Equal(prefix, key.Take(3));
            Assert.Equal(System.Text.Encoding.ASCII.GetBytes("/p0"), PerformanceCheck.PrefixEnd(prefix));
            Assert.Equal(new byte[] { 0x01 }, PerformanceCheck.PrefixEnd(new byte[] { 0x00, 0xFF }));
        }

        /// <summary>An in-memory key-value store that answers puts after a fixed delay.</summary>
        private sealed class MemoryStore : EtcdOps.Tests.Api.TransportStub
        {
            public readonly ConcurrentDictionary<string, byte[]> Keys = new ConcurrentDictionary<string, byte[]>();
            public readonly ConcurrentDictionary<string, int> PutsByEndpoint = new ConcurrentDictionary<string, int>();
            public int Delay { get; set; } = 2;
            public int FailEvery { get; set; }
            private int _puts;

            private static string Text(byte[] b) => Convert.ToBase64String(b);

            private IEnumerable<string> InRange(byte[] key, byte[]? end) => Keys.Keys.Where(k =>
            {
                var b = Convert.FromBase64String(k);
                return Compare(b, key) >= 0 && (end == null ? Compare(b, key) == 0 : Compare(b, end) < 0);
            }).ToList();

            private static int Compare(byte[] a, byte[] b)
            {
                for (var i = 0; i < Math.Min(a.Length, b.Length); i++) if (a[i] != b[i]) return a[i].CompareTo(b[i]);
                return a.Length.CompareTo(b.Length);
            }

            public override async Task<long> PutAsync(string endpoint, byte[] key, byte[] value, TimeSpan timeout, CancellationToken cancellation)
            {
                await Task.Delay(Delay, cancellation);
                PutsByEndpoint.AddOrUpdate(endpoint, 1, (_, c) => c + 1);
                if (FailEvery > 0 && Interlocked.Increment(ref _puts) % FailEvery == 0)
                    throw new EtcdRefusedException(endpoint, "put", 14, "etcdserver: request timed out");
                Keys[Text(key)] = value;
                return 1;
            }

            public override Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation) =>
                Task.FromResult(new EtcdRangeReply { Count = InRange(request.Key, request.RangeEnd).Count() });

            public override Task<long> DeleteRangeAsync(string endpoint, byte[] key, byte[]? rangeEnd, TimeSpan timeout, CancellationToken cancellation)
            {
                long n = 0;
                foreach (var k in InRange(key, rangeEnd)) if (Keys.TryRemove(k, out _)) n++;
                return Task.FromResult(n);
            }
        }

        [Fact]
        public async Task TheRunnerWritesAtTheLoadsRateAndDeletesItsKeys()
        {
            var store = new MemoryStore();
            store.Keys[Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes("/other"))] = new byte[1];
            var check = new PerformanceCheck(Small.WithDuration(TimeSpan.FromSeconds(2)), new[] { "e1", "e2", "e3" }, _ => store);
            var result = await check.RunAsync(CancellationToken.None);
            // 150 writes/s for 2 s: never more than the limiter lets through (300, one of slack), and not far below on a busy machine.
            Assert.InRange(result.Requests, 50, 301);
            Assert.Equal(result.Requests, result.KeysDeleted);
            Assert.Equal(0, result.Errors);
            Assert.Single(store.Keys); // only the key that was there before
            Assert.Equal(3, store.PutsByEndpoint.Count);
            Assert.StartsWith("/etcdops-check-perf/", result.Prefix);
        }

        [Fact]
        public async Task FailedRequestsAreCountedByMessageAndFailTheRun()
        {
            var store = new MemoryStore { FailEvery = 10 };
            var check = new PerformanceCheck(Small.WithDuration(TimeSpan.FromSeconds(1)), new[] { "e1" }, _ => store);
            var result = await check.RunAsync(CancellationToken.None);
            Assert.False(result.Passed);
            // Every tenth put fails: the errors are a tenth of all requests made, the successes the rest.
            Assert.True(result.Errors >= 1);
            Assert.Equal((result.Requests + result.Errors) / 10, result.Errors);
            Assert.Contains(result.Report, l => l.StartsWith("FAIL: ERROR(etcdserver: request timed out) -> "));
            Assert.Empty(store.Keys);
        }

        [Fact]
        public async Task CancellingTheRunStillDeletesItsKeys()
        {
            var store = new MemoryStore();
            var check = new PerformanceCheck(Small, new[] { "e1" }, _ => store);
            using var cancel = new CancellationTokenSource();
            var run = check.RunAsync(cancel.Token);
            var waited = System.Diagnostics.Stopwatch.StartNew();
            while (check.Completed < 20 && waited.Elapsed < TimeSpan.FromSeconds(20)) await Task.Delay(20);
            Assert.True(check.Completed >= 20, "the run wrote nothing in 20 s");
            Assert.NotEmpty(store.Keys);
            cancel.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
            Assert.Empty(store.Keys);
        }
    }
}
