using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Api
{
    /// <summary>Health as etcdctl decides it, over a fake transport: the linearizable read, permission, alarms.</summary>
    public class EtcdClientHealthTests
    {
        private const string Endpoint = "https://127.0.5.1:2379";

        private sealed class FakeTransport : TransportStub
        {
            public Func<EtcdRangeRequest, EtcdRangeReply> Range = _ => new EtcdRangeReply();
            public Func<IReadOnlyList<EtcdAlarmEntry>> Alarms = () => new EtcdAlarmEntry[0];
            public List<EtcdRangeRequest> Reads { get; } = new List<EtcdRangeRequest>();
            public override Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation)
            {
                Reads.Add(request);
                // Like the real transports (async methods), a failure arrives in the task, not as a throw.
                try { return Task.FromResult(Range(request)); }
                catch (Exception ex) { return Task.FromException<EtcdRangeReply>(ex); }
            }
            public override Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => Task.FromResult(Alarms());
        }

        private static EtcdEndpointHealth Health(FakeTransport transport)
        {
            var client = new EtcdClient(new EtcdConnection(new[] { Endpoint }, null, null, null) { Timeout = TimeSpan.FromSeconds(1) }, transport);
            return client.GetHealth(new[] { Endpoint }, CancellationToken.None).Single().Row;
        }

        [Fact]
        public void HealthyIsALinearizableReadOfTheHealthKeyAndNoAlarm()
        {
            var transport = new FakeTransport();
            var row = Health(transport);
            Assert.True(row.Health);
            var read = Assert.Single(transport.Reads);
            Assert.Equal("health", System.Text.Encoding.ASCII.GetString(read.Key));
            Assert.False(read.Serializable);
        }

        [Fact]
        public void PermissionDeniedStillProvesRaft()
        {
            var transport = new FakeTransport { Range = _ => throw new EtcdRefusedException(Endpoint, "range", 7, "etcdserver: permission denied") };
            Assert.True(Health(transport).Health);
        }

        [Fact]
        public void ARefusedReadIsUnhealthyWithEtcdsWords()
        {
            var transport = new FakeTransport { Range = _ => throw new EtcdRefusedException(Endpoint, "range", 14, "etcdserver: no leader") };
            var row = Health(transport);
            Assert.False(row.Health);
            Assert.Contains("etcdserver: no leader", row.Error);
        }

        [Fact]
        public void AnActiveAlarmMakesTheMemberUnhealthy()
        {
            var transport = new FakeTransport { Alarms = () => new[] { new EtcdAlarmEntry { MemberId = 1, Alarm = "NOSPACE" } } };
            var row = Health(transport);
            Assert.False(row.Health);
            Assert.Equal("active alarm(s): NOSPACE", row.Error);
        }
    }
}
