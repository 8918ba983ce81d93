using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace EtcdOps.Tests.Api
{
    public class GatewayParsingTests
    {
        // Verbatim reply of etcd 3.5.16's POST /v3/maintenance/status.
        private const string Status35 = "{\"header\":{\"cluster_id\":\"10875906910715909397\", \"member_id\":\"7035713931614317785\", \"revision\":\"1\", \"raft_term\":\"2\"}, \"version\":\"3.5.16\", \"dbSize\":\"20480\", \"leader\":\"7035713931614317785\", \"raftIndex\":\"8\", \"raftTerm\":\"2\", \"raftAppliedIndex\":\"8\", \"dbSizeInUse\":\"16384\"}";

        private const string Members35 = "{\"header\":{\"cluster_id\":\"10875906910715909397\", \"member_id\":\"7035713931614317785\", \"raft_term\":\"2\"}, \"members\":[{\"ID\":\"4624760761995466213\", \"name\":\"m2\", \"peerURLs\":[\"https://127.0.5.2:2380\"], \"clientURLs\":[\"https://127.0.5.2:2379\"]}, {\"ID\":\"15265870113062786921\", \"peerURLs\":[\"https://127.0.5.4:2380\"], \"isLearner\":true}]}";

        private static JsonElement Obj(string json) => JsonDocument.Parse(json).RootElement;

        [Fact]
        public void StatusMatchesEtcdctlFields()
        {
            var row = GatewayTransport.ParseStatus("https://127.0.5.1:2379", Obj(Status35));
            Assert.Equal("61a3e08b43236cd9", row.ID);           // etcdctl prints %x of 7035713931614317785
            Assert.Equal("96eefbb657701515", row.ClusterID);
            Assert.Equal("3.5.16", row.Version);
            Assert.Equal(20480, row.DbSize);
            Assert.Equal(16384, row.DbSizeInUse);
            Assert.True(row.IsLeader);
            Assert.False(row.IsLearner);
            Assert.Equal(2UL, row.RaftTerm);
            Assert.Equal(8UL, row.RaftIndex);
            Assert.Equal(8UL, row.RaftAppliedIndex);
            Assert.Equal(1, row.Revision);
            Assert.Empty(row.Errors);
            Assert.Equal("20 kB", row.FormatDbSize());
        }

        [Fact]
        public void FollowerWithoutLeaderIsNotLeader()
        {
            var row = GatewayTransport.ParseStatus("", Obj("{\"header\":{\"member_id\":\"5\"},\"errors\":[\"memberID:5 alarm:NOSPACE \"]}"));
            Assert.False(row.IsLeader);
            Assert.Equal("", row.Leader);
            Assert.Single(row.Errors);
        }

        [Fact]
        public void MembersCarryHexIdsAndUnstartedStatus()
        {
            var members = EtcdClient.ToRows("https://127.0.5.1:2379", GatewayTransport.ParseMembers(Obj(Members35)));
            Assert.Equal(2, members.Count);
            Assert.Equal("402e7368f5e795e5", members[0].ID);
            Assert.Equal("started", members[0].Status);
            Assert.Equal(new[] { "https://127.0.5.2:2379" }, members[0].ClientURLs);
            Assert.Equal("d3db43fc5c5c1769", members[1].ID);
            Assert.Equal("unstarted", members[1].Status);
            Assert.Empty(members[1].ClientURLs);
            Assert.True(members[1].IsLearner);
            Assert.Equal("96eefbb657701515", members[1].ClusterID);
        }

        [Theory]
        [InlineData("{\"header\":{}}", null)]
        [InlineData("{\"alarms\":[{\"memberID\":\"1\",\"alarm\":\"NOSPACE\"}]}", "active alarm(s): NOSPACE")]
        [InlineData("{\"alarms\":[{\"memberID\":\"1\",\"alarm\":\"NOSPACE\"},{\"memberID\":\"2\",\"alarm\":\"NOSPACE\"},{\"memberID\":\"2\",\"alarm\":\"CORRUPT\"}]}", "active alarm(s): NOSPACE, CORRUPT")]
        public void AlarmsDecideHealthLikeEtcdctl(string body, string? expected)
        {
            Assert.Equal(expected, EtcdClient.AlarmProblem(GatewayTransport.ParseAlarms(Obj(body))));
        }

        [Theory]
        [InlineData("{\"code\":7,\"message\":\"etcdserver: permission denied\"}", 7, "etcdserver: permission denied", true)]
        [InlineData("{\"error\":\"etcdserver: no leader\",\"code\":14}", 14, "etcdserver: no leader", false)]
        [InlineData("{\"code\":9,\"message\":\"etcdserver: can only promote a learner member which is in sync with leader\",\"details\":[]}", 9, "etcdserver: can only promote a learner member which is in sync with leader", false)]
        public void GatewayErrorBodiesBecomeEtcdRefusals(string body, int code, string message, bool denied)
        {
            var refused = GatewayTransport.Refused("https://127.0.5.1:2379", "member promote", Obj(body));
            Assert.Equal(code, refused.GrpcCode);
            Assert.Equal(message, refused.EtcdMessage);
            Assert.Equal(denied, refused.PermissionDenied);
            Assert.Equal("EtcdRequestFailed", refused.ErrorId);
            Assert.Contains("refused the member promote request", refused.Message);
        }

        [Theory]
        [InlineData(0L, "0 B")]
        [InlineData(9L, "9 B")]
        [InlineData(10L, "10 B")]
        [InlineData(1000L, "1.0 kB")]
        [InlineData(20480L, "20 kB")]      // 20.5 rounds half to even, as Go's %.0f does
        [InlineData(24576L, "25 kB")]
        [InlineData(1500000L, "1.5 MB")]
        [InlineData(2147483648L, "2.1 GB")]
        public void DbSizeIsHumanizedLikeEtcdctl(long bytes, string expected)
        {
            Assert.Equal(expected, ByteSize.Humanize(bytes));
        }

        [Fact]
        public void DurationsPrintLikeGo()
        {
            Assert.Equal("12.3456ms", ByteSize.GoDuration(TimeSpan.FromTicks(123456)));
            Assert.Equal("850µs", ByteSize.GoDuration(TimeSpan.FromTicks(8500)));
            Assert.Equal("1.5s", ByteSize.GoDuration(TimeSpan.FromMilliseconds(1500)));
        }

        [Fact]
        public void ReadinessNeedsHealthAndOneLeader()
        {
            EtcdEndpointStatus S(string ep, string leader, string? error = null) =>
                new EtcdEndpointStatus { Endpoint = ep, ID = ep, Leader = leader, Error = error };
            EtcdEndpointHealth H(string ep, bool ok) => new EtcdEndpointHealth { Endpoint = ep, Health = ok, Error = ok ? null : "no leader" };

            var ready = EtcdClusterReadiness.Evaluate(new[] { S("a", "1"), S("b", "1") }, new[] { H("a", true), H("b", true) });
            Assert.True(ready.Ready);
            Assert.Equal("1", ready.Leader);

            var down = EtcdClusterReadiness.Evaluate(new[] { S("a", "1"), S("b", "", "b: connection refused") }, new[] { H("a", true), H("b", false) });
            Assert.False(down.Ready);
            Assert.Equal(new[] { "b: connection refused" }, down.Problems);

            var split = EtcdClusterReadiness.Evaluate(new[] { S("a", "1"), S("b", "2") }, new[] { H("a", true), H("b", true) });
            Assert.False(split.Ready);
            Assert.Contains(split.Problems, p => p.Contains("disagree") && p.Contains("b follows 2"));

            var leaderless = EtcdClusterReadiness.Evaluate(new[] { S("a", "") }, new[] { H("a", true) });
            Assert.Contains(leaderless.Problems, p => p.Contains("knows no leader"));

            Assert.False(EtcdClusterReadiness.Evaluate(new EtcdEndpointStatus[0], new EtcdEndpointHealth[0]).Ready);
        }
    }
}
