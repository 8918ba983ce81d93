using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Maintenance;
using EtcdOps.Tests.Remote;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    /// <summary>The health-gated rolling restart of Restart-EtcdNode and of a CA rotation's trust steps, over a fake cluster and fake hosts.</summary>
    public class RollingRestartTests
    {
        /// <summary>
        /// A member's host as systemd shows it: the service is active unless the fake member is down; a restart brings it
        /// up (or leaves it down with <see cref="StaysDown"/>, as a member whose etcd does not come back).
        /// </summary>
        private sealed class RestartHost : IRemoteHost
        {
            private readonly FakeCluster _fake;
            private readonly List<string> _log;
            private int _starts;

            public RestartHost(string name, FakeCluster fake, List<string> log) { Name = name; _fake = fake; _log = log; }

            public string Name { get; }
            public bool FailRestart { get; set; }
            public bool StaysDown { get; set; }

            public Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation)
            {
                var calls = RemoteCall.Parse(command);
                var node = _fake[Name];
                if (calls.Any(c => c.Name == "service-state"))
                    return Ok($"ActiveState={(node.Down ? "failed" : "active")}\nUnitFileState=enabled\nInvocationID=run{_starts}\nMainPID={(node.Down ? 0 : 100 + _starts)}\nVersion={node.Version}");
                if (calls.Any(c => c.ToString() == "service-action restart etcd"))
                {
                    lock (_log) _log.Add($"restart {Name} (leader {_fake.Nodes.Single(n => n.Id == _fake.LeaderId).Name})");
                    if (FailRestart) return Task.FromResult(new RemoteResult(1, "", "Job for etcd.service failed because the control process exited with error code."));
                    _starts++;
                    node.Down = StaysDown;
                }
                if (calls.Any(c => c.Name == "read-layout")) return Ok(Layout);
                return Ok("");
            }

            /// <summary>etcd installed with its files under /srv/etcd (not the default /etc/etcd).</summary>
            private const string Layout = "unit=/etc/systemd/system/etcd.service\nexec=ExecStart=/usr/local/bin/etcd --config-file=/srv/etcd/conf.yml\n--- conf\n" +
                "client-transport-security:\n  trusted-ca-file: /srv/etcd/tls/ca.pem\npeer-transport-security:\n  trusted-ca-file: /srv/etcd/tls/ca.pem\n";

            private static Task<RemoteResult> Ok(string output) => Task.FromResult(new RemoteResult(0, output, ""));

            public void Dispose() { }
        }

        private static EtcdCluster Inventory(FakeCluster fake)
        {
            var cluster = new EtcdCluster { Name = "t", Version = "3.5.16", Token = "tok" };
            foreach (var n in fake.Nodes) cluster.Members.Add(new EtcdMember(n.Name, n.Endpoint.Replace("https://", "").Replace(":2379", "")));
            return cluster;
        }

        /// <summary>The cluster is healthy when every fake member is up (as Restart-EtcdNode's wait sees it); each wait is logged.</summary>
        private static Func<CancellationToken, Task> HealthOf(FakeCluster fake, List<string> log) => ct =>
        {
            lock (log) log.Add("health");
            var down = fake.Nodes.Where(n => n.Down).Select(n => n.Endpoint).ToList();
            return down.Count == 0 ? Task.CompletedTask : Task.FromException(new EtcdOpsException(ErrorIds.EtcdClusterNotReady, FailureKind.OperationTimeout,
                "The cluster was not ready within 3 s:" + string.Concat(down.Select(d => $"\n  {d}: connection refused")), null));
        };

        private sealed class Rig
        {
            public Rig(FakeCluster fake, Func<CancellationToken, Task>? health = null, CancellationToken cancellation = default)
            {
                Fake = fake;
                Cluster = Inventory(fake);
                Hosts = Cluster.Members.ToDictionary(m => m.Name, m => new RestartHost(m.Name, fake, Log));
                Restart = new RollingRestart(Cluster, fake.Client(), (m, ct) => Task.FromResult<IRemoteHost>(Hosts[m.Name]), health ?? HealthOf(fake, Log),
                    p => { lock (Progress) Progress.Add($"{p.Member}: {p.Phase}"); }, cancellation)
                {
                    Operation = "The rolling restart of cluster 't'",
                };
            }

            public FakeCluster Fake { get; }
            public EtcdCluster Cluster { get; }
            public List<string> Log { get; } = new List<string>();
            public List<string> Progress { get; } = new List<string>();
            public Dictionary<string, RestartHost> Hosts { get; }
            public RollingRestart Restart { get; }

            public IEnumerable<string> Restarts => Log.Where(l => l.StartsWith("restart ", StringComparison.Ordinal));

            public async Task<IReadOnlyList<EtcdNodeState>> RunAllAsync() => await Restart.RunAsync(await Restart.OrderAsync(Cluster.Members));
        }

        [Fact]
        public async Task TheLeaderGoesLastAndHandsLeadershipOverBeforeItsRestart()
        {
            var rig = new Rig(FakeCluster.Three());   // m1 leads
            var order = await rig.Restart.OrderAsync(rig.Cluster.Members);
            Assert.Equal(new[] { "m2", "m3", "m1" }, order.Select(m => m.Name));
            Assert.Equal("m1", rig.Restart.Leader);
            Assert.Empty(rig.Log);   // finding the order touches no host

            var states = await rig.Restart.RunAsync(order);
            Assert.Equal(new[] { "m2", "m3", "m1" }, states.Select(s => s.Name));
            Assert.All(states, s => Assert.Equal("active", s.Active));
            Assert.Equal(new[] { "restart m2 (leader m1)", "restart m3 (leader m1)", "restart m1 (leader m2)" }, rig.Restarts);
            Assert.Equal(new[] { "move leader 20 https://10.0.0.1:2379" }, rig.Fake.Calls.Where(c => c.StartsWith("move leader", StringComparison.Ordinal)));
            Assert.Contains("m1: Moving leadership to m2", rig.Progress);
        }

        [Fact]
        public async Task ASelectionKeepsItsOrderWithTheLeaderLast()
        {
            var fake = FakeCluster.Three();
            fake.LeaderId = 0x20;   // m2 leads
            var rig = new Rig(fake);
            var order = await rig.Restart.OrderAsync(rig.Cluster.Members.Where(m => m.Name != "m1").ToList());
            Assert.Equal(new[] { "m3", "m2" }, order.Select(m => m.Name));
        }

        [Fact]
        public async Task TheOrderStaysAsGivenWhenNoMemberAnswers()
        {
            var fake = FakeCluster.Three();
            foreach (var n in fake.Nodes) n.Down = true;
            var rig = new Rig(fake);
            var order = await rig.Restart.OrderAsync(rig.Cluster.Members);
            Assert.Equal(new[] { "m1", "m2", "m3" }, order.Select(m => m.Name));
            Assert.Null(rig.Restart.Leader);
        }

        [Fact]
        public async Task AMemberThatIsDownIsRestartedWithoutWaitingForAHealthItCannotHave()
        {
            var fake = FakeCluster.Three();
            fake["m2"].Down = true;
            var rig = new Rig(fake);
            var states = await rig.Restart.RunAsync(await rig.Restart.OrderAsync(new[] { rig.Cluster.FindMember("m2")! }));
            // No wait before (it would have failed: m2 is down), one after.
            Assert.Equal(new[] { "restart m2 (leader m1)", "health" }, rig.Log);
            Assert.Equal("active", Assert.Single(states).Active);
            Assert.DoesNotContain(rig.Fake.Calls, c => c.StartsWith("move leader", StringComparison.Ordinal));
        }

        [Fact]
        public async Task ARunningMemberWaitsForAHealthyClusterAndIsNotRestartedWhileAnotherIsDown()
        {
            var fake = FakeCluster.Three();
            fake["m3"].Down = true;
            var rig = new Rig(fake);
            var stopped = await Assert.ThrowsAsync<RollingRestartStopped>(() => rig.Restart.RunAsync(new[] { rig.Cluster.FindMember("m2")! }));
            Assert.Equal(ErrorIds.ClusterUnhealthy, stopped.ErrorId);
            Assert.True(stopped.Unhealthy);
            Assert.Equal(RestartStage.WaitingBefore, stopped.Stage);
            Assert.Contains("stopped at m2 (10.0.0.2): the cluster was not healthy before its restart, so it was not restarted", stopped.Message);
            Assert.Contains("https://10.0.0.3:2379: connection refused", stopped.Message);
            Assert.Empty(rig.Restarts);
        }

        [Fact]
        public async Task AnUnhealthyClusterAfterARestartStopsTheRollThere()
        {
            var rig = new Rig(FakeCluster.Three());
            rig.Hosts["m3"].StaysDown = true;
            var done = new List<string>();
            rig.Restart.AfterRestart = (m, _) => done.Add(m.Name);
            var stopped = await Assert.ThrowsAsync<RollingRestartStopped>(() => rig.RunAllAsync());
            Assert.Equal(ErrorIds.ClusterUnhealthy, stopped.ErrorId);
            Assert.Equal(RestartStage.WaitingAfter, stopped.Stage);
            Assert.Equal("m3", stopped.Member.Name);
            Assert.Contains("The rolling restart of cluster 't' stopped at m3 (10.0.0.3): it was restarted, but the cluster was not healthy after", stopped.Message);
            Assert.Contains("Restarted before it: m2. Not restarted: m1. No further member was touched.", stopped.Message);
            Assert.Equal(new[] { "m2" }, stopped.Restarted.Select(s => s.Name));
            Assert.Equal(new[] { "m2" }, done);
            // Neither restarted nor handed over: the leader is where it was.
            Assert.Equal(new[] { "restart m2 (leader m1)", "restart m3 (leader m1)" }, rig.Restarts);
            Assert.Equal(0x10UL, rig.Fake.LeaderId);
        }

        [Fact]
        public async Task AFailedRestartOnAHostStopsWithThatHostsErrorOrTheCallersId()
        {
            var rig = new Rig(FakeCluster.Three());
            rig.Hosts["m2"].FailRestart = true;
            var stopped = await Assert.ThrowsAsync<RollingRestartStopped>(() => rig.RunAllAsync());
            Assert.Equal(ErrorIds.RemoteCommandFailed, stopped.ErrorId);
            Assert.False(stopped.Unhealthy);
            Assert.Contains("stopped at m2 (10.0.0.2): systemctl restart failed", stopped.Message);
            Assert.Contains("Job for etcd.service failed", stopped.Message);
            Assert.Contains("No member was restarted before it. Not restarted: m3, m1.", stopped.Message);
            Assert.Equal(new[] { "restart m2 (leader m1)" }, rig.Restarts);

            var rotation = new Rig(FakeCluster.Three());
            rotation.Hosts["m2"].FailRestart = true;
            rotation.Restart.StoppedErrorId = ErrorIds.CaRotationStopped;
            rotation.Restart.ResumeAdvice = "Run the same command again: it continues there.";
            var rotationStopped = await Assert.ThrowsAsync<RollingRestartStopped>(() => rotation.RunAllAsync());
            Assert.Equal(ErrorIds.CaRotationStopped, rotationStopped.ErrorId);
            Assert.EndsWith("Run the same command again: it continues there.", rotationStopped.Message);
        }

        [Fact]
        public async Task TheStepBeforeAndTheCallbackAfterRunAroundEachRestartInOrder()
        {
            var rig = new Rig(FakeCluster.Three());
            rig.Restart.BeforeRestartStep = "writing the trusted CA files";
            rig.Restart.BeforeRestart = (m, host, layout, ct) =>
            {
                // The member's own host, and where etcd's files are as read from it.
                Assert.Equal(m.Name, host.Name);
                Assert.Equal(new[] { "/srv/etcd/tls/ca.pem" }, layout.TrustedCaFiles);
                lock (rig.Log) rig.Log.Add("before " + m.Name);
                return Task.CompletedTask;
            };
            rig.Restart.AfterRestart = (m, state) => { lock (rig.Log) rig.Log.Add($"after {m.Name} {state.InvocationId}"); };
            await rig.RunAllAsync();
            Assert.Equal(new[]
            {
                "health", "before m2", "restart m2 (leader m1)", "health", "after m2 run1",
                "health", "before m3", "restart m3 (leader m1)", "health", "after m3 run1",
                "health", "before m1", "restart m1 (leader m2)", "health", "after m1 run1",
            }, rig.Log);
            Assert.Contains("m3: Writing the trusted CA files", rig.Progress);
        }

        [Fact]
        public async Task AFailedStepBeforeTheRestartLeavesTheMemberAsItWas()
        {
            var rig = new Rig(FakeCluster.Three());
            rig.Restart.BeforeRestartStep = "writing the trusted CA files";
            rig.Restart.BeforeRestart = (m, host, layout, ct) => m.Name == "m3"
                ? Task.FromException(new EtcdOpsException(ErrorIds.RemoteCommandFailed, FailureKind.InvalidOperation, "m3: writing files failed (exit 1): No space left on device"))
                : Task.CompletedTask;
            var stopped = await Assert.ThrowsAsync<RollingRestartStopped>(() => rig.RunAllAsync());
            Assert.Equal(RestartStage.BeforeRestart, stopped.Stage);
            Assert.Contains("stopped at m3 (10.0.0.3): writing the trusted CA files failed; it was not restarted: m3: writing files failed", stopped.Message);
            Assert.Equal(new[] { "restart m2 (leader m1)" }, rig.Restarts);
        }

        [Fact]
        public async Task CancellationDuringAWaitStopsTheRollAndSkipsThatMembersCallback()
        {
            using var cts = new CancellationTokenSource();
            var fake = FakeCluster.Three();
            var log = new List<string>();
            Rig? rig = null;
            // Ctrl+C while waiting for health after m2's restart: the wait ends as etcd's client wait does, cancelled.
            Func<CancellationToken, Task> health = ct =>
            {
                if (rig!.Restarts.Any())
                {
                    cts.Cancel();
                    return Task.FromCanceled(cts.Token);
                }
                return Task.CompletedTask;
            };
            rig = new Rig(fake, health, cts.Token);
            var done = new List<string>();
            rig.Restart.AfterRestart = (m, _) => done.Add(m.Name);
            var order = await rig.Restart.OrderAsync(rig.Cluster.Members);
            var cancelled = await Record.ExceptionAsync(() => rig.Restart.RunAsync(order));
            Assert.IsAssignableFrom<OperationCanceledException>(cancelled);
            Assert.Equal(new[] { "restart m2 (leader m1)" }, rig.Restarts);
            Assert.Empty(done);   // a CA rotation would restart m2 again on its next run, not skip it
        }

        [Fact]
        public async Task CancellationBetweenMembersRestartsNoFurtherMember()
        {
            using var cts = new CancellationTokenSource();
            var rig = new Rig(FakeCluster.Three(), null, cts.Token);
            var order = await rig.Restart.OrderAsync(rig.Cluster.Members);
            rig.Restart.AfterRestart = (m, _) => cts.Cancel();
            var cancelled = await Record.ExceptionAsync(() => rig.Restart.RunAsync(order));
            Assert.IsAssignableFrom<OperationCanceledException>(cancelled);
            Assert.Equal(new[] { "restart m2 (leader m1)" }, rig.Restarts);
        }

        [Fact]
        public async Task ALeaderWithNoOtherVoterRestartsWithoutAHandOver()
        {
            var fake = new FakeCluster();
            fake.Nodes.Add(new FakeCluster.Node { Id = 0x10, Name = "m1", Endpoint = "https://10.0.0.1:2379" });
            fake.LeaderId = 0x10;
            var rig = new Rig(fake);
            await rig.RunAllAsync();
            Assert.Equal(new[] { "restart m1 (leader m1)" }, rig.Restarts);
            Assert.DoesNotContain(rig.Fake.Calls, c => c.StartsWith("move leader", StringComparison.Ordinal));
        }
    }
}
