using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Maintenance;
using EtcdOps.Tests.Remote;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    /// <summary>The version path and the order of a rolling upgrade (Update-EtcdNode, Install-EtcdNode with a new Version).</summary>
    public class RollingUpgradeTests
    {
        private static readonly EtcdCluster Cluster = new EtcdCluster
        {
            Name = "t", Version = "3.5.16", Token = "tok",
            Members = { new EtcdMember("a", "10.0.0.1"), new EtcdMember("b", "10.0.0.2"), new EtcdMember("c", "10.0.0.3") },
        };

        private static EtcdVersion V(string v) => EtcdVersion.Parse(v);

        private static string? PathOf(string from, string to) => UpgradeRules.PathProblem("a", V(from), V(to));

        [Theory]
        [InlineData("3.5.16", "3.5.30")]   // patch releases freely
        [InlineData("3.5.16", "3.5.17")]
        [InlineData("3.4.23", "3.5.16")]   // one minor step
        [InlineData("3.4.23", "3.5.30")]
        [InlineData("3.5.26", "3.6.0")]    // 3.6 from the guide's minimum 3.5 patch on
        [InlineData("3.5.30", "3.6.6")]
        [InlineData("3.6.0", "3.6.6")]
        [InlineData("3.5.16", "3.5.16")]   // nothing to do
        public void SupportedPaths(string from, string to) => Assert.Null(PathOf(from, to));

        [Fact]
        public void APatchDowngradeIsRefusedWithTheReason()
        {
            var why = PathOf("3.5.30", "3.5.16");
            Assert.NotNull(why);
            Assert.Contains("a runs etcd 3.5.30; 3.5.16 would be a downgrade", why);
            Assert.Contains("restore the snapshot", why);
        }

        [Fact]
        public void AMinorDowngradeIsRefused() => Assert.Contains("would be a downgrade", PathOf("3.5.16", "3.4.23"));

        [Fact]
        public void AMinorSkipIsRefusedAndNamesTheStepBetween()
        {
            var why = PathOf("3.4.23", "3.6.6");
            Assert.NotNull(why);
            Assert.Contains("3.6.6 skips 3.5", why);
            Assert.Contains("upgrade to the latest 3.5 patch first", why);
        }

        [Fact]
        public void AnotherMajorIsRefused() => Assert.Contains("another major version", PathOf("3.5.16", "4.0.0"));

        [Theory]
        [InlineData("3.5.16")]
        [InlineData("3.5.25")]
        public void ThreeSixNeedsTheGuidesMinimumThreeFivePatchFirst(string from)
        {
            var why = PathOf(from, "3.6.0");
            Assert.NotNull(why);
            Assert.Contains("every member on 3.5.26 or later first", why);
        }

        private static LiveMember Live(string name, int i, string version, bool learner = false, bool down = false) => new LiveMember
        {
            Id = (ulong)(0x10 * i), Name = name, IsLearner = learner, Endpoint = $"https://10.0.0.{i}:2379",
            Status = down ? null : new EtcdEndpointStatus { Endpoint = $"https://10.0.0.{i}:2379", ID = EtcdClient.Hex((ulong)(0x10 * i)), Version = version, Leader = "", },
            Failure = down ? new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError, $"https://10.0.0.{i}:2379: connection refused") : null,
        };

        /// <summary>A map where every answering member follows <paramref name="leader"/>.</summary>
        private static EtcdMemberMap Map(string leader, params LiveMember[] members)
        {
            var id = members.Single(m => m.Name == leader).ID;
            foreach (var m in members.Where(m => m.Status != null)) m.Status!.Leader = id;
            return new EtcdMemberMap(members);
        }

        [Fact]
        public void FollowersGoFirstInInventoryOrderAndTheLeaderLast()
        {
            var map = Map("a", Live("a", 1, "3.4.23"), Live("b", 2, "3.4.23"), Live("c", 3, "3.4.23"));
            Assert.Equal(new[] { "b", "c", "a" }, UpgradeRules.Order(Cluster, map, V("3.5.16"), null).Select(m => m.Name));
            var second = Map("b", Live("a", 1, "3.4.23"), Live("b", 2, "3.4.23"), Live("c", 3, "3.4.23"));
            Assert.Equal(new[] { "a", "c", "b" }, UpgradeRules.Order(Cluster, second, V("3.5.16"), null).Select(m => m.Name));
        }

        [Fact]
        public void ARerunSkipsTheMembersOnTheTargetAlready()
        {
            // Interrupted after b: b runs 3.5.16, the leader a and the follower c do not.
            var map = Map("a", Live("a", 1, "3.4.23"), Live("b", 2, "3.5.16"), Live("c", 3, "3.4.23"));
            Assert.Equal(new[] { "c", "a" }, UpgradeRules.Order(Cluster, map, V("3.5.16"), null).Select(m => m.Name));
            var done = Map("a", Live("a", 1, "3.5.16"), Live("b", 2, "3.5.16"), Live("c", 3, "3.5.16"));
            Assert.Empty(UpgradeRules.Order(Cluster, done, V("3.5.16"), null));
        }

        [Fact]
        public void MemberSelectionNarrowsTheStepsButKeepsTheLeaderLast()
        {
            var map = Map("b", Live("a", 1, "3.5.16"), Live("b", 2, "3.5.16"), Live("c", 3, "3.5.16"));
            Assert.Equal(new[] { "c", "b" }, UpgradeRules.Order(Cluster, map, V("3.5.30"), new[] { "b", "c" }).Select(m => m.Name));
        }

        [Fact]
        public void AStoppedMemberALearnerAndAMemberTheInventoryDoesNotNameAreProblems()
        {
            var map = Map("a", Live("a", 1, "3.5.16"), Live("b", 2, "3.5.16", down: true), Live("c", 3, "3.5.16"), Live("d", 4, "3.5.16", learner: true), Live("x", 5, "3.5.16"));
            var problems = UpgradeRules.StateProblems(Cluster, map, new[] { "b (https://10.0.0.2:2379): connection refused" }, joinersAllowed: false);
            Assert.Contains(problems, p => p.Contains("connection refused"));
            Assert.Contains(problems, p => p.StartsWith("d (https://10.0.0.4:2379) is a learner") || p.StartsWith("d is a learner"));
            Assert.Contains(problems, p => p.Contains("the inventory does not name: x"));
        }

        [Fact]
        public void AnInventoryMemberOutsideTheClusterIsAProblemUnlessInstallJoinsItAfterwards()
        {
            var map = Map("a", Live("a", 1, "3.5.16"), Live("b", 2, "3.5.16"));
            Assert.Contains(UpgradeRules.StateProblems(Cluster, map, new string[0], joinersAllowed: false), p => p.StartsWith("c (10.0.0.3) is in the inventory but not a member"));
            Assert.Empty(UpgradeRules.StateProblems(Cluster, map, new string[0], joinersAllowed: true));
        }

        [Fact]
        public void AHealthyClusterOfTheInventorysMembersHasNoProblem()
        {
            var map = Map("c", Live("a", 1, "3.4.23"), Live("b", 2, "3.4.23"), Live("c", 3, "3.4.23"));
            Assert.Empty(UpgradeRules.StateProblems(Cluster, map, new string[0], joinersAllowed: false));
        }

        private static NodePlan Planned(string name, string installed, bool bootstrapped)
        {
            var member = Cluster.FindMember(name)!;
            var spec = new NodeInstallSpec(Cluster, member) { ReleaseVersion = "3.6.0", ConfigExisting = Encoding.UTF8.GetBytes("name: " + name + "\n") };
            var probe = new HostProbe(new Dictionary<string, string> { ["etcd"] = installed, ["bootstrapped"] = bootstrapped ? "yes" : "no", ["arch"] = "x86_64" });
            return NodePlanner.Decide(spec, probe);
        }

        [Fact]
        public void InstallRefusesAMinorSkipOnHostsWithDataEvenWhenTheClusterIsDown()
        {
            var refusal = UpgradeRules.CheckInstalled(new[] { Planned("a", "3.4.23", true), Planned("b", "3.5.20", true), Planned("c", "3.5.30", true) }, V("3.6.0"));
            Assert.NotNull(refusal);
            Assert.Equal(ErrorIds.UpgradePathRefused, refusal!.ErrorId);
            Assert.Contains("a (", refusal.Message);
            Assert.Contains("skips 3.5", refusal.Message);
            Assert.Contains("b (", refusal.Message);
            Assert.Contains("3.5.26 or later", refusal.Message);
            Assert.DoesNotContain("c (", refusal.Message);
        }

        [Fact]
        public void InstallLetsAFreshHostOrAnOldBinaryWithoutDataGo() =>
            Assert.Null(UpgradeRules.CheckInstalled(new[] { Planned("a", "", false), Planned("b", "3.4.23", false) }, V("3.6.0")));

        [Theory]
        [InlineData("3.4.23", false, true)]
        [InlineData("3.5.16", true, true)]
        [InlineData("3.6.0", true, false)]
        public void TheUpgradesConfYmlIsRenderedForTheTargetVersion(string version, bool tlsMinVersion, bool enableV2)
        {
            // What each step writes: the renderer's conf.yml for the target (keys differ between versions).
            var cluster = Cluster.Clone();
            cluster.Version = version;
            var yaml = EtcdConfigRenderer.Render(cluster, null, new EtcdConfigOptions(), out _)[0].Yaml;
            Assert.Equal(tlsMinVersion, yaml.Contains("\ntls-min-version: TLS1.2\n"));
            Assert.Equal(enableV2, yaml.Contains("\nenable-v2:"));
            Assert.DoesNotContain("experimental-", yaml);
            Assert.StartsWith($"# etcd {EtcdVersion.Parse(version).Series} configuration", yaml);
        }

        [Fact]
        public void InstallUpgradesWhenAnAnsweringMemberRunsAnotherVersion()
        {
            var rows = new[] { new EtcdEndpointStatus { Version = "3.5.16" }, new EtcdEndpointStatus { Version = "3.5.30" }, new EtcdEndpointStatus { Error = "refused" } };
            Assert.True(UpgradeRules.RunsOtherVersion(rows, V("3.5.30")));
            Assert.False(UpgradeRules.RunsOtherVersion(rows.Skip(1), V("3.5.30")));
        }
    
        // ---- The engine over a fake cluster and fake hosts: the order it restarts in, the leader move, a failure, a re-run ----

        /// <summary>A member's host: probes and layout reads answer as a default install; a restart brings the fake member up on <see cref="Target"/>.</summary>
        private sealed class UpgradeHost : IRemoteHost
        {
            private readonly FakeCluster _fake;
            private readonly List<string> _log;

            public UpgradeHost(string name, FakeCluster fake, List<string> log) { Name = name; _fake = fake; _log = log; }

            public string Name { get; }
            public string Target { get; set; } = "3.5.16";
            public Func<string, bool> FailRestart { get; set; } = _ => false;

            public Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation)
            {
                var calls = RemoteCall.Parse(command);
                if (calls.Any(c => c.Name == "probe-host")) return Ok("arch=x86_64\netcd=" + _fake[Name].Version + "\nactive=active\nbootstrapped=yes");
                if (calls.Any(c => c.Name == "install-binaries")) { lock (_log) _log.Add("binaries " + Name); return Ok(""); }
                var write = calls.FirstOrDefault(c => c.Name == "write-files");
                if (write != null) return Ok("changed-content: " + write.Arguments[0]);
                if (calls.Any(c => c.ToString() == "service-action restart etcd"))
                {
                    lock (_log) _log.Add($"restart {Name} (leader {_fake.Nodes.Single(n => n.Id == _fake.LeaderId).Name})");
                    if (FailRestart(Name)) return Task.FromResult(new RemoteResult(1, "", "Job for etcd.service failed"));
                    _fake[Name].Version = Target;
                }
                return Ok("");
            }

            private static Task<RemoteResult> Ok(string output) => Task.FromResult(new RemoteResult(0, output, ""));

            public void Dispose() { }
        }

        private static readonly EtcdCluster Three = new EtcdCluster
        {
            Name = "t", Version = "3.5.16", Token = "tok",
            Members = { new EtcdMember("m1", "10.0.0.1"), new EtcdMember("m2", "10.0.0.2"), new EtcdMember("m3", "10.0.0.3") },
        };

        private static (RollingUpgrade Upgrade, List<NodeInstallSpec> Specs, List<string> Log, Dictionary<string, UpgradeHost> Hosts) Engine(FakeCluster fake, string archive)
        {
            var log = new List<string>();
            var hosts = Three.Members.ToDictionary(m => m.Name, m => new UpgradeHost(m.Name, fake, log));
            // As the cmdlets build them: from rendered configs, whose members are copies of the inventory's.
            var specs = Three.Members.Select(m => new NodeInstallSpec(Three, m.Clone())
            {
                ReleaseVersion = "3.5.16", ReleaseArchivePath = archive, ConfigExisting = Encoding.UTF8.GetBytes("name: " + m.Name + "\n"),
            }).ToList();
            var upgrade = new RollingUpgrade(Three, fake.Client(), (m, ct) => Task.FromResult<IRemoteHost>(hosts[m.Name]), _ => { }, CancellationToken.None)
            {
                StepTimeout = TimeSpan.FromSeconds(3),
            };
            return (upgrade, specs, log, hosts);
        }

        [Fact]
        public async Task TheEngineRestartsFollowersFirstAndTheLeaderLastAfterMovingLeadershipToAnUpgradedMember()
        {
            var fake = FakeCluster.Three();   // m1 leads
            foreach (var n in fake.Nodes) n.Version = "3.4.23";
            var archive = Path.GetTempFileName();
            try
            {
                var (upgrade, specs, log, _) = Engine(fake, archive);
                using (upgrade)
                {
                    var plan = await upgrade.PlanAsync(specs, joinersAllowed: false);
                    Assert.Equal(new[] { "m2", "m3", "m1" }, plan.Steps.Select(s => s.Member.Name));
                    Assert.True(plan.Steps[2].IsLeader);
                    Assert.Contains("(the leader, last", plan.Steps[2].Description);
                    Assert.Empty(log);   // the plan touches nothing
                    var done = await upgrade.RunAsync(plan, null);
                    Assert.Equal(new[] { "m2", "m3", "m1" }, done.Select(d => d.Name));
                }
                Assert.Equal(new[] { "restart m2 (leader m1)", "restart m3 (leader m1)", "restart m1 (leader m2)" }, log.Where(l => l.StartsWith("restart")));
                Assert.Contains("move leader 20 https://10.0.0.1:2379", fake.Calls);
                Assert.All(fake.Nodes, n => Assert.Equal("3.5.16", n.Version));
            }
            finally { File.Delete(archive); }
        }

        [Fact]
        public async Task AFailedStepStopsThereSaysEachMembersStateAndARerunContinues()
        {
            var fake = FakeCluster.Three();
            foreach (var n in fake.Nodes) n.Version = "3.4.23";
            var archive = Path.GetTempFileName();
            try
            {
                var (upgrade, specs, log, hosts) = Engine(fake, archive);
                hosts["m3"].FailRestart = _ => true;
                using (upgrade)
                {
                    var plan = await upgrade.PlanAsync(specs, joinersAllowed: false);
                    var stopped = await Assert.ThrowsAsync<EtcdOpsException>(() => upgrade.RunAsync(plan, "/backup/t.db"));
                    Assert.Equal(ErrorIds.UpgradeStopped, stopped.ErrorId);
                    Assert.Contains("stopped at m3", stopped.Message);
                    Assert.Contains("m2 (10.0.0.2): runs etcd 3.5.16; upgraded", stopped.Message);
                    Assert.Contains("m3 (10.0.0.3): runs etcd 3.4.23; failed in its step", stopped.Message);
                    Assert.Contains("m1 (10.0.0.1): runs etcd 3.4.23; not touched", stopped.Message);
                    Assert.Contains("/backup/t.db", stopped.Message);
                    Assert.Contains("run the same command again", stopped.Message);
                }
                Assert.DoesNotContain(log, l => l.StartsWith("restart m1"));
                Assert.Equal("m1", fake.Nodes.Single(n => n.Id == fake.LeaderId).Name);

                hosts["m3"].FailRestart = _ => false;
                log.Clear();
                // A second run of the cmdlet: a fresh engine over the same hosts.
                using (var rerun = new RollingUpgrade(Three, fake.Client(), (m, ct) => Task.FromResult<IRemoteHost>(hosts[m.Name]), _ => { }, CancellationToken.None))
                {
                    var plan = await rerun.PlanAsync(specs, joinersAllowed: false);
                    Assert.Equal(new[] { "m2" }, plan.AlreadyCurrent);
                    Assert.Equal(new[] { "m3", "m1" }, plan.Steps.Select(s => s.Member.Name));
                    await rerun.RunAsync(plan, null);
                }
                Assert.Equal(new[] { "restart m3 (leader m1)", "restart m1 (leader m2)" }, log.Where(l => l.StartsWith("restart")));
                Assert.All(fake.Nodes, n => Assert.Equal("3.5.16", n.Version));
            }
            finally { File.Delete(archive); }
        }

        [Fact]
        public async Task APathProblemOrAStoppedMemberIsRefusedBeforeAnyHostIsTouched()
        {
            var fake = FakeCluster.Three();
            fake["m2"].Version = "3.5.30";   // 3.5.16 would be a downgrade for m2
            var archive = Path.GetTempFileName();
            try
            {
                var (upgrade, specs, log, _) = Engine(fake, archive);
                using (upgrade)
                {
                    var refused = await Assert.ThrowsAsync<EtcdOpsException>(() => upgrade.PlanAsync(specs, joinersAllowed: false));
                    Assert.Equal(ErrorIds.UpgradePathRefused, refused.ErrorId);
                    Assert.Contains("m2 (10.0.0.2) runs etcd 3.5.30; 3.5.16 would be a downgrade", refused.Message);
                    fake["m2"].Version = "3.5.16";
                    fake["m3"].Down = true;
                    var down = await Assert.ThrowsAsync<EtcdOpsException>(() => upgrade.PlanAsync(specs, joinersAllowed: false));
                    Assert.Equal(ErrorIds.UpgradePreflightFailed, down.ErrorId);
                    Assert.Contains("https://10.0.0.3:2379", down.Message);
                }
                Assert.Empty(log);
            }
            finally { File.Delete(archive); }
        }
}
}
