using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>The version rules of a rolling upgrade: pure, so every case is unit-tested.</summary>
    internal static class UpgradeRules
    {
        /// <summary>
        /// The lowest 3.5 patch every member must run before any moves to 3.6. etcd's upgrade guide
        /// (https://etcd.io/docs/latest/upgrades/upgrade_3_6/, "Update 3.5"): "Before upgrading to 3.6, make sure that all
        /// of your 3.5 members are updated to 3.5.26 or later. Patch releases 3.5.24 through 3.5.26 fix several potential
        /// upgrade blockers." (Earlier revisions of the guide named 3.5.20, for the "too many learner member" failure.)
        /// </summary>
        public const int Minimum35PatchFor36 = 26;

        /// <summary>
        /// Why <paramref name="running"/> cannot go to <paramref name="target"/> in one rolling step; null when it can.
        /// etcd supports patch upgrades within a minor and one minor at a time (its "Upgrade policy"), never a downgrade
        /// by binary swap (3.6's downgrade procedure is a separate feature).
        /// </summary>
        public static string? PathProblem(string member, EtcdVersion running, EtcdVersion target)
        {
            if (running.CompareTo(target) == 0) return null;
            if (running.Major != target.Major)
                return $"{member} runs etcd {running}; etcd {target} is another major version, which etcd does not upgrade to in place.";
            if (target.CompareTo(running) < 0)
                return $"{member} runs etcd {running}; {target} would be a downgrade. etcd's data of a newer release is not for an older binary " +
                       "(once the cluster version has risen, a plain binary swap back is refused by etcd). Give a version at or above " + running +
                       "; to go back, restore the snapshot taken before the upgrade (etcd 3.6's own downgrade procedure is not done by EtcdOps).";
            if (target.Minor > running.Minor + 1)
                return $"{member} runs etcd {running}; {target} skips {running.Major}.{running.Minor + 1}. etcd upgrades one minor version at a time: " +
                       $"upgrade to the latest {running.Major}.{running.Minor + 1} patch first, then to {target}.";
            if (target.Minor == running.Minor + 1 && target.Major == 3 && target.Minor == 6 && running.Patch < Minimum35PatchFor36)
                return $"{member} runs etcd {running}; etcd's 3.6 upgrade guide requires every member on 3.5.{Minimum35PatchFor36} or later first. " +
                       $"Upgrade the cluster to 3.5.{Minimum35PatchFor36} or a later 3.5 patch, then to {target}.";
            return null;
        }

        /// <summary>
        /// What keeps the cluster from a rolling upgrade to <paramref name="target"/>, before any host is touched: a member
        /// that is stopped, unhealthy or a learner; a member the inventory does not name (the cluster version would never
        /// rise); an inventory member that is not in the cluster (unless <paramref name="joinersAllowed"/>: Install-EtcdNode
        /// joins it afterwards at the new version). Health problems come from <see cref="Maintenance.ClusterHealth"/>.
        /// </summary>
        public static List<string> StateProblems(EtcdCluster cluster, EtcdMemberMap map, IReadOnlyList<string> healthProblems, bool joinersAllowed)
        {
            var problems = new List<string>(healthProblems);
            foreach (var learner in map.Members.Where(m => m.IsLearner))
                problems.Add($"{learner.Label} is a learner: promote it first (Install-EtcdNode with the inventory that names it) or remove it (Remove-EtcdMember)");
            foreach (var m in map.Members.Where(m => m.IsStarted && FindInventory(cluster, m) == null))
                problems.Add($"the cluster has a member the inventory does not name: {m}; add it to the inventory (it must be upgraded too) or remove it with Remove-EtcdMember");
            if (!joinersAllowed)
                foreach (var m in cluster.Members.Where(m => map.Members.All(l => FindInventory(cluster, l) != m)))
                    problems.Add($"{m.Name} ({m.Address}) is in the inventory but not a member of the running cluster; add it (Add-EtcdMember) or take it out of the inventory");
            return problems;
        }

        /// <summary>
        /// Install-EtcdNode's check on what the hosts hold, before any is touched: a member with data whose installed etcd
        /// cannot go to <paramref name="target"/> (a downgrade, a skipped minor) is refused even when the cluster is down,
        /// where no rolling upgrade would run.
        /// </summary>
        public static EtcdOpsException? CheckInstalled(IReadOnlyList<NodePlan> plans, EtcdVersion target)
        {
            var problems = plans.Where(p => p.Bootstrapped && EtcdVersion.TryParse(p.InstalledVersion, out _))
                .Select(p => PathProblem(p.Target, EtcdVersion.Parse(p.InstalledVersion), target)).Where(p => p != null).ToList();
            return problems.Count == 0 ? null : new EtcdOpsException(ErrorIds.UpgradePathRefused, FailureKind.InvalidArgument,
                $"The cluster cannot go to etcd {target}; no host was touched:" + string.Concat(problems.Select(p => Environment.NewLine + "  " + p)), target.ToString());
        }

        /// <summary>True when a member that answered runs another version than <paramref name="target"/>: Install-EtcdNode then upgrades, rolling.</summary>
        public static bool RunsOtherVersion(IEnumerable<EtcdEndpointStatus> statuses, EtcdVersion target) =>
            statuses.Any(s => s.Error == null && s.Version.Length > 0 && s.Version != target.ToString());

        /// <summary>The inventory member a live member is: by name, else by its client URL.</summary>
        public static EtcdMember? FindInventory(EtcdCluster cluster, LiveMember live) =>
            cluster.Members.FirstOrDefault(m => string.Equals(m.Name, live.Name, StringComparison.Ordinal))
            ?? cluster.Members.FirstOrDefault(m => live.Endpoint != null && string.Equals(cluster.ClientUrl(m), live.Endpoint.TrimEnd('/'), StringComparison.OrdinalIgnoreCase));

        /// <summary>
        /// The members still to upgrade, in the order they go: followers in inventory order, the leader last (it hands
        /// leadership over first, so the cluster elects once, not at every step). Members already on the target are skipped:
        /// a re-run after a failure or an interruption continues where it stopped.
        /// </summary>
        public static IReadOnlyList<EtcdMember> Order(EtcdCluster cluster, EtcdMemberMap map, EtcdVersion target, IReadOnlyCollection<string>? selected)
        {
            var pending = new List<EtcdMember>();
            foreach (var member in cluster.Members)
            {
                if (selected != null && !selected.Contains(member.Name, StringComparer.OrdinalIgnoreCase)) continue;
                var live = map.Members.FirstOrDefault(l => FindInventory(cluster, l) == member);
                if (live?.Status == null) continue;
                if (EtcdVersion.TryParse(live.Status.Version, out var running) && running!.CompareTo(target) == 0) continue;
                pending.Add(member);
            }
            return RollingOrder.LeaderLast(cluster, map, pending);
        }
    }

    /// <summary>One member's place in a rolling upgrade, as -WhatIf and the error messages show it.</summary>
    internal sealed class UpgradeStep
    {
        public UpgradeStep(NodeInstallSpec spec, string from, bool leader, int position)
        {
            Spec = spec; From = from; IsLeader = leader; Position = position;
        }

        public NodeInstallSpec Spec { get; }
        public EtcdMember Member => Spec.Member;
        public string From { get; }
        public bool IsLeader { get; }
        public int Position { get; }

        /// <summary>The host's release architecture, from its probe.</summary>
        public string Architecture { get; internal set; } = "";

        /// <summary>Set once the step began changing the host (its binaries); a step that failed before that changed nothing there.</summary>
        public bool Touched { get; internal set; }

        /// <summary>conf.yml on the host differs from the one rendered for the target version.</summary>
        public bool RewritesConfig { get; internal set; }

        public string Description =>
            $"step {Position}: " + (IsLeader ? "(the leader, last: leadership moved to an upgraded member first) " : "") +
            $"replace etcd {From} with {Spec.ReleaseVersion} in {Spec.BinDir}" +
            (RewritesConfig ? $", write {Spec.ConfigPath} as rendered for {EtcdVersion.Parse(Spec.ReleaseVersion).Series}" : "") +
            $", restart {Spec.UnitName}, wait until healthy and caught up with the leader";
    }

    /// <summary>What the pre-flight decided: the steps, in order, and the members already on the target version.</summary>
    internal sealed class UpgradePlan
    {
        public UpgradePlan(EtcdVersion target, IReadOnlyList<UpgradeStep> steps, IReadOnlyList<string> current)
        {
            Target = target; Steps = steps; AlreadyCurrent = current;
        }

        public EtcdVersion Target { get; }
        public IReadOnlyList<UpgradeStep> Steps { get; }

        /// <summary>Members that run the target already (skipped).</summary>
        public IReadOnlyList<string> AlreadyCurrent { get; }

        public bool NothingToDo => Steps.Count == 0;
    }

    /// <summary>
    /// A rolling upgrade of a running cluster, one member at a time: the pre-flight (every member started, healthy, no
    /// learner, a version path etcd supports, the hosts probed) before any host is touched; a snapshot; then per member,
    /// followers first and the leader last (leadership moved away first): the binaries swapped as Install-EtcdNode
    /// installs them, conf.yml written when the target version's differs, a restart, and a wait until the member is
    /// healthy, runs the target version and has caught up with the leader's raft index. A failure stops it there; the
    /// message says each member's state. Members on the target are skipped, so running it again continues.
    /// Install-EtcdNode takes this same path when the inventory's Version differs from what the cluster runs.
    /// </summary>
    internal sealed class RollingUpgrade : IDisposable
    {
        private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

        private readonly EtcdCluster _cluster;
        private readonly EtcdClient _client;
        private readonly Func<EtcdMember, CancellationToken, Task<IRemoteHost>> _connect;
        private readonly Action<DeployProgress> _progress;
        private readonly CancellationToken _cancellation;
        private readonly ConcurrentDictionary<string, IRemoteHost> _hosts = new ConcurrentDictionary<string, IRemoteHost>(StringComparer.Ordinal);
        private readonly ReleasePayloads _payloads = new ReleasePayloads();
        private readonly EtcdMaintenance _maintenance;

        /// <param name="cluster">The inventory (any Version: the target comes with the specs).</param>
        /// <param name="client">The cluster's API over its client URLs, with the set's client certificate.</param>
        /// <param name="connect">Opens the connection to a member's host (SSH in real use).</param>
        /// <param name="progress">Called from worker threads; must only enqueue.</param>
        public RollingUpgrade(EtcdCluster cluster, EtcdClient client, Func<EtcdMember, CancellationToken, Task<IRemoteHost>> connect,
            Action<DeployProgress> progress, CancellationToken cancellation)
        {
            _cluster = cluster; _client = client; _connect = connect; _progress = progress; _cancellation = cancellation;
            _maintenance = new EtcdMaintenance(client, cancellation);
        }

        /// <summary>How long a member may take to be healthy and caught up after its restart (and the cluster before each step).</summary>
        public TimeSpan StepTimeout { get; set; } = TimeSpan.FromSeconds(120);

        /// <summary>
        /// The pre-flight, read-only: the live members, their health and versions, the version path, the hosts probed
        /// (architecture, conf.yml). Throws UpgradeRefused naming every problem; no host is changed.
        /// </summary>
        /// <param name="specs">One per inventory member to upgrade, rendered for the target version (the same specs Install-EtcdNode deploys).</param>
        public async Task<UpgradePlan> PlanAsync(IReadOnlyList<NodeInstallSpec> specs, bool joinersAllowed)
        {
            if (specs.Count == 0) throw new ArgumentException("No member to upgrade.", nameof(specs));
            var target = EtcdVersion.Parse(specs[0].ReleaseVersion);
            var health = await Task.Run(() => Problems(), _cancellation).ConfigureAwait(false);
            var map = _maintenance.Members(everyMember: true);
            var problems = UpgradeRules.StateProblems(_cluster, map, health, joinersAllowed);
            if (problems.Count > 0)
                throw new EtcdOpsException(ErrorIds.UpgradePreflightFailed, FailureKind.InvalidOperation,
                    $"Cluster '{_cluster.Name}' cannot be upgraded to etcd {target} now; no host was touched:" +
                    string.Concat(problems.Select(p => Environment.NewLine + "  " + p)) + Environment.NewLine +
                    "A rolling upgrade needs every member started, healthy and voting. Fix those members (Start-EtcdNode, Test-EtcdEndpointHealth), then run it again.",
                    _cluster);

            var paths = new List<string>();
            var current = new List<string>();
            foreach (var live in map.Members)
            {
                var member = UpgradeRules.FindInventory(_cluster, live);
                if (member == null || live.Status == null) continue;
                if (!EtcdVersion.TryParse(live.Status.Version, out var running))
                {
                    paths.Add($"{live.Name} reports etcd version '{live.Status.Version}', which is not major.minor.patch");
                    continue;
                }
                if (running!.CompareTo(target) == 0) current.Add(member.Name);
                if (UpgradeRules.PathProblem($"{member.Name} ({member.Address})", running, target) is string p) paths.Add(p);
            }
            if (paths.Count > 0)
                throw new EtcdOpsException(ErrorIds.UpgradePathRefused, FailureKind.InvalidArgument,
                    $"Cluster '{_cluster.Name}' cannot go to etcd {target}; no host was touched:" + string.Concat(paths.Select(p => Environment.NewLine + "  " + p)),
                    target.ToString());

            var selected = specs.Select(s => s.Member.Name).ToList();
            var order = UpgradeRules.Order(_cluster, map, target, selected);
            var steps = new List<UpgradeStep>();
            foreach (var member in order)
            {
                var live = Live(map, member)!;
                steps.Add(new UpgradeStep(specs.First(s => s.Member.Name == member.Name), live.Status!.Version, live == map.Leader, steps.Count + 1));
            }
            await Task.WhenAll(steps.Select(ProbeAsync)).ConfigureAwait(false);
            return new UpgradePlan(target, steps, current);
        }

        private IReadOnlyList<string> Problems()
        {
            try { return _maintenance.HealthProblems(); }
            catch (EtcdOpsException ex) when (ex.Kind != FailureKind.InvalidArgument) { return new[] { ex.Message }; }
        }

        /// <summary>One read-only round trip per host: its architecture (the archive it needs) and whether conf.yml changes.</summary>
        private async Task ProbeAsync(UpgradeStep step)
        {
            var spec = step.Spec;
            Report(spec, "Inspecting host", 5);
            var host = await HostAsync(spec.Member).ConfigureAwait(false);
            // The specs say where etcd lives; a host laid out otherwise (New-EtcdConfig options) must get its own configs.
            var layout = await EtcdHostLayout.ReadAsync(host, spec.DataDir, _cancellation).ConfigureAwait(false);
            if (layout.EtcdBinary != spec.Layout.EtcdBinary || layout.ConfigPath != spec.ConfigPath || layout.UnitPath != spec.UnitPath || layout.DataDir != spec.DataDir)
                throw new EtcdOpsException(ErrorIds.UpgradePreflightFailed, FailureKind.InvalidOperation,
                    $"{spec.DisplayName}: etcd there is laid out as {layout} (data in {layout.DataDir}), not as the configs for the upgrade say ({spec.Layout}, data in {spec.DataDir}). " +
                    "No host was touched. Render the configs with the options the cluster was deployed with and pipe them to Install-EtcdNode with the new Version " +
                    "(New-EtcdConfig ... | Install-EtcdNode): it upgrades the same way.", spec.Member);
            var probe = HostProbe.Parse(await host.RunCheckedAsync(ClusterInstaller.ProbeCommand(spec), "inspecting the host", _cancellation).ConfigureAwait(false));
            step.Architecture = NodePlanner.Decide(spec, probe).Architecture;
            step.RewritesConfig = probe.Fingerprint(spec.Files.Count) != ConfigFile(spec).Fingerprint;
        }

        private async Task<IRemoteHost> HostAsync(EtcdMember member)
        {
            if (_hosts.TryGetValue(member.Name, out var open)) return open;
            var host = await _connect(member, _cancellation).ConfigureAwait(false);
            if (_hosts.TryAdd(member.Name, host)) return host;
            host.Dispose();
            return _hosts[member.Name];
        }

        /// <summary>
        /// The snapshot before anything changes, through the existing Save-EtcdSnapshot code: from a healthy follower,
        /// into <paramref name="folder"/> as &lt;cluster&gt;-&lt;time&gt;-r&lt;revision&gt;.db.
        /// </summary>
        public async Task<EtcdSnapshot> SnapshotAsync(string folder, Action<long, long>? progress)
        {
            Directory.CreateDirectory(folder);
            var readiness = await Task.Run(() => _client.CheckReadiness(_client.Connection.Endpoints, _client.Connection.Timeout, _cancellation), _cancellation).ConfigureAwait(false);
            var source = SnapshotSaver.ChooseSource(readiness.Status, readiness.Health);
            return await SnapshotSaver.SaveAsync(_client.Api, source, null, folder, _cluster.Name, progress, TimeSpan.FromSeconds(60), _cancellation).ConfigureAwait(false);
        }

        /// <summary>Carries out the plan's steps, one member at a time; on a failure throws UpgradeStopped saying each member's state.</summary>
        public async Task<IReadOnlyList<EtcdMemberUpgrade>> RunAsync(UpgradePlan plan, string? snapshotPath)
        {
            var done = new List<EtcdMemberUpgrade>();
            foreach (var step in plan.Steps) _payloads.Prepare(step.Spec.ReleaseArchivePath);
            foreach (var step in plan.Steps)
            {
                var clock = Stopwatch.StartNew();
                try
                {
                    await UpgradeMemberAsync(step, plan.Target).ConfigureAwait(false);
                }
                catch (OperationCanceledException) { throw; }
                catch (Exception ex)
                {
                    throw await StoppedAsync(plan, step, ex, snapshotPath).ConfigureAwait(false);
                }
                done.Add(new EtcdMemberUpgrade { Name = step.Member.Name, From = step.From, To = plan.Target.ToString(), WasLeader = step.IsLeader, Duration = clock.Elapsed });
                Report(step.Spec, $"Done: etcd {plan.Target}", 100);
            }
            return done;
        }

        private async Task UpgradeMemberAsync(UpgradeStep step, EtcdVersion target)
        {
            var spec = step.Spec;
            Report(spec, "Waiting for a healthy cluster", 10);
            await WaitAsync($"before upgrading {spec.Member.Name}", null).ConfigureAwait(false);
            var map = _maintenance.Members(everyMember: true);
            var self = Live(map, spec.Member);
            if (self != null && self == map.Leader)
            {
                // The leader goes last, and hands over first: to a member on the target version when there is one.
                var heir = RollingOrder.Heir(map, self, v => v.Status!.Version == target.ToString())
                    ?? throw new EtcdOpsException(ErrorIds.EtcdNoLeader, FailureKind.InvalidOperation, $"{self.Name} leads and no other voting member answers to take over.", self.Name);
                Report(spec, $"Moving leadership to {heir.Name}", 20);
                await RollingOrder.HandOverAsync(_maintenance, heir, _cancellation).ConfigureAwait(false);
                await WaitAsync($"after moving leadership away from {spec.Member.Name}", m => m.Leader != null && m.Leader.Name != spec.Member.Name).ConfigureAwait(false);
            }

            var host = await HostAsync(spec.Member).ConfigureAwait(false);
            Report(spec, $"Installing etcd {target}", 40);
            step.Touched = true;
            var tar = await _payloads.GetAsync(spec.ReleaseArchivePath).ConfigureAwait(false);
            await host.RunCheckedAsync(ClusterInstaller.InstallBinariesCommand(spec), $"installing etcd {target}", _cancellation, tar).ConfigureAwait(false);
            Report(spec, $"Writing {spec.ConfigPath}", 50);
            await RemoteFiles.EnsureAsync(host, new[] { ConfigFile(spec) }, _cancellation).ConfigureAwait(false);
            Report(spec, "Restarting etcd", 60);
            await NodeService.RestartAsync(host, spec.Layout, _cancellation).ConfigureAwait(false);

            // Healthy, on the target version, and its applied index at the leader's index as it was once the member answered.
            Report(spec, "Waiting until it is healthy and caught up with the leader", 80);
            ulong? mark = null;
            await WaitAsync($"after restarting {spec.Member.Name} on etcd {target}", m =>
            {
                var me = Live(m, spec.Member);
                if (me?.Status == null || m.Leader?.Status == null || me.Status.Version != target.ToString()) return false;
                mark ??= m.Leader.Status.RaftIndex;
                var applied = me.Status.RaftAppliedIndex > 0 ? me.Status.RaftAppliedIndex : me.Status.RaftIndex;
                return applied >= mark.Value;
            }).ConfigureAwait(false);
        }

        /// <summary>The live member for an inventory member (specs carry copies of the inventory's members: matched by name).</summary>
        private LiveMember? Live(EtcdMemberMap map, EtcdMember member) =>
            map.Members.FirstOrDefault(l => UpgradeRules.FindInventory(_cluster, l)?.Name == member.Name);

        /// <summary>Polls until the cluster is healthy and <paramref name="also"/> holds; ClusterUnhealthy after <see cref="StepTimeout"/>.</summary>
        private Task WaitAsync(string when, Func<EtcdMemberMap, bool>? also) => Task.Run(() =>
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                var problems = Problems();
                if (problems.Count == 0 && (also == null || also(_maintenance.Members(everyMember: true)))) return;
                if (clock.Elapsed >= StepTimeout)
                    throw ClusterHealth.Unhealthy(problems.Count > 0 ? problems : new[] { "the member did not catch up with the leader (or does not report the target version)" }, when, StepTimeout);
                _cancellation.WaitHandle.WaitOne(PollInterval);
                _cancellation.ThrowIfCancellationRequested();
            }
        }, _cancellation);

        /// <summary>conf.yml as Install-EtcdNode writes it for a bootstrapped member (initial-cluster-state: existing).</summary>
        private static RemoteFile ConfigFile(NodeInstallSpec spec) => new RemoteFile(spec.ConfigPath, spec.ConfigExisting, "600", "etcd", "etcd");

        /// <summary>UpgradeStopped: where it stopped and why, every member's version now, and how to go on.</summary>
        private async Task<EtcdOpsException> StoppedAsync(UpgradePlan plan, UpgradeStep failed, Exception cause, string? snapshotPath)
        {
            var text = new StringBuilder($"The rolling upgrade of cluster '{_cluster.Name}' to etcd {plan.Target} stopped at {failed.Spec.DisplayName}: ");
            text.Append(cause is AggregateException a && a.InnerExceptions.Count == 1 ? a.InnerExceptions[0].Message : cause.Message);
            text.Append(Environment.NewLine + "No further member was touched. The members now:");
            EtcdMemberMap? map = null;
            try { map = await Task.Run(() => _maintenance.Refresh(everyMember: true), _cancellation).ConfigureAwait(false); }
            catch (EtcdOpsException) { }
            foreach (var member in _cluster.Members)
            {
                var live = map == null ? null : Live(map, member);
                var step = plan.Steps.FirstOrDefault(s => s.Member.Name == member.Name);
                var state = live?.Status != null ? $"runs etcd {live.Status.Version}" : "does not answer" + (live?.Failure != null ? $" ({live.Failure.Message})" : "");
                var where = step == null ? "was on the target already"
                    : step.Position == failed.Position
                        ? (step.Touched ? "failed in its step (binaries and conf.yml may be the new ones; see Get-EtcdNodeLog)" : "stopped before its step; nothing was changed on it")
                    : step.Position < failed.Position ? "upgraded" : "not touched";
                text.Append($"{Environment.NewLine}  {member.Name} ({member.Address}): {state}; {where}");
            }
            if (snapshotPath != null) text.Append($"{Environment.NewLine}The snapshot taken before the upgrade: {snapshotPath}");
            text.Append($"{Environment.NewLine}Fix the cause, then run the same command again: members on etcd {plan.Target} are skipped and the upgrade goes on from {failed.Member.Name}.");
            return new EtcdOpsException(ErrorIds.UpgradeStopped, FailureKind.InvalidOperation, text.ToString(), failed.Member, cause);
        }

        private void Report(NodeInstallSpec spec, string phase, int percent) => _progress(new DeployProgress(spec.Member.Name, phase, percent));

        public void Dispose()
        {
            foreach (var host in _hosts.Values) host.Dispose();
            _hosts.Clear();
        }
    }

    /// <summary>One member's step of a rolling upgrade.</summary>
    internal sealed class EtcdMemberUpgrade
    {
        public string Name { get; set; } = "";
        public string From { get; set; } = "";
        public string To { get; set; } = "";
        public bool WasLeader { get; set; }
        public TimeSpan Duration { get; set; }
    }
}
