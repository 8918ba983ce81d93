using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Remote;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    /// <summary>The installer's decisions and phases over fake hosts: no root, no lab.</summary>
    public class ClusterInstallerTests
    {
        private static readonly EtcdCluster Cluster = new EtcdCluster
        {
            Name = "t", Version = "3.5.16", Token = "tok",
            Members = { new EtcdMember("etcd-1", "10.0.0.11"), new EtcdMember("etcd-2", "10.0.0.12"), new EtcdMember("etcd-3", "10.0.0.13") },
        };

        private static NodeInstallSpec Spec(EtcdMember member, string ca = "CA-1", EtcdCluster? cluster = null)
        {
            cluster ??= Cluster;
            string Conf(string state) => "name: " + member.Name + "\ninitial-cluster: " + cluster.InitialCluster + "\ninitial-cluster-token: " + cluster.Token +
                "\ninitial-cluster-state: " + state + "\n";
            var spec = new NodeInstallSpec(cluster, member)
            {
                ConfigNew = Encoding.UTF8.GetBytes(Conf("new")),
                ConfigExisting = Encoding.UTF8.GetBytes(Conf("existing")),
                ReleaseVersion = "3.5.16",
                ReleaseArchivePath = "/dev/null",
                TrustedCaPath = "/etc/etcd/ca.pem",
            };
            spec.Files.Add(new RemoteFile("/etc/etcd/ca.pem", Encoding.ASCII.GetBytes(ca), "0644", "etcd", "etcd"));
            spec.Files.Add(new RemoteFile("/etc/etcd/server-key.pem", Encoding.ASCII.GetBytes("KEY-" + member.Name), "0600", "etcd", "etcd"));
            spec.Files.Add(new RemoteFile(spec.UnitPath, Encoding.ASCII.GetBytes("[Unit]\n"), "0644"));
            return spec;
        }

        /// <summary>What the probe of a host where everything is as <paramref name="spec"/> wants, running since <paramref name="started"/>.</summary>
        private static Dictionary<string, string> Deployed(NodeInstallSpec spec, long started = 2_000_000, long written = 1_000_000)
        {
            var v = new Dictionary<string, string>
            {
                ["etcd"] = spec.ReleaseVersion, ["active"] = "active", ["enabled"] = "enabled", ["bootstrapped"] = "yes",
                ["arch"] = "x86_64", ["account"] = "ok", ["started"] = started.ToString(), ["mbin"] = written.ToString(),
            };
            for (var i = 0; i < spec.Files.Count; i++) { v["f" + i] = spec.Files[i].Fingerprint; v["m" + i] = written.ToString(); }
            v["f" + spec.Files.Count] = new RemoteFile(spec.ConfigPath, spec.ConfigExisting, "600", "etcd", "etcd").Fingerprint;
            v["m" + spec.Files.Count] = written.ToString();
            v["fboot"] = NodePlanner.BootNeutralSha(spec.ConfigExisting);
            v["token"] = spec.Cluster.Token;
            return v;
        }

        private static Dictionary<string, string> Bare() => new Dictionary<string, string>
        {
            ["etcd"] = "", ["active"] = "inactive", ["enabled"] = "", ["bootstrapped"] = "no", ["arch"] = "x86_64", ["account"] = "missing",
        };

        private static NodePlan Decide(NodeInstallSpec spec, Dictionary<string, string> probe) => NodePlanner.Decide(spec, new HostProbe(probe));

        [Fact]
        public void FreshHostGetsEverythingAndAStart()
        {
            var spec = Spec(Cluster.Members[0]);
            var plan = Decide(spec, Bare());
            Assert.True(plan.InstallsBinaries);
            Assert.True(plan.PreparesAccount);
            Assert.True(plan.EnablesService);
            Assert.True(plan.FlipsState);
            Assert.False(plan.NeedsRestart);
            Assert.Equal(spec.Files.Count + 1, plan.FilesToWrite.Count);
            Assert.Equal("amd64", plan.Architecture);
            Assert.Contains("install etcd 3.5.16 (linux-amd64)", plan.Description);
            Assert.Contains("start etcd", plan.Description);
            Assert.Contains("initial-cluster-state: existing", plan.Description);
        }

        [Fact]
        public void UnchangedRunningHostChangesNothing()
        {
            var spec = Spec(Cluster.Members[0]);
            var plan = Decide(spec, Deployed(spec));
            Assert.True(plan.ChangesNothing, plan.Description);
            Assert.Empty(plan.FilesToWrite);
            Assert.StartsWith("Nothing to change", plan.Description);
        }

        [Fact]
        public void ChangedLeafKeyIsWrittenWithoutRestart()
        {
            var spec = Spec(Cluster.Members[0]);
            var probe = Deployed(spec);
            probe["f1"] = "0000 600 etcd etcd";
            var plan = Decide(spec, probe);
            Assert.Equal("/etc/etcd/server-key.pem", Assert.Single(plan.FilesToWrite).Path);
            Assert.False(plan.NeedsRestart);
            Assert.Contains("no restart", plan.Description);
        }

        [Fact]
        public void ChangedConfigUnitOrBinaryRestarts()
        {
            var spec = Spec(Cluster.Members[0]);
            var conf = Deployed(spec);
            conf["f3"] = "0000 600 etcd etcd"; conf["fboot"] = "0000";
            Assert.Contains("/etc/etcd/conf.yml changed", Decide(spec, conf).RestartReasons);

            var unit = Deployed(spec);
            unit["f2"] = "0000 644 root root";
            Assert.Contains(spec.UnitPath + " changed", Decide(spec, unit).RestartReasons);

            var binary = Deployed(spec);
            binary["etcd"] = "3.5.15";
            var plan = Decide(spec, binary);
            Assert.True(plan.InstallsBinaries);
            Assert.Contains("etcd 3.5.15 -> 3.5.16", plan.RestartReasons);
        }

        [Fact]
        public void OnlyModeDifferenceIsWrittenWithoutRestart()
        {
            var spec = Spec(Cluster.Members[0]);
            var probe = Deployed(spec);
            probe["f3"] = new RemoteFile(spec.ConfigPath, spec.ConfigExisting, "644", "etcd", "etcd").Fingerprint;
            var plan = Decide(spec, probe);
            Assert.Single(plan.FilesToWrite);
            Assert.False(plan.NeedsRestart);
        }

        [Fact]
        public void BootstrappedMemberLeftWithStateNewIsFlippedNotRestarted()
        {
            var spec = Spec(Cluster.Members[0]);
            var probe = Deployed(spec);
            probe["f3"] = new RemoteFile(spec.ConfigPath, spec.ConfigNew, "600", "etcd", "etcd").Fingerprint;
            var plan = Decide(spec, probe);
            Assert.True(plan.FlipsState);
            Assert.Empty(plan.FilesToWrite);
            Assert.False(plan.NeedsRestart);
        }

        [Fact]
        public void ProcessOlderThanItsConfigNeedsItsRestart()
        {
            var spec = Spec(Cluster.Members[0]);
            // The files are as wanted, but conf.yml was written after the process started: an interrupted rolling restart.
            var probe = Deployed(spec, started: 2_000_000);
            probe["m3"] = "3000000";
            var plan = Decide(spec, probe);
            Assert.True(plan.NeedsRestart);
            Assert.Contains("running since before /etc/etcd/conf.yml", Assert.Single(plan.RestartReasons));

            // A leaf key written after the start needs none: etcd reads it at the next handshake.
            var key = Deployed(spec, started: 2_000_000);
            key["m1"] = "3000000";
            Assert.False(Decide(spec, key).NeedsRestart);
        }

        [Fact]
        public void NewAuthorityIsRefusedOnARunningClusterOnly()
        {
            var running = Cluster.Members.Select(m => { var s = Spec(m, "CA-2"); var p = Deployed(Spec(m)); return Decide(s, p); }).ToList();
            Assert.All(running, p => Assert.True(p.ChangesAuthority));
            var refusal = NodePlanner.CheckAuthorityChange(running);
            Assert.NotNull(refusal);
            Assert.Equal("CertificateAuthorityChangeRefused", refusal!.ErrorId);
            Assert.Contains("No host was touched", refusal.Message);
            Assert.DoesNotContain("-Force", refusal.Message);

            var stopped = Cluster.Members.Select(m => { var p = Deployed(Spec(m)); p["active"] = "inactive"; return Decide(Spec(m, "CA-2"), p); }).ToList();
            Assert.Null(NodePlanner.CheckAuthorityChange(stopped));
            // A bare host has no CA yet: nothing to refuse.
            Assert.False(Decide(Spec(Cluster.Members[0], "CA-2"), Bare()).ChangesAuthority);
        }

        [Fact]
        public void UnknownArchitectureIsNamed()
        {
            var probe = Bare();
            probe["arch"] = "riscv64";
            var ex = Assert.Throws<EtcdOpsException>(() => Decide(Spec(Cluster.Members[0]), probe));
            Assert.Equal("UnsupportedArchitecture", ex.ErrorId);
            Assert.Contains("riscv64", ex.Message);
        }

        // ---- phases, over fake hosts ----

        [Fact]
        public async Task UnchangedClusterIsNeitherWrittenNorRestarted()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Deployed(s)));
            var waits = 0;
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), (m, ct) => { waits++; return Task.CompletedTask; }, null, _ => { });
            var results = await installer.InstallAsync(specs, CancellationToken.None);
            Assert.Empty(installer.Failures);
            Assert.All(results, r => { Assert.False(r.Changed); Assert.False(r.Restarted); Assert.False(r.Started); });
            Assert.All(hosts.Values, h => Assert.DoesNotContain(h.Calls, c => c.Name == "service-action"));
            Assert.All(hosts.Values, h => Assert.DoesNotContain(h.Calls, c => c.Name == "write-files"));
            Assert.Equal(1, waits);
        }

        [Fact]
        public async Task ChangedConfigRestartsOneMemberAtATimeWithHealthBetween()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => { var p = Deployed(s); p["f3"] = "00 600 etcd etcd"; p["fboot"] = "00"; return new FakeHost(s.Member.Name, p); });
            var log = new List<string>();
            foreach (var h in hosts.Values) h.Log = log;
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), (m, ct) => { lock (log) log.Add("wait"); return Task.CompletedTask; }, null, _ => { });
            var results = await installer.InstallAsync(specs, CancellationToken.None);
            Assert.All(results, r => Assert.True(r.Restarted));
            var sequence = log.Where(l => l == "wait" || l.StartsWith("restart", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { "wait", "restart etcd-1", "wait", "restart etcd-2", "wait", "restart etcd-3", "wait" }, sequence);
        }

        [Fact]
        public async Task FreshClusterIsWrittenStartedAndFlipped()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Bare()));
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), (m, ct) => Task.CompletedTask, null, _ => { });
            var results = await installer.InstallAsync(specs, CancellationToken.None);
            Assert.All(results, r => { Assert.True(r.Started); Assert.True(r.Changed); Assert.Contains("etcd 3.5.16 installed", r.Changes); });
            foreach (var h in hosts.Values)
            {
                Assert.Contains(h.Calls, c => c.ToString() == "install-binaries /usr/local/bin 3.5.16 /var/tmp");
                Assert.Contains(h.Calls, c => c.ToString() == "service-action start etcd");
                // The flip keeps conf.yml's time, so the next run does not take it for a change that needs a restart.
                Assert.Contains(h.Calls, c => c.Name == "write-files" && c.Arguments[0] == "/etc/etcd/conf.yml" && c.Arguments[6] == "keep-time");
            }
        }

        [Fact]
        public async Task AHostThatCannotBeInspectedStopsTheRunBeforeAnyHostIsChanged()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Bare()));
            using var installer = new ClusterInstaller((s, ct) => s.Member.Name == "etcd-2"
                    ? Task.FromException<IRemoteHost>(new EtcdOpsException("SshConnectFailed", FailureKind.ConnectionError, "etcd-2: cannot connect", s.Member.Name))
                    : Task.FromResult<IRemoteHost>(hosts[s.Member.Name]),
                (m, ct) => Task.CompletedTask, null, _ => { });
            var results = await installer.InstallAsync(specs, CancellationToken.None);
            Assert.Empty(results);
            Assert.Equal("SshConnectFailed", Assert.IsType<EtcdOpsException>(Assert.Single(installer.Failures).Value).ErrorId);
            Assert.All(hosts.Values, h => Assert.All(h.Calls, c => Assert.Equal("probe-host", c.Name)));
        }

        [Fact]
        public async Task AFailedWriteOnOneHostStartsNoMember()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Bare()) { FailWrites = s.Member.Name == "etcd-3" });
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), (m, ct) => Task.CompletedTask, null, _ => { });
            await installer.InstallAsync(specs, CancellationToken.None);
            Assert.Contains("etcd-3", installer.Failures.Keys);
            Assert.All(hosts.Values, h => Assert.DoesNotContain(h.Calls, c => c.Name == "service-action"));
        }

        [Fact]
        public async Task ACaChangeOnARunningClusterTouchesNoHost()
        {
            var specs = Cluster.Members.Select(m => Spec(m, "CA-2")).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Deployed(Spec(s.Member))));
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), (m, ct) => Task.CompletedTask, null, _ => { });
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => installer.InstallAsync(specs, CancellationToken.None));
            Assert.Equal("CertificateAuthorityChangeRefused", ex.ErrorId);
            Assert.All(hosts.Values, h => Assert.Single(h.Commands));
        }

        [Fact]
        public void FileContentNeverTravelsInTheScript()
        {
            var secret = Encoding.ASCII.GetBytes("-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----\n");
            var command = RemoteFiles.Command(new[] { new RemoteFile("/etc/etcd/server-key.pem", secret, "0600", "etcd", "etcd") });
            Assert.DoesNotContain("BEGIN", command);
            Assert.DoesNotContain(Convert.ToBase64String(secret).Substring(0, 16), command);
            Assert.Equal(secret.Length.ToString(), Assert.Single(RemoteCall.Parse(command)).Arguments[4]);
        }

        // ---- a running cluster: join, replace, reconcile, never bootstrap again ----

        private static readonly EtcdCluster Grown = new EtcdCluster
        {
            Name = "t", Version = "3.5.16", Token = "tok",
            Members =
            {
                new EtcdMember("etcd-1", "10.0.0.11"), new EtcdMember("etcd-2", "10.0.0.12"), new EtcdMember("etcd-3", "10.0.0.13"),
                new EtcdMember("etcd-4", "10.0.0.14"),
            },
        };

        private static EtcdMemberEntry Entry(EtcdCluster cluster, int index, bool learner = false, bool started = true) => new EtcdMemberEntry
        {
            Id = 0x100 + (ulong)index, Name = started ? cluster.Members[index].Name : "", IsLearner = learner,
            PeerUrls = new[] { cluster.PeerUrl(cluster.Members[index]) },
            ClientUrls = started ? new[] { cluster.ClientUrl(cluster.Members[index]) } : new string[0],
        };

        /// <summary>The three first members running, with their data; the fourth host as <paramref name="fourth"/> says.</summary>
        private static (List<NodeInstallSpec> Specs, Dictionary<string, FakeHost> Hosts, FakeMembership Membership) Running(Dictionary<string, string> fourth)
        {
            var specs = Grown.Members.Select(m => Spec(m, cluster: Grown)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, s.Member.Name == "etcd-4" ? fourth : Deployed(s)));
            var log = new List<string>();
            foreach (var h in hosts.Values) h.Log = log;
            var membership = new FakeMembership(Grown, log) { Members = { Entry(Grown, 0), Entry(Grown, 1), Entry(Grown, 2) } };
            return (specs, hosts, membership);
        }

        private static ClusterInstaller Installer(Dictionary<string, FakeHost> hosts, FakeMembership membership, List<string>? waits = null) =>
            new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]),
                (m, ct) => { lock (membership.Log) membership.Log.Add("wait " + string.Join(",", m.Select(x => x.Name))); waits?.Add(string.Join(",", m.Select(x => x.Name))); return Task.CompletedTask; },
                membership, _ => { }) { UtcNow = () => new DateTime(2025, 1, 2, 3, 4, 5, DateTimeKind.Utc) };

        private static string ConfWritten(FakeHost host) =>
            Encoding.UTF8.GetString(Assert.Single(host.Writes, w => w.Path == "/etc/etcd/conf.yml").Content);

        [Fact]
        public async Task AMemberMissingFromARunningClusterJoinsAsALearnerAndIsPromotedWithoutRestartingTheOthers()
        {
            var (specs, hosts, membership) = Running(Bare());
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(new[] { MemberRole.Member, MemberRole.Member, MemberRole.Member, MemberRole.Join }, plans.Select(p => p.Role));
            Assert.Contains("join the running cluster: member add as a learner", plans[3].Description);
            // conf.yml is not part of the prepare step: it is written at join time, with the cluster's members then.
            Assert.DoesNotContain(plans[3].FilesToWrite, f => f.Path == "/etc/etcd/conf.yml");

            var results = await installer.ApplyAsync(plans, CancellationToken.None);
            Assert.Empty(installer.Failures);
            foreach (var name in new[] { "etcd-1", "etcd-2", "etcd-3" })
                Assert.DoesNotContain(hosts[name].Calls, c => c.Name == "service-action" || c.Name == "write-files");
            var conf = ConfWritten(hosts["etcd-4"]);
            Assert.Contains("initial-cluster-state: existing", conf);
            Assert.DoesNotContain("initial-cluster-state: new", conf);
            Assert.Contains("initial-cluster: etcd-1=https://10.0.0.11:2380,etcd-2=https://10.0.0.12:2380,etcd-3=https://10.0.0.13:2380,etcd-4=https://10.0.0.14:2380\n", conf);
            var steps = membership.Log.Where(l => !l.StartsWith("read", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { "wait etcd-1,etcd-2,etcd-3", "add https://10.0.0.14:2380", "start etcd-4", "promote 104", "wait etcd-1,etcd-2,etcd-3,etcd-4" }, steps);
            Assert.True(results[3].Started);
            Assert.Contains("promoted to voting member", results[3].Changes);
            Assert.All(results.Take(3), r => Assert.False(r.Changed));
            Assert.False(membership.Members.Single(m => m.Id == 0x104).IsLearner);
        }

        [Fact]
        public async Task ARogueBootstrapIsStoppedMovedAsideAndJoinedNeverStartedWithStateNew()
        {
            // The scenario of the bug report: the 4th host started with 'new' and founded a cluster of its own.
            var rogue = Deployed(Spec(Grown.Members[3], cluster: Grown));
            rogue["f3"] = new RemoteFile("/etc/etcd/conf.yml", Spec(Grown.Members[3], cluster: Grown).ConfigNew, "600", "etcd", "etcd").Fingerprint;
            var (specs, hosts, membership) = Running(rogue);
            membership.Foreign["https://10.0.0.14:2379"] = "beef";
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(MemberRole.Join, plans[3].Role);
            Assert.True(plans[3].MovesDataAside);
            Assert.Contains("move /var/lib/etcd aside", plans[3].Description);
            await installer.ApplyAsync(plans, CancellationToken.None);
            var calls = hosts["etcd-4"].Calls.Select(c => c.ToString()).ToList();
            var stop = calls.IndexOf("service-action stop etcd");
            var move = calls.IndexOf("move-aside .removed-20250102T030405Z /var/lib/etcd");
            var start = calls.IndexOf("service-action start etcd");
            Assert.True(stop >= 0 && move > stop && start > move, string.Join("\n", calls));
            Assert.Contains("add https://10.0.0.14:2380", membership.Log);
            Assert.DoesNotContain("initial-cluster-state: new", ConfWritten(hosts["etcd-4"]));
        }

        [Fact]
        public async Task AFreshTokenOrAGrownInitialClusterNeitherRewritesNorRestartsBootstrappedMembers()
        {
            // What a re-run with a fresh New-EtcdCluster (new random token) renders: only initial-cluster-token differs.
            var fresh = Cluster.Clone();
            fresh.Token = "fresh-token";
            var specs = Cluster.Members.Select(m => Spec(m, cluster: fresh)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Deployed(Spec(s.Member))));
            var membership = new FakeMembership(Cluster, new List<string>()) { Members = { Entry(Cluster, 0), Entry(Cluster, 1), Entry(Cluster, 2) } };
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.All(plans, p => Assert.True(p.ChangesNothing, p.Description));
            Assert.Equal(3, installer.Warnings.Count(w => w.Contains("'tok', the one this member was bootstrapped with")));
            await installer.ApplyAsync(plans, CancellationToken.None);
            Assert.All(hosts.Values, h => Assert.DoesNotContain(h.Calls, c => c.Name == "service-action" || c.Name == "write-files"));

            // A member that joined later has a shorter initial-cluster than the grown inventory renders: no change either.
            var grown = Spec(Grown.Members[0], cluster: Grown);
            var probe = Deployed(Spec(Grown.Members[0]));
            Assert.True(Decide(grown, probe).ChangesNothing);
        }

        [Fact]
        public async Task AMemberWhoseDataWasLostIsReplacedSameClusterNoBootstrap()
        {
            var (specs, hosts, membership) = Running(Bare());
            membership.Members.Add(Entry(Grown, 3));        // etcd-4 was a member; its host lost the disk
            var lost = Deployed(specs[3]);
            lost["bootstrapped"] = "no"; lost["active"] = "activating";
            hosts["etcd-4"] = new FakeHost("etcd-4", lost) { Log = membership.Log };
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(MemberRole.Replace, plans[3].Role);
            Assert.Contains("remove its ID 103", plans[3].Description);
            await installer.ApplyAsync(plans, CancellationToken.None);
            var steps = membership.Log.Where(l => l.StartsWith("remove", StringComparison.Ordinal) || l.StartsWith("add", StringComparison.Ordinal) || l.StartsWith("promote", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { "remove 103", "add https://10.0.0.14:2380", "promote 104" }, steps);
            Assert.Contains(hosts["etcd-4"].Calls, c => c.Name == "move-aside");
            Assert.Equal(0xc1UL, membership.ClusterId);
        }

        [Fact]
        public async Task AFoundingInterruptedAfterOneMemberStartedIsFinishedByStartingTheOthersWithStateNew()
        {
            // The deploy was killed once etcd-1 had started: it waits (activating) for peers that were never started.
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var waiting = Deployed(specs[0]);
            waiting["f3"] = new RemoteFile(specs[0].ConfigPath, specs[0].ConfigNew, "600", "etcd", "etcd").Fingerprint;
            waiting["active"] = "activating";
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, s.Member.Name == "etcd-1" ? waiting : Bare()));
            var membership = new FakeMembership(Cluster, new List<string>()) { Down = true };
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.All(plans, p => Assert.Equal(MemberRole.Bootstrap, p.Role));
            await installer.ApplyAsync(plans, CancellationToken.None);
            Assert.DoesNotContain(membership.Log, l => l.StartsWith("add", StringComparison.Ordinal));
            foreach (var name in new[] { "etcd-2", "etcd-3" })
            {
                Assert.Contains("initial-cluster-state: new", Encoding.UTF8.GetString(hosts[name].Writes.First(w => w.Path == "/etc/etcd/conf.yml").Content));
                Assert.Contains("service-action start etcd", hosts[name].Calls.Select(c => c.ToString()));
            }
            Assert.DoesNotContain(hosts["etcd-1"].Calls, c => c.Name == "move-aside");
        }

        [Fact]
        public async Task AHostWithDataOfAnotherFoundingStillMeansAClusterExists()
        {
            // Same as above, but etcd-1's conf.yml names another token: its data is not this founding's, so nothing starts with 'new'.
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var other = Deployed(specs[0]);
            var otherCluster = new EtcdCluster { Name = "t", Version = "3.5.16", Token = "another", Members = { Cluster.Members[0], Cluster.Members[1], Cluster.Members[2] } };
            other["f3"] = new RemoteFile(specs[0].ConfigPath, Spec(Cluster.Members[0], cluster: otherCluster).ConfigNew, "600", "etcd", "etcd").Fingerprint;
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, s.Member.Name == "etcd-1" ? other : Bare()));
            using var installer = Installer(hosts, new FakeMembership(Cluster, new List<string>()) { Down = true });
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(new[] { MemberRole.Member, MemberRole.Join, MemberRole.Join }, plans.Select(p => p.Role));
        }

        [Fact]
        public async Task AnAddInterruptedBeforeTheStartIsFinishedByTheNextRun()
        {
            // member add happened, the host was prepared, etcd never started: an unstarted learner.
            var prepared = Deployed(Spec(Grown.Members[3], cluster: Grown));
            prepared["bootstrapped"] = "no"; prepared["active"] = "inactive";
            var (specs, hosts, membership) = Running(prepared);
            membership.Members.Add(Entry(Grown, 3, learner: true, started: false));
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(MemberRole.Join, plans[3].Role);
            Assert.Contains("start the learner an earlier run added", plans[3].Description);
            await installer.ApplyAsync(plans, CancellationToken.None);
            Assert.DoesNotContain(membership.Log, l => l.StartsWith("add", StringComparison.Ordinal) || l.StartsWith("remove", StringComparison.Ordinal));
            Assert.Contains("promote 103", membership.Log);
            Assert.Contains("service-action start etcd", hosts["etcd-4"].Calls.Select(c => c.ToString()));
            Assert.DoesNotContain(hosts["etcd-4"].Calls, c => c.Name == "move-aside");
        }

        [Fact]
        public async Task ALearnerLeftUnpromotedIsPromotedWithoutARestart()
        {
            var (specs, hosts, membership) = Running(Deployed(Spec(Grown.Members[3], cluster: Grown)));
            membership.Members.Add(Entry(Grown, 3, learner: true));
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(MemberRole.Member, plans[3].Role);
            Assert.Contains("promote the learner", plans[3].Description);
            var results = await installer.ApplyAsync(plans, CancellationToken.None);
            // A learner answers no linearizable read: the cluster is waited for without it, then with it once promoted.
            var steps = membership.Log.Where(l => l.StartsWith("wait", StringComparison.Ordinal) || l.StartsWith("promote", StringComparison.Ordinal)).ToList();
            Assert.Equal(new[] { "wait etcd-1,etcd-2,etcd-3", "promote 103", "wait etcd-1,etcd-2,etcd-3,etcd-4" }, steps);
            Assert.All(hosts.Values, h => Assert.DoesNotContain(h.Calls, c => c.Name == "service-action"));
            Assert.Contains("promoted to voting member", results[3].Changes);
        }

        [Fact]
        public async Task AMemberTheInventoryDoesNotNameIsReportedNeverRemoved()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Deployed(s)));
            var membership = new FakeMembership(Grown, new List<string>()) { Members = { Entry(Grown, 0), Entry(Grown, 1), Entry(Grown, 2), Entry(Grown, 3) } };
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Contains(installer.Warnings, w => w.Contains("etcd-4 103") && w.Contains("Remove-EtcdMember"));
            await installer.ApplyAsync(plans, CancellationToken.None);
            Assert.DoesNotContain(membership.Log, l => l.StartsWith("remove", StringComparison.Ordinal));
        }

        [Fact]
        public async Task APendingLearnerOfAnotherHostBlocksTheJoinBeforeAnythingIsAdded()
        {
            var (specs, hosts, membership) = Running(Bare());
            membership.Members.Add(new EtcdMemberEntry { Id = 0x999, IsLearner = true, PeerUrls = new[] { "https://10.0.0.99:2380" } });
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => installer.ApplyAsync(plans, CancellationToken.None));
            Assert.Equal("LearnerPending", ex.ErrorId);
            Assert.DoesNotContain(membership.Log, l => l.StartsWith("add", StringComparison.Ordinal));
            Assert.DoesNotContain(hosts["etcd-4"].Calls, c => c.Name == "service-action");
        }

        [Fact]
        public async Task ABareHostOfAClusterWithDataButNoAnswerIsNeverStartedWithStateNew()
        {
            // Every member down (no answer), their data on disk: the cluster exists; the bare 4th host must not found another.
            var (specs, hosts, membership) = Running(Bare());
            membership.Down = true;
            foreach (var name in new[] { "etcd-1", "etcd-2", "etcd-3" }) hosts[name] = new FakeHost(name, WithActive(Deployed(specs[Grown.Members.IndexOf(Grown.FindMember(name)!)]), "inactive")) { Log = membership.Log };
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.Equal(new[] { MemberRole.Member, MemberRole.Member, MemberRole.Member, MemberRole.Join }, plans.Select(p => p.Role));
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => installer.ApplyAsync(plans, CancellationToken.None));
            Assert.Equal("NoVotingMemberAnswered", ex.ErrorId);
            foreach (var name in new[] { "etcd-1", "etcd-2", "etcd-3" }) Assert.Contains("service-action start etcd", hosts[name].Calls.Select(c => c.ToString()));
            Assert.DoesNotContain(hosts["etcd-4"].Calls, c => c.Name == "service-action");
            Assert.DoesNotContain(hosts["etcd-4"].Writes, w => w.Path == "/etc/etcd/conf.yml");
        }

        [Fact]
        public async Task NoClusterAndNoDataBootstrapsAsBefore()
        {
            var specs = Cluster.Members.Select(m => Spec(m)).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Bare()));
            var membership = new FakeMembership(Cluster, new List<string>()) { Down = true };
            using var installer = Installer(hosts, membership);
            var plans = await installer.PlanAsync(specs, CancellationToken.None);
            Assert.All(plans, p => Assert.Equal(MemberRole.Bootstrap, p.Role));
            await installer.ApplyAsync(plans, CancellationToken.None);
            Assert.All(hosts.Values, h => Assert.Contains("initial-cluster-state: new", Encoding.UTF8.GetString(h.Writes.First(w => w.Path == "/etc/etcd/conf.yml").Content)));
            Assert.DoesNotContain(membership.Log, l => l.StartsWith("add", StringComparison.Ordinal));
        }

        private static Dictionary<string, string> WithActive(Dictionary<string, string> probe, string active) { probe["active"] = active; return probe; }

        [Fact]
        public async Task PromoteIsRetriedWhileEtcdSaysTheLearnerIsNotInSyncAndGivesUpBounded()
        {
            var api = new PromoteApi(refusals: 3);
            var membership = new ClusterMembership(api, () => new[] { "https://10.0.0.11:2379" }) { PromoteTimeout = TimeSpan.FromSeconds(5) };
            await membership.PromoteAsync(0x104, CancellationToken.None);
            Assert.Equal(4, api.Promotes);

            var never = new ClusterMembership(new PromoteApi(refusals: int.MaxValue), () => new[] { "https://10.0.0.11:2379" }) { PromoteTimeout = TimeSpan.FromMilliseconds(500) };
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => never.PromoteAsync(0x104, CancellationToken.None));
            Assert.Equal("LearnerNotInSync", ex.ErrorId);
        }

        [Fact]
        public async Task TheLiveClusterIsTheOneMostEndpointsBelongToAndTheOthersAreForeign()
        {
            var api = new PromoteApi(0) { ClusterOf = e => e.Contains("10.0.0.14") ? "beef" : "c1" };
            var endpoints = Grown.ClientUrls;
            var live = await new ClusterMembership(api, () => endpoints).ReadAsync(CancellationToken.None);
            Assert.NotNull(live);
            Assert.Equal(0xc1UL, live!.ClusterId);
            var foreign = Assert.Single(live.Foreign);
            Assert.Equal(("https://10.0.0.14:2379", "beef"), (foreign.Key, foreign.Value));
            // The answer for the other cluster is no answer of the member at that address; the others answered.
            Assert.False(live.Map.FindByPeerUrl(Grown.PeerUrl(Grown.Members[3]))!.Answered);
            Assert.Equal(new[] { "etcd-1", "etcd-2", "etcd-3" }, live.Map.AnsweringVoters.Select(v => v.Name).OrderBy(n => n));
            Assert.Equal("etcd-2", live.Map.Leader?.Name);
        }

        /// <summary>An in-memory member list that logs every change (shared log with the fake hosts).</summary>
        private sealed class FakeMembership : IClusterMembership
        {
            private readonly EtcdCluster _cluster;
            private ulong _next = 0x104;

            public FakeMembership(EtcdCluster cluster, List<string> log) { _cluster = cluster; Log = log; }

            public ulong ClusterId { get; set; } = 0xc1;
            public List<EtcdMemberEntry> Members { get; } = new List<EtcdMemberEntry>();
            public Dictionary<string, string> Foreign { get; } = new Dictionary<string, string>();
            public bool Down { get; set; }
            public List<string> Log { get; }

            private void Add(string line) { lock (Log) Log.Add(line); }

            public Task<LiveCluster?> ReadAsync(CancellationToken cancellation)
            {
                Add("read");
                if (Down) return Task.FromResult<LiveCluster?>(null);
                var answers = Members.Where(m => !m.IsLearner && m.Name.Length > 0)
                    .Select(m => new EndpointResult<EtcdEndpointStatus>(new EtcdEndpointStatus { Endpoint = m.ClientUrls[0], ID = EtcdClient.Hex(m.Id), ClusterID = "c1", Leader = "101" }, null)).ToList();
                var map = EtcdMemberMap.Of(Members.Select(LiveMember.From).ToList(), answers);
                return Task.FromResult<LiveCluster?>(new LiveCluster(ClusterId, map, new Dictionary<string, string>(Foreign)));
            }

            public Task<EtcdMemberAddReply> AddLearnerAsync(string peerUrl, CancellationToken cancellation)
            {
                Add("add " + peerUrl);
                var entry = new EtcdMemberEntry { Id = _next++, IsLearner = true, PeerUrls = new[] { peerUrl } };
                Members.Add(entry);
                return Task.FromResult(new EtcdMemberAddReply { Added = entry, List = new EtcdMemberListReply { ClusterId = ClusterId, Members = Members.ToList() } });
            }

            public Task PromoteAsync(ulong memberId, CancellationToken cancellation)
            {
                Add("promote " + EtcdClient.Hex(memberId));
                Members.Single(m => m.Id == memberId).IsLearner = false;
                return Task.CompletedTask;
            }

            public Task RemoveAsync(ulong memberId, CancellationToken cancellation)
            {
                Add("remove " + EtcdClient.Hex(memberId));
                Members.RemoveAll(m => m.Id == memberId);
                return Task.CompletedTask;
            }

            public Task MoveLeaderAsync(string leaderEndpoint, ulong targetId, CancellationToken cancellation)
            {
                Add("move-leader " + EtcdClient.Hex(targetId));
                return Task.CompletedTask;
            }
        }

        /// <summary>A transport that refuses promote a number of times the way etcd does for a learner still catching up.</summary>
        private sealed class PromoteApi : IEtcdTransport
        {
            private int _refusals;
            public PromoteApi(int refusals) => _refusals = refusals;
            public int Promotes { get; private set; }
            public Func<string, string> ClusterOf { get; set; } = _ => "c1";
            public string Name => "fake";

            // The members of Grown, each answering as itself on its client URL.
            public Task<EtcdEndpointStatus> StatusAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) =>
                Task.FromResult(new EtcdEndpointStatus
                {
                    Endpoint = endpoint, ClusterID = ClusterOf(endpoint), Leader = "101",
                    ID = EtcdClient.Hex(0x100 + (ulong)Grown.ClientUrls.IndexOf(endpoint)),
                });

            public Task<EtcdMemberListReply> MemberListAsync(string endpoint, bool linearizable, TimeSpan timeout, CancellationToken cancellation) =>
                Task.FromResult(new EtcdMemberListReply { ClusterId = 0xc1, Members = Grown.Members.Select((m, i) => Entry(Grown, i)).ToList() });

            public Task<EtcdMemberListReply> MemberPromoteAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation)
            {
                Promotes++;
                if (_refusals-- > 0) throw new EtcdRefusedException(endpoint, "member promote", 9, "etcdserver: can only promote a learner member which is in sync with leader");
                return Task.FromResult(new EtcdMemberListReply());
            }

            public Task<EtcdMemberAddReply> MemberAddAsync(string endpoint, IReadOnlyList<string> peerUrls, bool isLearner, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<EtcdMemberListReply> MemberRemoveAsync(string endpoint, ulong memberId, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<EtcdMemberListReply> MemberUpdateAsync(string endpoint, ulong memberId, IReadOnlyList<string> peerUrls, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<EtcdRangeReply> RangeAsync(string endpoint, EtcdRangeRequest request, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<long> PutAsync(string endpoint, byte[] key, byte[] value, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<long> DeleteRangeAsync(string endpoint, byte[] key, byte[]? rangeEnd, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<IReadOnlyList<EtcdAlarmEntry>> AlarmsAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<IReadOnlyList<EtcdAlarmEntry>> DeactivateAlarmAsync(string endpoint, EtcdAlarmEntry alarm, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task CompactAsync(string endpoint, long revision, bool physical, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task DefragmentAsync(string endpoint, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task MoveLeaderAsync(string endpoint, ulong targetId, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<EtcdHashKvReply> HashKvAsync(string endpoint, long revision, TimeSpan timeout, CancellationToken cancellation) => throw new NotSupportedException();
            public Task<EtcdSnapshotStreamInfo> SnapshotAsync(string endpoint, System.IO.Stream destination, Action<long, long>? progress, TimeSpan idleTimeout, CancellationToken cancellation) => throw new NotSupportedException();
        }

        /// <summary>A host that answers the probe from a table, records every command, and claims every file it is sent changed.</summary>
        private sealed class FakeHost : IRemoteHost
        {
            private readonly Dictionary<string, string> _probe;

            public FakeHost(string name, Dictionary<string, string> probe) { Name = name; _probe = probe; }

            public string Name { get; }
            public List<string> Commands { get; } = new List<string>();
            public List<string> Log { get; set; } = new List<string>();
            public bool FailWrites { get; set; }

            /// <summary>Every file sent, with its content (read from the command's stdin).</summary>
            public List<(string Path, byte[] Content)> Writes { get; } = new List<(string, byte[])>();

            /// <summary>The scripts of every command, in order.</summary>
            public List<RemoteCall> Calls { get { lock (Commands) return Commands.SelectMany(RemoteCall.Parse).ToList(); } }

            public Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation)
            {
                lock (Commands) Commands.Add(command);
                var calls = RemoteCall.Parse(command);
                Assert.NotEmpty(calls);
                if (calls.Any(c => c.Name == "probe-host"))
                    return Ok(string.Join("\n", _probe.Select(kv => kv.Key + "=" + kv.Value)));
                if (calls.Any(c => c.ToString() == "service-action restart etcd")) { lock (Log) Log.Add("restart " + Name); return Ok(""); }
                if (calls.Any(c => c.ToString() == "service-action start etcd")) { lock (Log) Log.Add("start " + Name); return Ok(""); }
                var move = calls.FirstOrDefault(c => c.Name == "move-aside");
                if (move != null) return Ok(string.Join("\n", move.Arguments.Skip(1).Select(d => "moved=" + d + move.Arguments[0])));
                var write = calls.FirstOrDefault(c => c.Name == "write-files");
                if (write != null && input != null)
                {
                    var offset = 0;
                    for (var i = 0; i + 6 < write.Arguments.Count; i += 7)
                    {
                        var length = int.Parse(write.Arguments[i + 4]);
                        lock (Writes) Writes.Add((write.Arguments[i], input.Skip(offset).Take(length).ToArray()));
                        offset += length;
                    }
                }
                if (write != null && FailWrites) return Task.FromResult(new RemoteResult(1, "", "disk full"));
                if (write != null)
                    return Ok(string.Join("\n", write.Arguments.Where((_, i) => i % 7 == 0).Select(p => "changed-content: " + p)));
                return Ok("");
            }

            private static Task<RemoteResult> Ok(string output) => Task.FromResult(new RemoteResult(0, output, ""));

            public void Dispose() { }
        }
    }
}
