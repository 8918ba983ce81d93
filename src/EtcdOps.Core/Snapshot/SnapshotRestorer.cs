using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Snapshot
{
    /// <summary>What to restore where: Restore-EtcdSnapshot's parameters, resolved.</summary>
    internal sealed class RestoreRequest
    {
        public RestoreRequest(EtcdCluster cluster, EtcdSnapshot snapshot)
        {
            Cluster = cluster; Snapshot = snapshot;
        }

        /// <summary>The cluster as restored: its members, version, data dir, and the new token its specs were rendered with.</summary>
        public EtcdCluster Cluster { get; }

        /// <summary>A local file (Member empty; already inspected) or a file on a member's host.</summary>
        public EtcdSnapshot Snapshot { get; }

        public long BumpRevision { get; set; }
        public bool MarkCompacted { get; set; }
        public DateTime UtcNow { get; set; } = DateTime.UtcNow;
    }

    /// <summary>What the restore does on one member's host; <see cref="Description"/> is what -WhatIf prints.</summary>
    internal sealed class RestoreHostPlan
    {
        internal RestoreHostPlan(NodePlan install, IRemoteHost host) { Install = install; Host = host; }

        internal NodePlan Install { get; }
        internal IRemoteHost Host { get; }
        internal NodeInstallSpec Spec => Install.Spec;
        public string Target => Install.Target;
        public EtcdMember Member => Spec.Member;

        /// <summary>The marker an unfinished restore left on the host; null when there is none.</summary>
        internal RestoreMarker? Marker { get; set; }

        /// <summary>SHA-256 of a snapshot staged on the host by an earlier run; empty when none.</summary>
        internal string StagedSha256 { get; set; } = "";

        /// <summary>True when the snapshot file lives on this host (a scheduled snapshot): it is staged by a local copy.</summary>
        public bool HoldsSnapshot { get; internal set; }

        /// <summary>True when the marker is this restore's (an interrupted run of it): the data dir holds only the snapshot's data, or nothing yet.</summary>
        public bool Continues { get; internal set; }

        /// <summary>True when an interrupted run of this restore already restored the data dir: it is kept, not restored again.</summary>
        public bool AlreadyRestored => Continues && Install.Bootstrapped;

        /// <summary>True when etcd runs (or tries to start) on the host and must be stopped before its data changes.</summary>
        public bool Stops => !AlreadyRestored && (Install.ServiceState == "active" || Install.ServiceState == "activating" || Install.ServiceState == "reloading" || Install.ServiceState == "deactivating");

        /// <summary>True when the data dir holds a member's data that goes aside (never deleted).</summary>
        public bool MovesAside => !Continues && Install.Bootstrapped;

        internal string Description { get; set; } = "";

        public override string ToString() => $"{Target}: {Description}";
    }

    /// <summary>The whole restore, decided before any host is changed.</summary>
    internal sealed class RestorePlan
    {
        public EtcdCluster Cluster { get; internal set; } = null!;
        public EtcdSnapshot Snapshot { get; internal set; } = null!;

        /// <summary>The snapshot's SHA-256 (from the file, or from the check on its host).</summary>
        public string Sha256 { get; internal set; } = "";

        /// <summary>The new initial-cluster-token (or the one an interrupted run of this restore chose).</summary>
        public string Token { get; internal set; } = "";

        /// <summary>True when an interrupted run of this same restore is being finished.</summary>
        public bool Continues { get; internal set; }

        public string Tool { get; internal set; } = "";
        public string AsideSuffix { get; internal set; } = "";
        public long BumpRevision { get; internal set; }
        public List<RestoreHostPlan> Hosts { get; } = new List<RestoreHostPlan>();
        public List<string> Warnings { get; } = new List<string>();

        /// <summary>The cluster as it will be: the same members, the new token.</summary>
        public EtcdCluster Restored
        {
            get
            {
                var c = Cluster.Clone();
                c.Token = Token;
                return c;
            }
        }
    }

    /// <summary>
    /// Restore-EtcdSnapshot: disaster recovery as etcd's recovery guide describes it, over the installer's machinery.
    /// <see cref="PlanAsync"/> checks everything that can be checked without changing a host (the snapshot whole, on
    /// its host too, its version against the cluster's, every host reachable and inspected, an unfinished earlier
    /// restore) and says per host what will happen. <see cref="ApplyAsync"/> then stages the snapshot on every host
    /// (checked), stops every member, prepares hosts as Install-EtcdNode does, moves each old data dir aside, restores
    /// with a new token, writes conf.yml (initial-cluster-state: new), starts all members together, waits until the
    /// cluster is healthy and flips conf.yml to existing. Every step is one a re-run recognises: a staged copy is not
    /// sent again, a data dir this restore already restored is neither moved aside nor restored again.
    /// </summary>
    internal sealed class SnapshotRestorer
    {
        private const string Account = "etcd";
        private readonly ClusterInstaller _installer;
        private readonly Func<IReadOnlyList<EtcdMember>, CancellationToken, Task> _waitHealthy;
        private readonly Action<DeployProgress> _progress;
        private readonly IClusterMembership? _running;

        /// <param name="installer">Connects to and prepares the hosts (made with no membership: a restore founds a cluster).</param>
        /// <param name="waitHealthy">Returns when the given members are healthy with one leader; throws on timeout.</param>
        /// <param name="progress">Called from worker threads; must only enqueue.</param>
        /// <param name="running">What still runs at the members' client URLs (to stop its leader last); null: stop all at once.</param>
        public SnapshotRestorer(ClusterInstaller installer, Func<IReadOnlyList<EtcdMember>, CancellationToken, Task> waitHealthy, Action<DeployProgress> progress,
            IClusterMembership? running = null)
        {
            _installer = installer; _waitHealthy = waitHealthy; _progress = progress; _running = running;
            _installer.RestartsEveryMember = true;
        }

        /// <summary>Per-member failures (connecting, inspecting, preparing); when planning fails anywhere, nothing is applied.</summary>
        public ConcurrentDictionary<string, Exception> Failures => _installer.Failures;

        /// <summary>
        /// The checks that need no host, then every host's inspection. Throws for a refusal that concerns the whole call;
        /// per-host failures land in <see cref="Failures"/> (and the plan must then not be applied).
        /// </summary>
        public async Task<RestorePlan> PlanAsync(RestoreRequest request, IReadOnlyList<NodeInstallSpec> specs, CancellationToken cancellation)
        {
            var cluster = request.Cluster;
            var version = EtcdVersion.Parse(cluster.Version);
            var snapshot = request.Snapshot;
            var plan = new RestorePlan
            {
                Cluster = cluster, Snapshot = snapshot, Tool = RestoreRules.ToolFor(version), AsideSuffix = RestoreRules.AsideSuffix(request.UtcNow),
                BumpRevision = request.BumpRevision,
            };
            var onHost = snapshot.Member.Length > 0;
            if (!onHost && RestoreRules.CheckWhole(snapshot) is EtcdOpsException broken) throw broken;
            if (RestoreRules.CheckBumpRevision(request.BumpRevision, request.MarkCompacted, version) is EtcdOpsException bump) throw bump;
            if (RestoreRules.CheckVersionFit(snapshot.EtcdVersion, version, snapshot.Path, out var unknown) is EtcdOpsException misfit) throw misfit;
            if (unknown != null) plan.Warnings.Add(unknown);
            var source = onHost ? cluster.FindMember(snapshot.Member) : null;
            if (onHost && source == null)
                throw new EtcdOpsException(ErrorIds.SnapshotHostNotInCluster, FailureKind.InvalidArgument,
                    $"The snapshot {snapshot.Path} is on the host of member '{snapshot.Member}', and cluster '{cluster.Name}' has no such member ({string.Join(", ", cluster.Members.Select(m => m.Name))}), so it cannot be reached. No host was touched. " +
                    "Copy the file to this machine and pass -Path, or pass the cluster the snapshot was listed from.", snapshot);
            plan.Sha256 = snapshot.Sha256;

            var installs = await _installer.PlanAsync(specs, cancellation).ConfigureAwait(false);
            // A restore writes conf.yml itself (state new with the new token, then existing), and nothing is restarted for a file.
            foreach (var p in installs)
            {
                p.FilesToWrite.RemoveAll(f => f.Path == p.Spec.ConfigPath);
                p._restartReasons.Clear();
            }
            var hosts = installs.Select(p => new RestoreHostPlan(p, _installer.HostOf(p))).ToList();
            await Task.WhenAll(hosts.Select(async h =>
            {
                try
                {
                    Report(h.Spec, "Looking for an unfinished restore", 12);
                    var seen = HostProbe.Parse(await h.Host.RunCheckedAsync(RemoteScript.RestoreSnapshot.Command("inspect", RestoreRules.MarkerPath(h.Spec.Layout), RestoreRules.StagedPath(h.Spec.Layout)),
                        "looking for an unfinished restore", cancellation).ConfigureAwait(false));
                    h.Marker = RestoreMarker.FromProbe(seen);
                    h.StagedSha256 = seen.Get("staged").Split(' ')[0];
                    if (source != null && h.Member.Name == source.Name)
                    {
                        h.HoldsSnapshot = true;
                        Report(h.Spec, "Checking the snapshot on the host", 14);
                        var check = HostProbe.Parse(await h.Host.RunCheckedAsync(RemoteScript.RestoreSnapshot.Command("check", snapshot.Path), "checking the snapshot", cancellation).ConfigureAwait(false));
                        var problem = RestoreRules.CheckOnHost(check, snapshot);
                        if (problem != null)
                            throw new EtcdOpsException(ErrorIds.SnapshotCorrupt, FailureKind.InvalidData,
                                $"The snapshot {snapshot.Path} on {h.Target} is not whole: {problem}. No host was touched. Restore another snapshot.", snapshot);
                        plan.Sha256 = check.Get("sha256");
                        if (snapshot.Size == 0) snapshot.Size = long.Parse(check.Get("size"), CultureInfo.InvariantCulture);
                    }
                }
                catch (OperationCanceledException) { throw; }
                catch (Exception ex) { Failures[h.Member.Name] = ex; }
            })).ConfigureAwait(false);
            var missing = specs.Where(s => hosts.All(h => h.Member.Name != s.Member.Name)).ToList();
            if (!Failures.IsEmpty || missing.Count > 0) return plan;

            plan.Token = RestoreRules.ChooseToken(hosts.Select(h => h.Marker), plan.Sha256, cluster.InitialCluster, () => EtcdCluster.NewToken(cluster.Name), out var continues);
            plan.Continues = continues;
            foreach (var h in hosts)
            {
                h.Continues = h.Marker != null && h.Marker.Matches(plan.Sha256, cluster.InitialCluster, plan.Token);
                h.Description = Describe(plan, h, cluster);
                plan.Hosts.Add(h);
            }
            return plan;
        }

        private static string Describe(RestorePlan plan, RestoreHostPlan h, EtcdCluster cluster)
        {
            var parts = new List<string>();
            var install = h.Install;
            var staged = string.Equals(h.StagedSha256, plan.Sha256, StringComparison.OrdinalIgnoreCase);
            if (staged) parts.Add("the snapshot is staged already (an earlier run)");
            else parts.Add(h.HoldsSnapshot ? $"copy the snapshot {plan.Snapshot.Path} to {RestoreRules.StagedPath(h.Spec.Layout)} and check it"
                : $"upload the snapshot ({plan.Snapshot.Size} bytes, SHA-256 {plan.Sha256}) to {RestoreRules.StagedPath(h.Spec.Layout)} and check it");
            if (h.Stops) parts.Add("stop etcd");
            if (install.InstallsBinaries)
                parts.Add(install.InstalledVersion.Length == 0 ? $"install etcd {h.Spec.ReleaseVersion} (linux-{install.Architecture})" : $"replace etcd {install.InstalledVersion} with {h.Spec.ReleaseVersion}");
            if (install.PreparesAccount) parts.Add($"create user etcd ({h.Spec.EtcdUid}) and its 0700 directories");
            if (install.FilesToWrite.Count > 0) parts.Add("write " + string.Join(", ", install.FilesToWrite.Select(f => f.Path)));
            if (install.EnablesService) parts.Add("enable " + h.Spec.UnitName);
            if (h.AlreadyRestored) parts.Add($"keep {h.Spec.DataDir}: an interrupted run of this restore restored it already");
            else
            {
                if (h.MovesAside) parts.Add($"move {h.Spec.DataDir} aside to {h.Spec.DataDir.TrimEnd('/')}{plan.AsideSuffix} (kept, never deleted)");
                else if (h.Continues) parts.Add($"continue the interrupted restore (its old data is aside already)");
                parts.Add($"{plan.Tool} snapshot restore as member {h.Member.Name} ({cluster.PeerUrl(h.Member)}) into {h.Spec.DataDir}, initial-cluster {cluster.InitialCluster}, " +
                          $"new token {plan.Token}" + (plan.BumpRevision > 0 ? $", --bump-revision {plan.BumpRevision} --mark-compacted" : "") + ", owned etcd:etcd 0700");
            }
            parts.Add("write conf.yml (initial-cluster-state: new, the new token); start all members together; once healthy set initial-cluster-state: existing");
            return string.Join("; ", parts);
        }

        /// <summary>Carries out the plan on every host (a restore is all members or none). Failures throw; what each host did comes back.</summary>
        public async Task<IReadOnlyList<EtcdNodeInstallResult>> ApplyAsync(RestorePlan plan, CancellationToken cancellation)
        {
            var hosts = plan.Hosts;
            var changes = hosts.ToDictionary(h => h.Member.Name, h => new List<string>());
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var restored = plan.Restored;
            var configs = RenderConfigs(restored, hosts);

            // 1. The snapshot onto every host, checked there (before anything is stopped: a full disk stops nothing).
            var toSend = hosts.Where(h => !h.HoldsSnapshot && !string.Equals(h.StagedSha256, plan.Sha256, StringComparison.OrdinalIgnoreCase)).ToList();
            byte[]? bytes = null;
            if (toSend.Count > 0) bytes = await ReadSnapshotAsync(plan, cancellation).ConfigureAwait(false);
            try
            {
                await ForEachAsync(hosts, async h =>
                {
                    var staged = RestoreRules.StagedPath(h.Spec.Layout);
                    var size = plan.Snapshot.Size.ToString(CultureInfo.InvariantCulture);
                    Report(h.Spec, "Staging the snapshot", 20);
                    var output = h.HoldsSnapshot
                        ? await h.Host.RunCheckedAsync(RemoteScript.RestoreSnapshot.Command("stage", staged, size, plan.Sha256, plan.Snapshot.Path), "staging the snapshot", cancellation).ConfigureAwait(false)
                        : toSend.Contains(h)
                            ? await h.Host.RunCheckedAsync(RemoteScript.RestoreSnapshot.Command("stage", staged, size, plan.Sha256), "uploading the snapshot", cancellation, bytes).ConfigureAwait(false)
                            : "staged=kept";
                    if (output.Contains("staged=written")) changes[h.Member.Name].Add("snapshot staged at " + staged);
                }).ConfigureAwait(false);
            }
            finally
            {
                if (bytes != null) Array.Clear(bytes, 0, bytes.Length);
            }

            try
            {
                await RestoreStoppedAsync(plan, changes, configs, cancellation).ConfigureAwait(false);
            }
            catch (EtcdOpsException ex)
            {
                throw new EtcdOpsException(ex.ErrorId, ex.Kind, ex.Message + Environment.NewLine +
                    "Members may be stopped now. Fix the cause and run the same command again: it continues this restore (same token), and no data dir is moved aside or restored twice.", ex.Target, ex);
            }
            return hosts.Select(h => new EtcdNodeInstallResult
            {
                Name = h.Member.Name, Address = h.Member.Address, Version = h.Spec.ReleaseVersion, Changed = true, Started = true,
                Duration = clock.Elapsed, Changes = changes[h.Member.Name],
            }).ToList();
        }

        /// <summary>Steps 2 to 7: from stopping every member to the flip, once the snapshot is staged everywhere.</summary>
        private async Task RestoreStoppedAsync(RestorePlan plan, Dictionary<string, List<string>> changes, Dictionary<string, (byte[] New, byte[] Existing)> configs, CancellationToken cancellation)
        {
            var hosts = plan.Hosts;
            var restored = plan.Restored;
            // 2. Every member stops before any data changes (a member left running would keep the old cluster alive).
            // The leader last: stopped together with its followers it would spend etcd's request timeout (7 s) handing
            // leadership to a member that is going away; alone, it finds no peer to hand it to and stops at once.
            var stopping = hosts.Where(h => h.Stops).ToList();
            var leader = await FindLeaderAsync(plan, stopping, cancellation).ConfigureAwait(false);
            async Task Stop(RestoreHostPlan h)
            {
                Report(h.Spec, "Stopping etcd", 30);
                await NodeService.StopAsync(h.Host, h.Spec.Layout, cancellation).ConfigureAwait(false);
                changes[h.Member.Name].Add("etcd stopped");
            }
            await ForEachAsync(stopping.Where(h => h != leader), Stop).ConfigureAwait(false);
            if (leader != null) await Stop(leader).ConfigureAwait(false);

            // 3. Hosts prepared as Install-EtcdNode prepares them (binaries, account, certificates, unit); nothing started.
            foreach (var h in hosts) Report(h.Spec, "Preparing the host", 40);
            var prepared = await _installer.PrepareAsync(hosts.Select(h => h.Install).ToList(), cancellation).ConfigureAwait(false);
            if (!Failures.IsEmpty)
            {
                var failure = Failures.First();
                throw failure.Value as EtcdOpsException ?? new EtcdOpsException(ErrorIds.HostOperationFailed, FailureKind.InvalidOperation, $"{failure.Key}: {failure.Value.Message}", failure.Key, failure.Value);
            }
            foreach (var r in prepared) changes[r.Name].AddRange(r.Changes);

            // 4. Old data aside, the marker, the restore.
            await ForEachAsync(hosts.Where(h => !h.AlreadyRestored), async h =>
            {
                var mine = changes[h.Member.Name];
                if (!h.Continues)
                {
                    Report(h.Spec, "Moving the data dir aside", 50);
                    var moved = await NodeService.MoveDataAsideAsync(h.Host, h.Spec.Layout, plan.AsideSuffix, cancellation).ConfigureAwait(false);
                    mine.AddRange(moved.Select(m => "old data kept at " + m));
                    var marker = new RestoreMarker
                    {
                        Snapshot = plan.Sha256, Token = plan.Token, InitialCluster = plan.Cluster.InitialCluster,
                        Started = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    };
                    await RemoteFiles.EnsureAsync(h.Host, new[] { new RemoteFile(RestoreRules.MarkerPath(h.Spec.Layout), marker.Render(), "600") }, cancellation).ConfigureAwait(false);
                }
                Report(h.Spec, $"Restoring the snapshot ({plan.Tool})", 60);
                var output = await h.Host.RunCheckedAsync(RestoreCommand(plan, h), "restoring the snapshot", cancellation).ConfigureAwait(false);
                if (output.Contains("restored=yes")) mine.Add($"restored into {h.Spec.DataDir} (token {plan.Token})");
            }).ConfigureAwait(false);

            // 5. conf.yml for the first start of the restored cluster (a running member of an interrupted run keeps its file).
            await ForEachAsync(hosts.Where(h => !(h.AlreadyRestored && h.Install.WasActive)), async h =>
            {
                Report(h.Spec, "Writing conf.yml (initial-cluster-state: new)", 70);
                var conf = new RemoteFile(h.Spec.ConfigPath, configs[h.Member.Name].New, "600", Account, Account);
                var applied = await RemoteFiles.EnsureAsync(h.Host, new[] { conf }, cancellation).ConfigureAwait(false);
                if (applied.Files.Count > 0) changes[h.Member.Name].Add(h.Spec.ConfigPath);
            }).ConfigureAwait(false);

            // 6. All together (Type=notify: a member waits for quorum), then the whole cluster healthy.
            await ForEachAsync(hosts, async h =>
            {
                Report(h.Spec, "Starting etcd", 75);
                await NodeService.StartAsync(h.Host, h.Spec.Layout, cancellation).ConfigureAwait(false);
            }).ConfigureAwait(false);
            foreach (var h in hosts) Report(h.Spec, "Waiting for the cluster", 80);
            try { await _waitHealthy(restored.Members, cancellation).ConfigureAwait(false); }
            catch (EtcdOpsException ex) { throw await ClusterInstaller.ExplainAsync(hosts.Select(h => (h.Host, h.Spec)), ex, cancellation).ConfigureAwait(false); }

            // 7. The cluster exists: no later start may found it again. Then the marker and the staged copy go.
            await ForEachAsync(hosts, async h =>
            {
                Report(h.Spec, "Setting initial-cluster-state: existing", 95);
                await ClusterInstaller.FlipToExistingAsync(h.Host, h.Spec.ConfigPath, configs[h.Member.Name].Existing, cancellation).ConfigureAwait(false);
                await h.Host.RunCheckedAsync(RemoteScript.RestoreSnapshot.Command("finish", RestoreRules.MarkerPath(h.Spec.Layout), RestoreRules.StagedPath(h.Spec.Layout)),
                    "removing the staged snapshot", cancellation).ConfigureAwait(false);
            }).ConfigureAwait(false);
        }

        /// <summary>The member among <paramref name="stopping"/> that leads what runs now; null when none answers or leads.</summary>
        private async Task<RestoreHostPlan?> FindLeaderAsync(RestorePlan plan, IReadOnlyList<RestoreHostPlan> stopping, CancellationToken cancellation)
        {
            if (_running == null || stopping.Count < 2) return null;
            LiveCluster? live;
            try { live = await _running.ReadAsync(cancellation).ConfigureAwait(false); }
            catch (EtcdOpsException) { return null; }
            var leader = live?.Map.Leader;
            if (leader == null) return null;
            return stopping.FirstOrDefault(h => leader.HasPeerUrl(plan.Cluster.PeerUrl(h.Member)));
        }

        /// <summary>The restore step's command line for one host.</summary>
        internal static string RestoreCommand(RestorePlan plan, RestoreHostPlan h)
        {
            var layout = h.Spec.Layout;
            return RemoteScript.RestoreSnapshot.Command("restore", plan.Tool, layout.BinaryDirectory.TrimEnd('/'), h.Member.Name, plan.Cluster.InitialCluster, plan.Token,
                plan.Cluster.PeerUrl(h.Member), layout.DataDir.TrimEnd('/'), layout.WalDir?.TrimEnd('/') ?? "", RestoreRules.StagedPath(layout),
                plan.BumpRevision.ToString(CultureInfo.InvariantCulture), Account, Account);
        }

        /// <summary>conf.yml of each member with the restore's token, for the first start (new) and after it (existing).</summary>
        private static Dictionary<string, (byte[] New, byte[] Existing)> RenderConfigs(EtcdCluster restored, IReadOnlyList<RestoreHostPlan> hosts)
        {
            var result = new Dictionary<string, (byte[] New, byte[] Existing)>();
            foreach (var h in hosts)
            {
                result[h.Member.Name] = (WithToken(h.Spec.ConfigNew, restored.Token), WithToken(h.Spec.ConfigExisting, restored.Token));
            }
            return result;
        }

        private static readonly System.Text.RegularExpressions.Regex TokenLine =
            new System.Text.RegularExpressions.Regex(@"^initial-cluster-token:[^\n]*$", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>The rendered conf.yml with the restore's token (the one an interrupted run chose may differ from the spec's).</summary>
        internal static byte[] WithToken(byte[] config, string token)
        {
            var text = Encoding.UTF8.GetString(config);
            var line = "initial-cluster-token: " + token;
            text = TokenLine.IsMatch(text) ? TokenLine.Replace(text, line, 1) : text.TrimEnd('\n') + "\n" + line + "\n";
            return Encoding.UTF8.GetBytes(text);
        }

        /// <summary>The snapshot's bytes, from this machine or from the host that holds it, checked against its SHA-256.</summary>
        private async Task<byte[]> ReadSnapshotAsync(RestorePlan plan, CancellationToken cancellation)
        {
            byte[] bytes;
            var holder = plan.Hosts.FirstOrDefault(h => h.HoldsSnapshot);
            if (holder == null) bytes = File.ReadAllBytes(plan.Snapshot.Path);
            else
            {
                Report(holder.Spec, "Copying the snapshot from the host", 16);
                var text = await holder.Host.RunCheckedAsync(RemoteScript.RestoreSnapshot.Command("export", plan.Snapshot.Path), "reading the snapshot", cancellation).ConfigureAwait(false);
                bytes = Convert.FromBase64String(text.Trim());
            }
            using var sha = SHA256.Create();
            var hex = string.Concat(sha.ComputeHash(bytes).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
            if (!string.Equals(hex, plan.Sha256, StringComparison.OrdinalIgnoreCase))
                throw new EtcdOpsException(ErrorIds.SnapshotCorrupt, FailureKind.InvalidData,
                    $"The snapshot {plan.Snapshot.Path} changed since it was checked (SHA-256 {hex}, checked {plan.Sha256}). No member was stopped. Check the file and run again.", plan.Snapshot);
            return bytes;
        }

        private static Task ForEachAsync(IEnumerable<RestoreHostPlan> hosts, Func<RestoreHostPlan, Task> step) => Task.WhenAll(hosts.Select(step));

        private void Report(NodeInstallSpec spec, string phase, int percent) => _progress(new DeployProgress(spec.Member.Name, phase, percent));
    }
}
