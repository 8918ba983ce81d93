using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Api
{
    /// <summary>The one model of the running cluster's members: statuses matched to members, the leader, voters, lookups.</summary>
    public class EtcdMemberMapTests
    {
        private static LiveMember Member(int i, bool learner = false, bool started = true) =>
            LiveMember.From(new EtcdMemberEntry
            {
                Id = 0x10 * (ulong)i, Name = started ? "m" + i : "", IsLearner = learner,
                PeerUrls = new[] { $"https://10.0.0.{i}:2380" }, ClientUrls = started ? new[] { $"https://10.0.0.{i}:2379" } : new string[0],
            });

        private static EndpointResult<EtcdEndpointStatus> Answer(int i, string leader, string? endpoint = null) =>
            new EndpointResult<EtcdEndpointStatus>(new EtcdEndpointStatus { Endpoint = endpoint ?? $"https://10.0.0.{i}:2379", ID = EtcdClient.Hex(0x10 * (ulong)i), Leader = leader }, null);

        private static EndpointResult<EtcdEndpointStatus> Refused(int i)
        {
            var endpoint = $"https://10.0.0.{i}:2379";
            var failure = new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError, endpoint + ": connection refused.", endpoint);
            return new EndpointResult<EtcdEndpointStatus>(new EtcdEndpointStatus { Endpoint = endpoint, Error = failure.Message }, failure);
        }

        private static EtcdMemberMap Map(IReadOnlyList<LiveMember> members, params EndpointResult<EtcdEndpointStatus>[] asked) => EtcdMemberMap.Of(members, asked);

        [Fact]
        public void TheLeaderIsTheMemberEveryAnsweringMemberFollows()
        {
            var map = Map(new[] { Member(1), Member(2), Member(3, learner: true) }, Answer(1, "20"), Answer(2, "20"), Answer(3, "20"));
            Assert.Equal("m2", map.Leader?.Name);
            Assert.False(map.LeaderDisagreement);
        }

        [Fact]
        public void MembersThatDisagreeOrKnowNoLeaderGiveNone()
        {
            var split = Map(new[] { Member(1), Member(2), Member(3) }, Answer(1, "10"), Answer(2, "20"), Answer(3, "20"));
            Assert.Null(split.Leader);
            Assert.True(split.LeaderDisagreement);

            var none = Map(new[] { Member(1), Member(2) }, Answer(1, ""), Answer(2, ""));
            Assert.Null(none.Leader);
            Assert.False(none.LeaderDisagreement);

            // A leader the member list does not know (removed meanwhile) is no member to send anything to.
            var gone = Map(new[] { Member(1), Member(2) }, Answer(1, "99"), Answer(2, "99"));
            Assert.Null(gone.Leader);
        }

        [Fact]
        public void AStatusGoesToTheMemberThatGaveItAndAFailureToTheMemberWhoseClientUrlWasAsked()
        {
            // m1 answered on another address than its client URL; m2 refused; m3 was not asked.
            var map = Map(new[] { Member(1), Member(2), Member(3) }, Answer(1, "10", "https://lb.example:2379"), Refused(2));
            var (m1, m2, m3) = (map.Members[0], map.Members[1], map.Members[2]);
            Assert.True(m1.Answered);
            Assert.Equal("https://lb.example:2379", m1.Endpoint);
            Assert.False(m2.Answered);
            Assert.Contains("connection refused", m2.Failure!.Message);
            Assert.Equal("https://10.0.0.3:2379", m3.Endpoint);
            Assert.False(m3.Answered);
            Assert.Null(m3.Failure);
            Assert.Equal(new[] { "m1" }, map.AnsweringVoters.Select(v => v.Name));
        }

        [Fact]
        public void AnsweringVotersAreTheLeaderFirstThenTheMemberListOrderWithoutLearnersOrSilentMembers()
        {
            var members = new[] { Member(1), Member(2), Member(3), Member(4, learner: true), Member(5) };
            var map = Map(members, Answer(1, "30"), Answer(2, "30"), Answer(3, "30"), Answer(4, "30"));
            Assert.Equal(new[] { "m3", "m1", "m2" }, map.AnsweringVoters.Select(v => v.Name));
            Assert.Equal(new[] { "m1", "m2", "m3", "m5" }, map.Voters.Select(v => v.Name));
            Assert.Equal("m4", map.Learner?.Name);
        }

        [Fact]
        public void APeerUrlFindsItsMemberStartedOrNotWhateverItsCaseOrTrailingSlash()
        {
            var map = new EtcdMemberMap(new[] { Member(1), Member(2, learner: true, started: false) });
            Assert.Equal("m1", map.FindByPeerUrl("https://10.0.0.1:2380/")?.Name);
            Assert.Equal(0x20UL, map.FindByPeerUrl("HTTPS://10.0.0.2:2380")?.Id);
            Assert.Null(map.FindByPeerUrl("https://10.0.0.9:2380"));
            Assert.Null(map.FindByPeerUrl("https://10.0.0.1:2379"));
        }

        [Fact]
        public void AnUnstartedMemberHasNoEndpointAndIsLabelledByItsId()
        {
            var unstarted = Member(2, learner: true, started: false);
            Assert.Null(unstarted.Endpoint);
            Assert.Equal("unstarted member 20", unstarted.Label);
            Assert.Equal("https://10.0.0.1:2379", Member(1).Endpoint);
        }

        [Fact]
        public void InitialClusterNamesAnUnstartedMemberByItsInventoryNameElseByItsId()
        {
            var map = new EtcdMemberMap(new[] { Member(1), Member(2, learner: true, started: false), Member(3, started: false) });
            var text = map.InitialClusterFor(u => u.Contains("10.0.0.2") ? "etcd-2" : null);
            Assert.Equal("m1=https://10.0.0.1:2380,etcd-2=https://10.0.0.2:2380,unstarted-30=https://10.0.0.3:2380", text);
        }

        [Theory]
        [InlineData("8e9e05c52164694d", 0x8e9e05c52164694dUL)]
        [InlineData("10", 0x10UL)]
        [InlineData("", 0UL)]
        [InlineData(null, 0UL)]
        [InlineData("not-hex", 0UL)]
        public void AMemberIdIsReadAsEtcdWritesItAndNoneIsZero(string? hex, ulong id)
        {
            Assert.Equal(id, EtcdClient.ParseId(hex));
            if (id != 0) Assert.Equal(hex, EtcdClient.Hex(EtcdClient.ParseId(hex)));
        }
    }
}
