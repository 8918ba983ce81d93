using Xunit;

namespace EtcdOps.Tests.Deploy
{
    public class ConfigTextTests
    {
        [Fact]
        public void ReplacesOnlyTheStateLine()
        {
            const string yaml = "name: a\ninitial-cluster-state: new\ninitial-cluster-token: t\n";
            Assert.Equal("name: a\ninitial-cluster-state: existing\ninitial-cluster-token: t\n", ConfigText.WithInitialClusterState(yaml, "existing"));
        }

        [Fact]
        public void AppendsWhenMissing() =>
            Assert.Equal("name: a\ninitial-cluster-state: existing\n", ConfigText.WithInitialClusterState("name: a", "existing"));
    }
}
