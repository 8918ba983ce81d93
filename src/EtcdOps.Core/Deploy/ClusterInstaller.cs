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
    /// <summary>
    /// Installs and starts etcd on every member's host, in two steps. <see cref="PlanAsync"/> connects to every host
    /// in parallel (one connection each, kept for the second step), looks without changing anything, and decides per
    /// host what to do; a CA change on a running cluster is refused there. <see cref="ApplyAsync"/> then prepares the
    /// approved hosts in parallel, starts every stopped member together (Type=notify blocks a lone first member until
    /// quorum), waits for the cluster, restarts running members that need it one at a time, and flips
    /// initial-cluster-state to existing. Re-running with unchanged inputs changes nothing and restarts nothing.
    /// </summary>
    internal sealed class ClusterInstaller : IDisposable
    {
        /// <summary>The user and the group etcd runs as.</summary>
        private const string Account = "etcd";

        private readonly Func<NodeInstallSpec, CancellationToken, Task<IRemoteHost>> _connect;
        private readonly Func<IReadOnlyList<EtcdMember>, CancellationToken, Task> _waitHealthy;
        private readonly IClusterMembership? _membership;
        private readonly Action<DeployProgress> _progress;
        private readonly ConcurrentDictionary<NodePlan, IRemoteHost> _hosts = new ConcurrentDictionary<NodePlan, IRemoteHost>();
        // Hosts of one architecture get the same tar: unpacked once, not once per host.
        private readonly ReleasePayloads _payloads = new ReleasePayloads();
        private LiveCluster? _live;

        /// <param name="connect">Opens the connection to a member's host (SSH in real use).</param>
        /// <param name="waitHealthy">Returns when the given members are healthy with one leader; throws on timeout.</param>
        /// <param name="membership">The running cluster's member list and membership changes; null: treat every cluster as new.</param>
        /// <param name="progress">Called from worker threads; must only enqueue.</param>
        public ClusterInstaller(Func<NodeInstallSpec, CancellationToken, Task<IRemoteHost>> connect, Func<IReadOnlyList<EtcdMember>, CancellationToken, Task> waitHealthy,
            IClusterMembership? membership, Action<DeployProgress> progress)
        {
            _connect = connect; _waitHealthy = waitHealthy; _membership = membership; _progress = progress;
        }

        /// <summary>What the operator should know that stops nothing (members the inventory does not name, a token that differs).</summary>
        public List<string> Warnings { get; } = new List<string>();

        /// <summary>
        /// True when the caller stops every member before anything changes and starts them all together (a restore):
        /// a new CA then breaks no running peer, so it is not refused.
        /// </summary>
        public bool RestartsEveryMember { get; set; }

        /// <summary>The connection <see cref="PlanAsync"/> opened for a plan's host (kept until this installer is disposed).</summary>
        public IRemoteHost HostOf(NodePlan plan) => _hosts[plan];

        /// <summary>
        /// Phase 1 of <see cref="ApplyAsync"/> alone: binaries, the etcd account and directories, the files and the unit on
        /// every approved host, in parallel; nothing is started. Failures land in <see cref="Failures"/>.
        /// </summary>
        public async Task<IReadOnlyList<EtcdNodeInstallResult>> PrepareAsync(IReadOnlyList<NodePlan> approved, CancellationToken cancellation)
        {
            var nodes = approved.Select(p => new Node(p, _hosts[p])).ToList();
            PrepareReleases(approved);
            await Task.WhenAll(nodes.Select(n => PrepareAsync(n, cancellation))).ConfigureAwait(false);
            return nodes.Select(n => n.Finish()).ToList();
        }

        /// <summary>When data dirs are moved aside (tests fix it).</summary>
        internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

        /// <summary>Per-member failures; when planning fails anywhere, nothing is applied.</summary>
        public ConcurrentDictionary<string, Exception> Failures { get; } = new ConcurrentDictionary<string, Exception>();

        /// <summary>Connects to every host and decides what to do there, changing nothing. Failures land in <see cref="Failures"/>.</summary>
        public async Task<IReadOnlyList<NodePlan>> PlanAsync(IReadOnlyList<NodeInstallSpec> specs, CancellationToken cancellation)
        {
            var plans = new NodePlan?[specs.Count];
            // The live member list is read while the hosts are probed: it decides join, replace and never-bootstrap-again.
            var reading = _membership == null || specs.Count == 0 ? Task.FromResult<LiveCluster?>(null) : _membership.ReadAsync(cancellation);
            await Task.WhenAll(specs.Select(async (spec, i) =>
            {
                try
                {
                    Report(spec, "Connecting", 5);
                    var host = await _connect(spec, cancellation).ConfigureAwait(false);
                    try
                    {
                        Report(spec, "Inspecting host", 10);
                        var probe = HostProbe.Parse(await host.RunCheckedAsync(ProbeCommand(spec), "inspecting the host", cancellation).ConfigureAwait(false));
                        var plan = NodePlanner.Decide(spec, probe);
                        _hosts[plan] = host;
                        plans[i] = plan;
                    }
                    catch { host.Dispose(); throw; }
                }
                catch (OperationCanceledException) { throw; }
                catch (Exception ex) { Failures[spec.Member.Name] = ex; }
            })).ConfigureAwait(false);
            var result = plans.Where(p => p != null).Select(p => p!).ToList();
            _live = await reading.ConfigureAwait(false);
            var refusal = RestartsEveryMember ? null : NodePlanner.CheckAuthorityChange(result);
            if (refusal != null) throw refusal;
            if (specs.Count > 0) Warnings.AddRange(NodePlanner.AssignRoles(result, specs[0].Cluster, _live));
            return result;
        }

        /// <summary>
        /// Carries out the approved plans. A plan that installs binaries needs <see cref="NodeInstallSpec.ReleaseArchivePath"/>
        /// set for its host's architecture. Per-host failures in preparing land in <see cref="Failures"/> and stop the run
        /// before anything is started.
        /// </summary>
        public async Task<IReadOnlyList<EtcdNodeInstallResult>> ApplyAsync(IReadOnlyList<NodePlan> approved, CancellationToken cancellation)
        {
            var nodes = approved.Select(p => new Node(p, _hosts[p])).ToList();
            PrepareReleases(approved);
            // Phase 1: prepare every host in parallel.
            await Task.WhenAll(nodes.Select(n => PrepareAsync(n, cancellation))).ConfigureAwait(false);
            if (!Failures.IsEmpty) return nodes.Where(n => !Failures.ContainsKey(n.Spec.Member.Name)).Select(n => n.Finish()).ToList();

            // Phase 2: start every stopped member at once (joiners come later, one at a time), then wait for the cluster.
            var joiners = nodes.Where(n => n.Plan.Joins).ToList();
            var staying = nodes.Where(n => !n.Plan.Joins).ToList();
            await StartAsync(staying.Where(n => !n.Plan.WasActive).ToList(), nodes.All(n => n.Plan.Role == MemberRole.Bootstrap), cancellation).ConfigureAwait(false);
            var healthy = ExpectedHealthy(nodes);
            foreach (var n in staying) Report(n.Spec, "Waiting for the cluster", 80);
            await WaitHealthyAsync(healthy, staying, cancellation).ConfigureAwait(false);

            // Phase 3: running members that need it restart one at a time, health-gated.
            foreach (var n in staying.Where(n => n.Plan.NeedsRestart))
            {
                Report(n.Spec, "Restarting etcd (rolling): " + string.Join("; ", n.Plan.RestartReasons), 85);
                await NodeService.RestartAsync(n.Host, n.Spec.Layout, cancellation).ConfigureAwait(false);
                n.Result.Restarted = true;
                await WaitHealthyAsync(healthy, new[] { n }, cancellation).ConfigureAwait(false);
            }

            // Phase 4: the cluster exists now; a later restart must never try to bootstrap again.
            await Task.WhenAll(staying.Where(n => n.Plan.FlipsState).Select(n => FlipToExistingAsync(n, cancellation))).ConfigureAwait(false);

            // Phase 5: a learner an earlier run left is promoted; missing members join, one at a time (etcd allows one learner).
            foreach (var n in staying.Where(n => n.Plan.Promotes))
            {
                Report(n.Spec, "Promoting the learner", 90);
                await RequireMembership().PromoteAsync(n.Plan.Entry!.Id, cancellation).ConfigureAwait(false);
                n.Result.Changes.Add("promoted to voting member");
                healthy.Add(n.Spec.Member);
                await WaitHealthyAsync(healthy, new[] { n }, cancellation).ConfigureAwait(false);
            }
            foreach (var n in joiners.OrderBy(n => n.Plan.Entry == null ? 1 : 0))
            {
                await JoinAsync(n, healthy, cancellation).ConfigureAwait(false);
                healthy.Add(n.Spec.Member);
            }
            return nodes.Select(n => n.Finish()).ToList();
        }

        /// <summary>The members that must be healthy before anything joins: the cluster's voting members that are in it now (or all, when none answered), but the joiners.</summary>
        private List<EtcdMember> ExpectedHealthy(IReadOnlyList<Node> nodes)
        {
            var cluster = nodes.Count > 0 ? nodes[0].Spec.Cluster : null;
            if (cluster == null) return new List<EtcdMember>();
            var joining = nodes.Where(n => n.Plan.Joins).Select(n => n.Spec.Member.Name).ToList();
            // A learner answers no linearizable read: it counts once promoted.
            return cluster.Members.Where(m => !joining.Contains(m.Name) && (_live == null || _live.Map.FindByPeerUrl(cluster.PeerUrl(m)) is { IsLearner: false })).ToList();
        }

        private async Task WaitHealthyAsync(IReadOnlyList<EtcdMember> members, IReadOnlyList<Node> explain, CancellationToken cancellation)
        {
            if (members.Count == 0) return;
            try { await _waitHealthy(members, cancellation).ConfigureAwait(false); }
            catch (EtcdOpsException ex) { throw await ExplainAsync(explain, ex, cancellation).ConfigureAwait(false); }
        }

        private IClusterMembership RequireMembership() =>
            _membership ?? throw new InvalidOperationException("The installer was made without access to the cluster's member list.");

        /// <summary>
        /// One member into the running cluster: an old ID of a replaced member removed; a rogue or stale etcd stopped and
        /// its data moved aside; member add as a learner; conf.yml with initial-cluster-state existing and the cluster's
        /// members as they are now; start; promote once etcd says the learner is in sync; wait for the whole cluster.
        /// Every step is one a later run recognises (an unstarted learner, a learner not promoted), so an interruption
        /// anywhere is finished by running again.
        /// </summary>
        private async Task JoinAsync(Node n, List<EtcdMember> healthy, CancellationToken cancellation)
        {
            var spec = n.Spec;
            var cluster = spec.Cluster;
            var membership = RequireMembership();
            var peerUrl = cluster.PeerUrl(spec.Member);
            Report(spec, "Reading the member list", 70);
            var live = await membership.ReadAsync(cancellation).ConfigureAwait(false)
                ?? throw new EtcdOpsException(ErrorIds.NoVotingMemberAnswered, FailureKind.ConnectionError,
                    $"{spec.DisplayName} cannot join: no member of cluster '{cluster.Name}' answers at {string.Join(", ", cluster.ClientUrls)}. Start the cluster's members first (Start-EtcdNode), then run this again.", spec.Member);
            var entry = live.Map.FindByPeerUrl(peerUrl);
            if (entry != null && n.Plan.Role == MemberRole.Replace && entry.Id == n.Plan.Entry?.Id)
            {
                Report(spec, $"Removing the member's old ID {EtcdClient.Hex(entry.Id)}", 72);
                await membership.RemoveAsync(entry.Id, cancellation).ConfigureAwait(false);
                n.Result.Changes.Add($"old member ID {EtcdClient.Hex(entry.Id)} removed");
                entry = null;
            }
            if (entry == null || n.Plan.MovesDataAside)
            {
                if (n.Plan.WasActive)
                {
                    Report(spec, "Stopping etcd (it is not a member of this cluster)", 73);
                    await NodeService.StopAsync(n.Host, spec.Layout, cancellation).ConfigureAwait(false);
                }
                if (n.Plan.MovesDataAside)
                {
                    Report(spec, "Moving the data dir aside", 74);
                    var moved = await NodeService.MoveDataAsideAsync(n.Host, spec.Layout, UtcNow(), cancellation).ConfigureAwait(false);
                    n.Result.Changes.AddRange(moved.Select(m => "data moved aside to " + m));
                }
            }
            var members = live.Map;
            if (entry == null)
            {
                var pending = live.Map.Learner;
                if (pending != null)
                    throw new EtcdOpsException(ErrorIds.LearnerPending, FailureKind.InvalidOperation,
                        $"{spec.DisplayName} cannot join yet: the cluster already has a learner ({(pending.Name.Length > 0 ? pending.Name : "unstarted")} {EtcdClient.Hex(pending.Id)} at {string.Join(",", pending.PeerUrls)}), and etcd allows one at a time. " +
                        "Run Install-EtcdNode with the inventory that names it (it starts and promotes it), or remove it with Remove-EtcdMember.", spec.Member);
                Report(spec, "Adding the member as a learner", 76);
                var added = await membership.AddLearnerAsync(peerUrl, cancellation).ConfigureAwait(false);
                entry = LiveMember.From(added.Added);
                members = new EtcdMemberMap(added.List.Members.Count > 0 ? added.List.Members.Select(LiveMember.From).ToList() : members.Members.Concat(new[] { entry }).ToList());
                n.Result.Changes.Add($"added as learner {EtcdClient.Hex(entry.Id)}");
            }

            var initialCluster = members.InitialClusterFor(u => u.TrimEnd('/') == peerUrl ? spec.Member.Name : cluster.Members.FirstOrDefault(m => cluster.PeerUrl(m) == u.TrimEnd('/'))?.Name);
            Report(spec, "Writing conf.yml (initial-cluster-state: existing)", 78);
            var conf = new RemoteFile(spec.ConfigPath, spec.JoinConfig(initialCluster), "600", "etcd", "etcd");
            var applied = await RemoteFiles.EnsureAsync(n.Host, new[] { conf }, cancellation).ConfigureAwait(false);
            if (applied.Files.Count > 0 && !n.Result.Changes.Contains(conf.Path)) n.Result.Changes.Add(conf.Path);

            Report(spec, "Starting etcd", 80);
            await NodeService.StartAsync(n.Host, spec.Layout, cancellation).ConfigureAwait(false);
            n.Result.Started = true;
            if (entry.IsLearner || entry.Name.Length == 0)
            {
                Report(spec, "Waiting for the learner to catch up, then promoting it", 85);
                try { await membership.PromoteAsync(entry.Id, cancellation).ConfigureAwait(false); }
                catch (EtcdOpsException ex) when (ex.ErrorId == ErrorIds.LearnerNotInSync) { throw await ExplainAsync(new[] { n }, ex, cancellation).ConfigureAwait(false); }
                n.Result.Changes.Add("promoted to voting member");
            }
            Report(spec, "Waiting for the cluster", 95);
            await WaitHealthyAsync(healthy.Concat(new[] { spec.Member }).ToList(), new[] { n }, cancellation).ConfigureAwait(false);
        }

        /// <summary>Plans and applies everything (no confirmation step): for callers that need none, and for tests.</summary>
        public async Task<IReadOnlyList<EtcdNodeInstallResult>> InstallAsync(IReadOnlyList<NodeInstallSpec> specs, CancellationToken cancellation)
        {
            var plans = await PlanAsync(specs, cancellation).ConfigureAwait(false);
            if (!Failures.IsEmpty) return Array.Empty<EtcdNodeInstallResult>();
            return await ApplyAsync(plans, cancellation).ConfigureAwait(false);
        }

        public void Dispose()
        {
            foreach (var host in _hosts.Values) host.Dispose();
            _hosts.Clear();
        }

        /// <summary>
        /// Starts stopped members without waiting on each (Type=notify blocks a member until quorum). For a new
        /// cluster the member with the lowest peer URL goes first and the rest follow once its peer port serves:
        /// etcd's bootstrap check then finds it at once instead of waiting a second on every unserved peer.
        /// </summary>
        private async Task StartAsync(IReadOnlyList<Node> stopped, bool newCluster, CancellationToken cancellation)
        {
            if (stopped.Count == 0) return;
            var rest = stopped.ToList();
            if (newCluster && stopped.Count > 2)
            {
                var first = stopped.OrderBy(n => n.Spec.Cluster.PeerUrl(n.Spec.Member), StringComparer.Ordinal).First();
                rest.Remove(first);
                await StartOneAsync(first, cancellation).ConfigureAwait(false);
                // Not served within a few seconds: start the others anyway; etcd copes, only more slowly.
                await PeerProbe.WaitServingAsync(first.Spec.Member.Address, first.Spec.Cluster.PeerPort, TimeSpan.FromSeconds(5), cancellation).ConfigureAwait(false);
            }
            await Task.WhenAll(rest.Select(n => StartOneAsync(n, cancellation))).ConfigureAwait(false);
        }

        private async Task StartOneAsync(Node n, CancellationToken cancellation)
        {
            Report(n.Spec, "Starting etcd", 70);
            await NodeService.StartAsync(n.Host, n.Spec.Layout, cancellation).ConfigureAwait(false);
            n.Result.Started = true;
        }

        private async Task PrepareAsync(Node n, CancellationToken cancellation)
        {
            var spec = n.Spec;
            var plan = n.Plan;
            try
            {
                // Binaries and files travel on two channels of the same connection at once: neither needs the other.
                var binaries = Task.CompletedTask;
                if (plan.InstallsBinaries)
                {
                    Report(spec, $"Installing etcd {spec.ReleaseVersion}; writing user, directories, certificates, config and unit", 20);
                    binaries = InstallBinariesAsync(n.Host, spec, cancellation);
                }
                else Report(spec, "Writing user, directories, certificates, config and unit", 40);

                var writing = RemoteFiles.EnsureAsync(n.Host, plan.FilesToWrite, cancellation, AccountCommand(spec), EnableCommand(plan));
                await Task.WhenAll(binaries, writing).ConfigureAwait(false);
                var applied = writing.Result;
                if (plan.InstallsBinaries)
                    n.Result.Changes.Add(string.IsNullOrEmpty(plan.InstalledVersion) ? $"etcd {spec.ReleaseVersion} installed" : $"etcd {plan.InstalledVersion} -> {spec.ReleaseVersion}");
                n.Result.Changes.AddRange(applied.Other.Where(o => o != "service enabled"));
                n.Result.Changes.AddRange(applied.Files.Select(f => f.Path));
                if (applied.Other.Contains("service enabled")) n.Result.Changes.Add("service enabled");
                if (plan.NeedsRestart) n.Result.Changes.Add("restart: " + string.Join("; ", plan.RestartReasons));
                Report(spec, "Prepared", 65);
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception ex)
            {
                Failures[spec.Member.Name] = ex;
            }
        }

        /// <summary>
        /// One read-only round trip: installed version, service state and start time, whether the data dir holds a
        /// member, the architecture, the account, and the fingerprint and modification time of every wanted file.
        /// </summary>
        internal static string ProbeCommand(NodeInstallSpec spec)
        {
            var dirs = spec.Layout.EtcdDirectories;
            return RemoteScript.ProbeHost.Command(new[]
            {
                spec.Layout.EtcdBinary, spec.UnitName, spec.DataDir.TrimEnd('/') + "/member", Account, Account, dirs.Count.ToString(CultureInfo.InvariantCulture),
            }.Concat(dirs).Concat(NodePlanner.ProbedPaths(spec)));
        }

        /// <summary>
        /// Starts unpacking a release the caller already has (-Release) while the hosts are connected and probed, so the
        /// first upload does not wait for it; unused when no plan installs binaries.
        /// </summary>
        public void PrepareRelease(string archivePath) => _payloads.Prepare(archivePath);

        /// <summary>Unpacking starts for every archive the plans install, while the hosts' other files are written.</summary>
        private void PrepareReleases(IEnumerable<NodePlan> plans)
        {
            foreach (var plan in plans.Where(p => p.InstallsBinaries)) _payloads.Prepare(plan.Spec.ReleaseArchivePath);
        }

        private async Task InstallBinariesAsync(IRemoteHost host, NodeInstallSpec spec, CancellationToken cancellation)
        {
            if (string.IsNullOrEmpty(spec.ReleaseArchivePath))
                throw new InvalidOperationException($"{spec.DisplayName}: no release archive was resolved for this host.");
            var tar = await _payloads.GetAsync(spec.ReleaseArchivePath).ConfigureAwait(false);
            await host.RunCheckedAsync(InstallBinariesCommand(spec), $"installing etcd {spec.ReleaseVersion}", cancellation, tar).ConfigureAwait(false);
        }

        /// <summary>Unpacks the release's tar (<see cref="ReleasePayloads"/>) that arrives on stdin into the layout's binary directory, by way of a temp dir in <paramref name="tempParent"/>.</summary>
        internal static string InstallBinariesCommand(NodeInstallSpec spec, string tempParent = "/var/tmp") =>
            RemoteScript.InstallBinaries.Command(spec.BinDir, spec.ReleaseVersion, tempParent);

        /// <summary>The etcd user and group (created with the layout's IDs when missing) and the directories etcd owns.</summary>
        internal static string AccountCommand(NodeInstallSpec spec) =>
            RemoteScript.PrepareAccount.Command(new[]
            {
                Account, Account, spec.EtcdUid.ToString(CultureInfo.InvariantCulture), spec.EtcdGid.ToString(CultureInfo.InvariantCulture), spec.DataDir,
            }.Concat(spec.Layout.EtcdDirectories));

        /// <summary>systemd reads the unit again when the plan writes it; the unit gets enabled when it is not.</summary>
        internal static string EnableCommand(NodePlan plan) =>
            RemoteScript.EnableService.Command(plan.Spec.UnitName, plan.FilesToWrite.Any(f => f.Path == plan.Spec.UnitPath) ? "reload" : "no-reload");

        private async Task FlipToExistingAsync(Node n, CancellationToken cancellation)
        {
            Report(n.Spec, "Setting initial-cluster-state: existing", 95);
            if (await FlipToExistingAsync(n.Host, n.Spec.ConfigPath, n.Spec.ConfigExisting, cancellation).ConfigureAwait(false) && !n.Result.Changes.Contains(n.Spec.ConfigPath))
                n.Result.Changes.Add(n.Spec.ConfigPath);
        }

        /// <summary>Writes conf.yml with initial-cluster-state: existing once the cluster is up; true when the file changed.</summary>
        internal static async Task<bool> FlipToExistingAsync(IRemoteHost host, string configPath, byte[] configExisting, CancellationToken cancellation)
        {
            // The running process does not care about the state line: keep the file's time, so no later run takes the flip for a change to restart for.
            var target = new RemoteFile(configPath, configExisting, "600", "etcd", "etcd") { KeepModificationTime = true };
            var applied = await RemoteFiles.EnsureAsync(host, new[] { target }, cancellation).ConfigureAwait(false);
            return applied.Files.Count > 0;
        }

        private static Task<EtcdOpsException> ExplainAsync(IEnumerable<Node> nodes, EtcdOpsException waitFailure, CancellationToken cancellation) =>
            ExplainAsync(nodes.Select(n => (n.Host, n.Spec)), waitFailure, cancellation);

        /// <summary>When the cluster does not come up, read each member's journal and say why in etcd's words.</summary>
        internal static async Task<EtcdOpsException> ExplainAsync(IEnumerable<(IRemoteHost Host, NodeInstallSpec Spec)> nodes, EtcdOpsException waitFailure, CancellationToken cancellation)
        {
            var text = new StringBuilder(waitFailure.Message);
            var members = nodes.ToList();
            var journals = new List<string>();
            foreach (var n in members)
                journals.Add((await n.Host.RunAsync(RemoteScript.JournalTail.Command(n.Spec.UnitName, "80"), null, cancellation).ConfigureAwait(false)).Output);
            var diagnoses = EtcdLogDiagnosis.DiagnoseMembers(journals);
            for (var i = 0; i < members.Count; i++)
            {
                var found = diagnoses[i];
                if (found.All(f => f.Rule == "ClusterIdMismatchPeer") && journals[i].TrimEnd().EndsWith("\nactive", StringComparison.Ordinal)) continue;
                text.Append($"\n{members[i].Spec.DisplayName}: ");
                text.Append(found.Count > 0
                    ? string.Join(" ", found.Select(f => f.ToString()))
                    : "no known cause in its journal; last lines:\n" + EtcdLogDiagnosis.Tail(journals[i]));
            }
            text.Append("\nSee the whole log with Get-EtcdNodeLog.");
            return new EtcdOpsException(waitFailure.ErrorId == ErrorIds.LearnerNotInSync ? ErrorIds.LearnerNotInSync : ErrorIds.ClusterDidNotStart,
                FailureKind.OperationTimeout, text.ToString(), null, waitFailure);
        }

        private void Report(NodeInstallSpec spec, string phase, int percent) => _progress(new DeployProgress(spec.Member.Name, phase, percent));

        private sealed class Node
        {
            private readonly Stopwatch _clock = Stopwatch.StartNew();

            public Node(NodePlan plan, IRemoteHost host)
            {
                Plan = plan; Host = host;
                Result = new EtcdNodeInstallResult { Name = Spec.Member.Name, Address = Spec.Member.Address, Version = Spec.ReleaseVersion };
            }

            public NodePlan Plan { get; }
            public NodeInstallSpec Spec => Plan.Spec;
            public EtcdNodeInstallResult Result { get; }
            public IRemoteHost Host { get; }

            public EtcdNodeInstallResult Finish()
            {
                Result.Changed = Result.Changes.Count > 0 || Result.Restarted;
                Result.Duration = _clock.Elapsed;
                return Result;
            }
        }
    }
}
