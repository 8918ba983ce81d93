using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Remote;
using Xunit;

namespace EtcdOps.Tests.Snapshot
{
    /// <summary>Restore-EtcdSnapshot's rules (version fit, refusals, the restore tool) and its plan and steps over fake hosts.</summary>
    public class SnapshotRestorerTests : IDisposable
    {
        private static readonly DateTime Now = new DateTime(2026, 12, 3, 7, 15, 0, DateTimeKind.Utc);
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "etcdops-restore-" + Guid.NewGuid().ToString("N").Substring(0, 8));

        public SnapshotRestorerTests() => Directory.CreateDirectory(_dir);

        public void Dispose() => Directory.Delete(_dir, true);

        private static EtcdVersion V(string v) => EtcdVersion.Parse(v);

        [Theory]
        [InlineData("3.5.16", "3.5.16")]
        [InlineData("3.5.30", "3.5.16")]   // a newer patch of the same minor: etcd reads it
        [InlineData("3.4.23", "3.5.16")]   // the minor before: what an upgrade does to the data
        [InlineData("3.5.16", "3.6.6")]
        public void ASnapshotOfTheSameOrThePreviousMinorFits(string taken, string cluster)
        {
            Assert.Null(RestoreRules.CheckVersionFit(taken, V(cluster), "/b/x.db", out var warning));
            Assert.Null(warning);
        }

        [Theory]
        [InlineData("3.5.16", "3.4.23", "cannot read data written by etcd 3.5")]
        [InlineData("3.6.0", "3.5.30", "cannot read data written by etcd 3.6")]
        [InlineData("3.4.23", "3.6.6", "one minor version at a time")]
        public void ADowngradeOrASkippedMinorIsRefusedWithTheReason(string taken, string cluster, string reason)
        {
            var refusal = RestoreRules.CheckVersionFit(taken, V(cluster), "/b/x.db", out _);
            Assert.NotNull(refusal);
            Assert.Equal(ErrorIds.SnapshotVersionMismatch, refusal!.ErrorId);
            Assert.Contains(reason, refusal.Message);
            Assert.Contains("No host was touched", refusal.Message);
        }

        [Fact]
        public void ASnapshotWithoutMetadataGetsAWarningNotARefusal()
        {
            Assert.Null(RestoreRules.CheckVersionFit("", V("3.5.16"), "/b/x.db", out var warning));
            Assert.Contains("not known", warning);
        }

        [Theory]
        [InlineData(0, false, "3.4.23", null)]
        [InlineData(1000, true, "3.5.10", null)]
        [InlineData(1000, true, "3.5.16", null)]
        [InlineData(1000, true, "3.5.9", "need etcd 3.5.10 or later")]
        [InlineData(1000, true, "3.4.23", "need etcd 3.5.10 or later")]
        [InlineData(1000, false, "3.5.16", "only together")]
        [InlineData(0, true, "3.5.16", "only together")]
        public void BumpRevisionNeedsMarkCompactedAndEtcd3510(long bump, bool mark, string version, string? reason)
        {
            var refusal = RestoreRules.CheckBumpRevision(bump, mark, V(version));
            if (reason == null) { Assert.Null(refusal); return; }
            Assert.Equal(ErrorIds.BumpRevisionUnsupported, refusal!.ErrorId);
            Assert.Contains(reason, refusal.Message);
        }

        [Fact]
        public void Etcd34RestoresWithEtcdctlAndLaterWithEtcdutl()
        {
            Assert.Equal("etcdctl", RestoreRules.ToolFor(V("3.4.23")));
            Assert.Equal("etcdutl", RestoreRules.ToolFor(V("3.5.16")));
            Assert.Equal("etcdutl", RestoreRules.ToolFor(V("3.6.6")));
        }

        [Fact]
        public void TheOldDataGoesBesideWithTheUtcTime()
        {
            Assert.Equal(".before-restore-20261203T071500Z", RestoreRules.AsideSuffix(Now));
            var layout = new EtcdHostLayout { DataDir = "/var/lib/etcd/" };
            Assert.Equal("/var/lib/etcd.restoring", RestoreRules.MarkerPath(layout));
            Assert.Equal("/var/lib/etcd.restoring.db", RestoreRules.StagedPath(layout));
        }

        [Theory]
        [InlineData("missing=yes", "does not exist")]
        [InlineData("size=1056\nsha256=aa\ntrailer=bad", "trailer does not match")]
        [InlineData("size=1000\nsha256=aa\ntrailer=ok", "object says 1056")]
        [InlineData("size=1056\nsha256=bb\ntrailer=ok", "object says aa")]
        [InlineData("size=1056\nsha256=aa\ntrailer=ok", null)]
        public void ASnapshotOnAHostIsCheckedAgainstTheObject(string check, string? problem)
        {
            var verdict = RestoreRules.CheckOnHost(HostProbe.Parse(check), new EtcdSnapshot { Path = "/s/x.db", Member = "etcd-1", Size = 1056, Sha256 = "aa" });
            if (problem == null) Assert.Null(verdict);
            else Assert.Contains(problem, verdict);
        }

        [Fact]
        public void AnInterruptedRestoreOfTheSameSnapshotOntoTheSameMembersKeepsItsToken()
        {
            var markers = new[]
            {
                new RestoreMarker { Snapshot = "AA", Token = "t-old", InitialCluster = "a=x" },
                null,
                new RestoreMarker { Snapshot = "bb", Token = "t-other", InitialCluster = "a=x" },
            };
            Assert.Equal("t-old", RestoreRules.ChooseToken(markers, "aa", "a=x", () => "fresh", out var continues));
            Assert.True(continues);
            Assert.Equal("fresh", RestoreRules.ChooseToken(markers, "aa", "a=y", () => "fresh", out continues));
            Assert.False(continues);
            Assert.Equal("fresh", RestoreRules.ChooseToken(markers, "cc", "a=x", () => "fresh", out continues));
        }

        // ---- Plan and steps over fake hosts ----

        private static readonly EtcdCluster Cluster = new EtcdCluster
        {
            Name = "t", Version = "3.5.16", Token = "new-token",
            Members = { new EtcdMember("etcd-1", "10.0.0.11"), new EtcdMember("etcd-2", "10.0.0.12"), new EtcdMember("etcd-3", "10.0.0.13") },
        };

        private static NodeInstallSpec Spec(EtcdMember member)
        {
            string Conf(string state) => $"name: {member.Name}\ninitial-cluster: {Cluster.InitialCluster}\ninitial-cluster-token: {Cluster.Token}\ninitial-cluster-state: {state}\n";
            var spec = new NodeInstallSpec(Cluster, member)
            {
                ConfigNew = Encoding.UTF8.GetBytes(Conf("new")), ConfigExisting = Encoding.UTF8.GetBytes(Conf("existing")), ReleaseVersion = "3.5.16",
            };
            spec.Files.Add(new RemoteFile(spec.UnitPath, Encoding.ASCII.GetBytes("[Unit]\n"), "0644"));
            return spec;
        }

        private (EtcdSnapshot Snapshot, string Sha) LocalSnapshot()
        {
            var data = new byte[1024];
            new Random(3).NextBytes(data);
            using var sha = SHA256.Create();
            var file = data.Concat(sha.ComputeHash(data)).ToArray();
            var path = Path.Combine(_dir, "s.db");
            File.WriteAllBytes(path, file);
            var s = SnapshotFile.Inspect(path);
            s.EtcdVersion = "3.5.16";
            return (s, s.Sha256);
        }

        /// <summary>A running member with its data (or a bare host), with a restore marker when given.</summary>
        private static Dictionary<string, string> Probe(bool running, bool bootstrapped, RestoreMarker? marker = null)
        {
            var v = new Dictionary<string, string>
            {
                ["etcd"] = running ? "3.5.16" : "", ["active"] = running ? "active" : "inactive", ["enabled"] = running ? "enabled" : "",
                ["bootstrapped"] = bootstrapped ? "yes" : "no", ["arch"] = "x86_64", ["account"] = running ? "ok" : "missing",
            };
            if (marker != null) { v["marker.snapshot"] = marker.Snapshot; v["marker.token"] = marker.Token; v["marker.initial-cluster"] = marker.InitialCluster; }
            return v;
        }

        private async Task<(SnapshotRestorer Restorer, RestorePlan Plan, List<string> Log, Dictionary<string, RestoreHost> Hosts, ClusterInstaller Installer)> PlanAsync(
            EtcdSnapshot snapshot, Func<string, Dictionary<string, string>> probe, byte[]? export = null)
        {
            var log = new List<string>();
            var hosts = Cluster.Members.ToDictionary(m => m.Name, m => new RestoreHost(m.Name, probe(m.Name), log) { Export = export });
            var installer = new ClusterInstaller((s, ct) => Task.FromResult<IRemoteHost>(hosts[s.Member.Name]), (m, ct) => Task.CompletedTask, null, _ => { });
            var restorer = new SnapshotRestorer(installer, (m, ct) => { lock (log) log.Add("wait healthy " + m.Count); return Task.CompletedTask; }, _ => { });
            var request = new RestoreRequest(Cluster, snapshot) { UtcNow = Now };
            var plan = await restorer.PlanAsync(request, Cluster.Members.Select(Spec).ToList(), CancellationToken.None);
            return (restorer, plan, log, hosts, installer);
        }

        [Fact]
        public async Task ACorruptLocalSnapshotIsRefusedBeforeAnyHostIsConnected()
        {
            var (snapshot, _) = LocalSnapshot();
            var bytes = File.ReadAllBytes(snapshot.Path);
            bytes[10] ^= 1;
            File.WriteAllBytes(snapshot.Path, bytes);
            var connected = 0;
            using var installer = new ClusterInstaller((s, ct) => { connected++; throw new InvalidOperationException("no host may be touched"); }, (m, ct) => Task.CompletedTask, null, _ => { });
            var restorer = new SnapshotRestorer(installer, (m, ct) => Task.CompletedTask, _ => { });
            var ex = await Assert.ThrowsAsync<EtcdOpsException>(() => restorer.PlanAsync(new RestoreRequest(Cluster, SnapshotFile.Inspect(snapshot.Path)), Cluster.Members.Select(Spec).ToList(), CancellationToken.None));
            Assert.Equal(ErrorIds.SnapshotCorrupt, ex.ErrorId);
            Assert.Contains("No host was touched", ex.Message);
            Assert.Equal(0, connected);
        }

        [Fact]
        public async Task AFreshRestoreStagesBeforeItStopsThenMovesAsideRestoresStartsWaitsAndFlips()
        {
            var (snapshot, sha) = LocalSnapshot();
            var (restorer, plan, log, hosts, installer) = await PlanAsync(snapshot, name => Probe(running: name != "etcd-3", bootstrapped: name != "etcd-3"));
            using (installer)
            {
                Assert.True(restorer.Failures.IsEmpty);
                Assert.False(plan.Continues);
                Assert.StartsWith("etcd-t-", plan.Token);
                var one = plan.Hosts.Single(h => h.Member.Name == "etcd-1").Description;
                Assert.Contains($"upload the snapshot (1056 bytes, SHA-256 {sha})", one);
                Assert.Contains("stop etcd", one);
                Assert.Contains("move /var/lib/etcd aside to /var/lib/etcd.before-restore-20261203T071500Z (kept, never deleted)", one);
                Assert.Contains($"etcdutl snapshot restore as member etcd-1 (https://10.0.0.11:2380) into /var/lib/etcd, initial-cluster {Cluster.InitialCluster}, new token {plan.Token}", one);
                var bare = plan.Hosts.Single(h => h.Member.Name == "etcd-3").Description;
                Assert.DoesNotContain("stop etcd", bare);
                Assert.DoesNotContain("aside", bare);
                Assert.Contains("install etcd 3.5.16 (linux-amd64)", bare);
                foreach (var h in plan.Hosts) h.Install.UseRelease("/dev/null");

                await restorer.ApplyAsync(plan, CancellationToken.None);
                var steps = log.Where(l => l.StartsWith("etcd-1 ") || l.StartsWith("wait")).ToList();
                Assert.Equal(new[]
                {
                    "etcd-1 stage", "etcd-1 stop", "etcd-1 prepare", "etcd-1 move-aside .before-restore-20261203T071500Z", "etcd-1 marker", "etcd-1 restore",
                    "etcd-1 conf new", "etcd-1 start", "wait healthy 3", "etcd-1 conf existing", "etcd-1 finish",
                }, steps.Where(s => !s.StartsWith("etcd-1 inspect") && !s.StartsWith("etcd-1 probe")));
                // Every member was stopped before any data was moved, and started only once all were restored.
                var lastStop = log.FindLastIndex(l => l.EndsWith(" stop"));
                Assert.True(lastStop < log.FindIndex(l => l.Contains(" move-aside")));
                Assert.True(log.FindLastIndex(l => l.EndsWith(" restore")) < log.FindIndex(l => l.EndsWith(" start")));
                Assert.Equal(sha, hosts["etcd-2"].Uploaded);
                var restore = hosts["etcd-2"].Restore!;
                Assert.Equal(new[] { "etcdutl", "/usr/local/bin", "etcd-2", Cluster.InitialCluster, plan.Token, "https://10.0.0.12:2380", "/var/lib/etcd", "", "/var/lib/etcd.restoring.db", "0", "etcd", "etcd" }, restore.Arguments.Skip(1));
                Assert.Contains($"initial-cluster-token: {plan.Token}\n", hosts["etcd-2"].Conf["new"]);
                Assert.Contains("initial-cluster-state: existing", hosts["etcd-2"].Conf["existing"]);
            }
        }

        [Fact]
        public async Task ARerunAfterAnInterruptionKeepsTheTokenAndNeverMovesAsideOrRestoresThisRestoresDataAgain()
        {
            var (snapshot, sha) = LocalSnapshot();
            var earlier = new RestoreMarker { Snapshot = sha, Token = "etcd-t-earlier", InitialCluster = Cluster.InitialCluster };
            // etcd-1 restored already (and started); etcd-2 has the marker but no data yet; etcd-3 was not reached.
            var (restorer, plan, log, hosts, installer) = await PlanAsync(snapshot, name => name switch
            {
                "etcd-1" => Probe(running: true, bootstrapped: true, earlier),
                "etcd-2" => Probe(running: false, bootstrapped: false, earlier),
                _ => Probe(running: true, bootstrapped: true),
            });
            using (installer)
            {
                Assert.True(plan.Continues);
                Assert.Equal("etcd-t-earlier", plan.Token);
                Assert.Contains("keep /var/lib/etcd: an interrupted run of this restore restored it already", plan.Hosts[0].Description);
                Assert.DoesNotContain("stop etcd", plan.Hosts[0].Description);
                Assert.Contains("continue the interrupted restore", plan.Hosts[1].Description);
                Assert.Contains("move /var/lib/etcd aside", plan.Hosts[2].Description);
                foreach (var h in plan.Hosts) h.Install.UseRelease("/dev/null");

                await restorer.ApplyAsync(plan, CancellationToken.None);
                Assert.DoesNotContain("etcd-1 stop", log);
                Assert.DoesNotContain("etcd-1 restore", log);
                Assert.DoesNotContain(log, l => l.StartsWith("etcd-1 move-aside") || l.StartsWith("etcd-2 move-aside"));
                Assert.Contains("etcd-2 restore", log);
                Assert.Contains("etcd-3 move-aside .before-restore-20261203T071500Z", log);
                Assert.Equal("etcd-t-earlier", hosts["etcd-3"].Restore!.Arguments[5]);
                Assert.Contains("etcd-1 finish", log);
            }
        }

        [Fact]
        public async Task ASnapshotOnAMembersHostIsCheckedThereAndCopiedOnThatHost()
        {
            var (local, sha) = LocalSnapshot();
            var remote = new EtcdSnapshot { Path = "/var/lib/etcd-snapshots/a.db", Member = "etcd-2", EtcdVersion = "3.5.16", Sha256 = sha };
            var content = File.ReadAllBytes(local.Path);
            var (restorer, plan, log, hosts, installer) = await PlanAsync(remote, name => Probe(true, true), content);
            using (installer)
            {
                Assert.True(restorer.Failures.IsEmpty);
                Assert.Equal(1056, plan.Snapshot.Size);
                Assert.Contains("copy the snapshot /var/lib/etcd-snapshots/a.db to /var/lib/etcd.restoring.db", plan.Hosts[1].Description);
                await restorer.ApplyAsync(plan, CancellationToken.None);
                Assert.Equal("/var/lib/etcd-snapshots/a.db", hosts["etcd-2"].StagedFrom);
                Assert.Equal(sha, hosts["etcd-1"].Uploaded);
                Assert.True(log.IndexOf("etcd-2 check") < log.IndexOf("etcd-1 stop"));
            }
        }

        /// <summary>A host that answers the installer's probe and the restore script's inspect, check and export steps, and logs each step.</summary>
        private sealed class RestoreHost : IRemoteHost
        {
            private readonly Dictionary<string, string> _probe;
            private readonly List<string> _log;

            public RestoreHost(string name, Dictionary<string, string> probe, List<string> log) { Name = name; _probe = probe; _log = log; }

            public string Name { get; }
            public byte[]? Export { get; set; }
            public string? Uploaded { get; private set; }
            public string? StagedFrom { get; private set; }
            public RemoteCall? Restore { get; private set; }
            public Dictionary<string, string> Conf { get; } = new Dictionary<string, string>();

            private void Log(string step) { lock (_log) _log.Add(Name + " " + step); }

            public Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation)
            {
                var calls = RemoteCall.Parse(command);
                var first = calls[0];
                switch (first.Name)
                {
                    case "probe-host": Log("probe"); return Ok(string.Join("\n", _probe.Select(kv => kv.Key + "=" + kv.Value)));
                    case "prepare-account": Log("prepare"); return Ok("");
                    case "install-binaries": return Ok("");
                    case "service-action": Log(first.Arguments[0]); return Ok("");
                    case "move-aside": Log("move-aside " + first.Arguments[0]); return Ok("");
                    case "write-files":
                        var text = Encoding.UTF8.GetString(input!);
                        if (first.Arguments[0].EndsWith(".restoring")) Log("marker");
                        else if (first.Arguments[0].EndsWith("conf.yml"))
                        {
                            var state = text.Contains("initial-cluster-state: new") ? "new" : "existing";
                            Conf[state] = text;
                            Log("conf " + state);
                        }
                        return Ok("changed-content: " + first.Arguments[0]);
                }
                if (first.Name != "restore-snapshot") return Ok("");
                var step = first.Arguments[0];
                switch (step)
                {
                    case "inspect":
                        Log("inspect");
                        return Ok(string.Join("\n", _probe.Where(kv => kv.Key.StartsWith("marker.")).Select(kv => kv.Key + "=" + kv.Value)));
                    case "check":
                        Log("check");
                        using (var sha = SHA256.Create())
                            return Ok($"size={Export?.Length ?? 1056}\nsha256={string.Concat(sha.ComputeHash(Export ?? Array.Empty<byte>()).Select(b => b.ToString("x2")))}\ntrailer=ok");
                    case "export": return Ok(Convert.ToBase64String(Export!));
                    case "stage":
                        Log("stage");
                        if (first.Arguments.Count > 4) StagedFrom = first.Arguments[4];
                        else using (var sha = SHA256.Create()) Uploaded = string.Concat(sha.ComputeHash(input!).Select(b => b.ToString("x2")));
                        return Ok("staged=written");
                    case "restore": Log("restore"); Restore = first; return Ok("restored=yes");
                    case "finish": Log("finish"); return Ok("");
                }
                return Ok("");
            }

            private static Task<RemoteResult> Ok(string output) => Task.FromResult(new RemoteResult(0, output, ""));

            public void Dispose() { }
        }
    }
}
