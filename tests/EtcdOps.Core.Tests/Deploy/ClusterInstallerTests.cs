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

        private static NodeInstallSpec Spec(EtcdMember member, string ca = "CA-1")
        {
            var spec = new NodeInstallSpec(Cluster, member)
            {
                ConfigNew = Encoding.UTF8.GetBytes("name: " + member.Name + "\ninitial-cluster-state: new\n"),
                ConfigExisting = Encoding.UTF8.GetBytes("name: " + member.Name + "\ninitial-cluster-state: existing\n"),
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
            conf["f3"] = "0000 600 etcd etcd";
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
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), ct => { waits++; return Task.CompletedTask; }, _ => { });
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
            var hosts = specs.ToDictionary(s => s.Member.Name, s => { var p = Deployed(s); p["f3"] = "00 600 etcd etcd"; return new FakeHost(s.Member.Name, p); });
            var log = new List<string>();
            foreach (var h in hosts.Values) h.Log = log;
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), ct => { lock (log) log.Add("wait"); return Task.CompletedTask; }, _ => { });
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
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), ct => Task.CompletedTask, _ => { });
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
                ct => Task.CompletedTask, _ => { });
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
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), ct => Task.CompletedTask, _ => { });
            await installer.InstallAsync(specs, CancellationToken.None);
            Assert.Contains("etcd-3", installer.Failures.Keys);
            Assert.All(hosts.Values, h => Assert.DoesNotContain(h.Calls, c => c.Name == "service-action"));
        }

        [Fact]
        public async Task ACaChangeOnARunningClusterTouchesNoHost()
        {
            var specs = Cluster.Members.Select(m => Spec(m, "CA-2")).ToList();
            var hosts = specs.ToDictionary(s => s.Member.Name, s => new FakeHost(s.Member.Name, Deployed(Spec(s.Member))));
            using var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), ct => Task.CompletedTask, _ => { });
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

        /// <summary>A host that answers the probe from a table, records every command, and claims every file it is sent changed.</summary>
        private sealed class FakeHost : IRemoteHost
        {
            private readonly Dictionary<string, string> _probe;

            public FakeHost(string name, Dictionary<string, string> probe) { Name = name; _probe = probe; }

            public string Name { get; }
            public List<string> Commands { get; } = new List<string>();
            public List<string> Log { get; set; } = new List<string>();
            public bool FailWrites { get; set; }

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
                var write = calls.FirstOrDefault(c => c.Name == "write-files");
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
