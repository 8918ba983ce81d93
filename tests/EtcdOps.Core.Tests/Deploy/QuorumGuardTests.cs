using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    public class QuorumGuardTests
    {
        private static readonly EtcdCluster Cluster = new EtcdCluster
        {
            Name = "t",
            Members = { new EtcdMember("a", "10.0.0.1"), new EtcdMember("b", "10.0.0.2"), new EtcdMember("c", "10.0.0.3") },
        };

        private static EtcdNodeState[] States(params string[] active) =>
            Cluster.Members.Select(m => new EtcdNodeState { Name = m.Name, Active = active.Contains(m.Name) ? "active" : "inactive" }).ToArray();

        [Fact]
        public void OneOfThreeMayGo() => Assert.Null(QuorumGuard.Check(Cluster, States("a", "b", "c"), new[] { "a" }, "Stopping"));

        [Fact]
        public void ASecondOneMayNotAndTheMessageNamesTheDownMember()
        {
            var refusal = QuorumGuard.Check(Cluster, States("b", "c"), new[] { "b" }, "Uninstalling");
            Assert.NotNull(refusal);
            Assert.Equal("QuorumWouldBeLost", refusal!.ErrorId);
            Assert.Contains("Uninstalling b would leave 1 of 3 members running (a already down)", refusal.Message);
        }

        [Fact]
        public void AHostThatDidNotAnswerCountsAsDown() =>
            Assert.NotNull(QuorumGuard.Check(Cluster, States("b", "c").Where(s => s.Name != "a").ToArray(), new[] { "c" }, "Stopping"));

        [Fact]
        public void MembersAlreadyDownCanAlwaysBeTakenDown() => Assert.Null(QuorumGuard.Check(Cluster, States("b", "c"), new[] { "a" }, "Uninstalling"));

        [Fact]
        public void ADownMemberIsRestartedWithoutWaitingForHealth()
        {
            Assert.False(RestartPolicy.WaitForHealthBefore(new EtcdNodeState { Active = "failed" }));
            Assert.True(RestartPolicy.WaitForHealthBefore(new EtcdNodeState { Active = "active" }));
        }
    }
}
