using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
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
        private readonly Func<NodeInstallSpec, CancellationToken, Task<IRemoteHost>> _connect;
        private readonly Func<CancellationToken, Task> _waitHealthy;
        private readonly Action<DeployProgress> _progress;
        private readonly ConcurrentDictionary<NodePlan, IRemoteHost> _hosts = new ConcurrentDictionary<NodePlan, IRemoteHost>();
        // Hosts of one architecture get the same archive: read it once, not once per host.
        private readonly ConcurrentDictionary<string, Lazy<byte[]>> _archives = new ConcurrentDictionary<string, Lazy<byte[]>>();

        /// <param name="connect">Opens the connection to a member's host (SSH in real use).</param>
        /// <param name="waitHealthy">Returns when every member is healthy with one leader; throws on timeout.</param>
        /// <param name="progress">Called from worker threads; must only enqueue.</param>
        public ClusterInstaller(Func<NodeInstallSpec, CancellationToken, Task<IRemoteHost>> connect, Func<CancellationToken, Task> waitHealthy, Action<DeployProgress> progress)
        {
            _connect = connect; _waitHealthy = waitHealthy; _progress = progress;
        }

        /// <summary>Per-member failures; when planning fails anywhere, nothing is applied.</summary>
        public ConcurrentDictionary<string, Exception> Failures { get; } = new ConcurrentDictionary<string, Exception>();

        /// <summary>Connects to every host and decides what to do there, changing nothing. Failures land in <see cref="Failures"/>.</summary>
        public async Task<IReadOnlyList<NodePlan>> PlanAsync(IReadOnlyList<NodeInstallSpec> specs, CancellationToken cancellation)
        {
            var plans = new NodePlan?[specs.Count];
            await Task.WhenAll(specs.Select(async (spec, i) =>
            {
                try
                {
                    Report(spec, "Connecting", 5);
                    var host = await _connect(spec, cancellation).ConfigureAwait(false);
                    try
                    {
                        Report(spec, "Inspecting host", 10);
                        var probe = HostProbe.Parse(await host.RunCheckedAsync(ProbeScript(spec), "inspecting the host", cancellation).ConfigureAwait(false));
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
            var refusal = NodePlanner.CheckAuthorityChange(result);
            if (refusal != null) throw refusal;
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
            // Phase 1: prepare every host in parallel.
            await Task.WhenAll(nodes.Select(n => PrepareAsync(n, cancellation))).ConfigureAwait(false);
            if (!Failures.IsEmpty) return nodes.Where(n => !Failures.ContainsKey(n.Spec.Member.Name)).Select(n => n.Finish()).ToList();

            // Phase 2: start every stopped member at once, then wait for the whole cluster.
            await StartAsync(nodes.Where(n => !n.Plan.WasActive).ToList(), nodes.All(n => !n.Plan.WasActive), cancellation).ConfigureAwait(false);
            foreach (var n in nodes) Report(n.Spec, "Waiting for the cluster", 80);
            try { await _waitHealthy(cancellation).ConfigureAwait(false); }
            catch (EtcdOpsException ex) { throw await ExplainAsync(nodes, ex, cancellation).ConfigureAwait(false); }

            // Phase 3: running members that need it restart one at a time, health-gated.
            foreach (var n in nodes.Where(n => n.Plan.NeedsRestart))
            {
                Report(n.Spec, "Restarting etcd (rolling): " + string.Join("; ", n.Plan.RestartReasons), 85);
                await n.Host.RunCheckedAsync($"systemctl restart {n.Spec.UnitName}", "restarting etcd", cancellation).ConfigureAwait(false);
                n.Result.Restarted = true;
                try { await _waitHealthy(cancellation).ConfigureAwait(false); }
                catch (EtcdOpsException ex) { throw await ExplainAsync(new[] { n }, ex, cancellation).ConfigureAwait(false); }
            }

            // Phase 4: the cluster exists now; a later restart must never try to bootstrap again.
            await Task.WhenAll(nodes.Where(n => n.Plan.FlipsState).Select(n => FlipToExistingAsync(n, cancellation))).ConfigureAwait(false);
            return nodes.Select(n => n.Finish()).ToList();
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
            await n.Host.RunCheckedAsync($"systemctl start --no-block {n.Spec.UnitName}", "starting etcd", cancellation).ConfigureAwait(false);
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

                var enable = $"[ -z \"$reload\" ] || systemctl daemon-reload\n" +
                             $"if ! systemctl is-enabled --quiet {spec.UnitName}; then systemctl enable --quiet {spec.UnitName}; echo 'changed: service enabled'; fi\n";
                var writing = RemoteFiles.EnsureAsync(n.Host, plan.FilesToWrite, cancellation, AccountScript(spec) + "reload=\n", enable,
                    new Dictionary<string, string> { [spec.UnitPath] = "reload=1" });
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
        private static string ProbeScript(NodeInstallSpec spec)
        {
            string Q(string v) => RemoteHostExtensions.Quote(v);
            var etcd = Q(spec.BinDir + "/etcd");
            var dirs = string.Join(" ", spec.Layout.EtcdDirectories.Select(Q));
            var script = new StringBuilder();
            script.Append($"echo \"etcd=$({etcd} --version 2>/dev/null | sed -n 's/^etcd Version: //p')\"\n");
            script.Append($"echo \"active=$(systemctl is-active {spec.UnitName} 2>/dev/null)\"\n");
            script.Append($"echo \"enabled=$(systemctl is-enabled {spec.UnitName} 2>/dev/null)\"\n");
            // Microseconds since the epoch, compared with the files' modification times: a process older than its files missed a restart.
            script.Append($"t=$(systemctl show {spec.UnitName} -p ExecMainStartTimestamp --value --timestamp=us+utc 2>/dev/null || true)\n");
            script.Append("if [ -n \"$t\" ]; then echo \"started=$(date -d \"$t\" +%s%6N 2>/dev/null)\"; fi\n");
            script.Append($"if [ -d {Q(spec.DataDir.TrimEnd('/') + "/member")} ]; then echo bootstrapped=yes; else echo bootstrapped=no; fi\n");
            script.Append("echo \"arch=$(uname -m)\"\n");
            script.Append("a=ok; getent group etcd >/dev/null && id -u etcd >/dev/null 2>&1 || a=missing\n");
            script.Append($"for d in {dirs}; do [ \"$(stat -c '%a %U %G' \"$d\" 2>/dev/null)\" = '700 etcd etcd' ] || a=missing; done\n");
            script.Append("echo \"account=$a\"\n");
            script.Append($"[ ! -e {etcd} ] || echo \"mbin=$(date -r {etcd} +%s%6N)\"\n");
            var paths = NodePlanner.ProbedPaths(spec);
            for (var i = 0; i < paths.Count; i++)
            {
                var p = Q(paths[i]);
                script.Append($"if [ -f {p} ]; then echo \"f{i}=$(sha256sum < {p} | cut -d' ' -f1) $(stat -c '%a %U %G' {p})\"; echo \"m{i}=$(date -r {p} +%s%6N)\"; fi\n");
            }
            return script.ToString();
        }

        private Task InstallBinariesAsync(IRemoteHost host, NodeInstallSpec spec, CancellationToken cancellation)
        {
            if (string.IsNullOrEmpty(spec.ReleaseArchivePath))
                throw new InvalidOperationException($"{spec.DisplayName}: no release archive was resolved for this host.");
            var bin = RemoteHostExtensions.Quote(spec.BinDir);
            // Streams the archive (verified against SHA256SUMS on the workstation; SSH protects it in transit) straight
            // into tar, then swaps each binary in by rename so a running etcd keeps its old inode until it restarts.
            // The final version check proves the right binaries arrived whole.
            var script =
                "set -e\n" +
                "tmp=$(mktemp -d /var/tmp/etcdops.XXXXXX)\n" +
                "trap 'rm -rf \"$tmp\"' EXIT; trap 'exit 1' INT TERM HUP PIPE\n" +
                "mkdir \"$tmp/x\" && tar -xzf - -C \"$tmp/x\" --strip-components=1\n" +
                $"mkdir -p {bin}\n" +
                "for b in etcd etcdctl etcdutl; do\n" +
                "  [ -f \"$tmp/x/$b\" ] || continue\n" +
                $"  install -m 0755 -o root -g root \"$tmp/x/$b\" {bin}/.$b.etcdops-new\n" +
                $"  mv -f {bin}/.$b.etcdops-new {bin}/$b\n" +
                "done\n" +
                $"v=$({bin}/etcd --version | sed -n 's/^etcd Version: //p')\n" +
                $"[ \"$v\" = '{spec.ReleaseVersion}' ] || {{ echo \"etcd --version says '$v', expected {spec.ReleaseVersion}\" >&2; exit 1; }}\n";
            var archive = _archives.GetOrAdd(spec.ReleaseArchivePath, p => new Lazy<byte[]>(() => File.ReadAllBytes(p))).Value;
            return host.RunCheckedAsync(script, $"installing etcd {spec.ReleaseVersion}", cancellation, archive);
        }

        private static string AccountScript(NodeInstallSpec spec)
        {
            var data = RemoteHostExtensions.Quote(spec.DataDir);
            var dirs = string.Join(" ", spec.Layout.EtcdDirectories.Select(RemoteHostExtensions.Quote));
            return
                "set -e\n" +
                $"if ! getent group etcd >/dev/null; then groupadd --system -g {spec.EtcdGid} etcd; echo 'changed: group etcd ({spec.EtcdGid})'; fi\n" +
                $"if ! id -u etcd >/dev/null 2>&1; then useradd --system -u {spec.EtcdUid} -g etcd -d {data} -s /bin/false -M -c 'etcd user' etcd; echo 'changed: user etcd ({spec.EtcdUid})'; fi\n" +
                $"for d in {dirs}; do\n" +
                "  if [ \"$(stat -c '%a %U %G' \"$d\" 2>/dev/null)\" != '700 etcd etcd' ]; then install -d -m 0700 -o etcd -g etcd \"$d\"; echo \"changed: directory $d\"; fi\n" +
                "done\n";
        }

        private async Task FlipToExistingAsync(Node n, CancellationToken cancellation)
        {
            // The running process does not care about the state line: keep the file's time, so no later run takes the flip for a change to restart for.
            var target = new RemoteFile(n.Spec.ConfigPath, n.Spec.ConfigExisting, "600", "etcd", "etcd") { KeepModificationTime = true };
            Report(n.Spec, "Setting initial-cluster-state: existing", 95);
            var applied = await RemoteFiles.EnsureAsync(n.Host, new[] { target }, cancellation).ConfigureAwait(false);
            if (applied.Files.Count > 0 && !n.Result.Changes.Contains(target.Path)) n.Result.Changes.Add(target.Path);
        }

        /// <summary>When the cluster does not come up, read each member's journal and say why in etcd's words.</summary>
        private static async Task<EtcdOpsException> ExplainAsync(IEnumerable<Node> nodes, EtcdOpsException waitFailure, CancellationToken cancellation)
        {
            var text = new StringBuilder(waitFailure.Message);
            foreach (var n in nodes)
            {
                var journal = await n.Host.RunAsync($"journalctl -u {n.Spec.UnitName} -n 80 --no-pager -o cat 2>/dev/null; systemctl is-active {n.Spec.UnitName}", null, cancellation).ConfigureAwait(false);
                var found = EtcdLogDiagnosis.Diagnose(journal.Output);
                if (found.Count == 0 && journal.Output.TrimEnd().EndsWith("\nactive", StringComparison.Ordinal)) continue;
                text.Append($"\n{n.Spec.DisplayName}: ");
                text.Append(found.Count > 0
                    ? string.Join(" ", found.Select(f => f.ToString()))
                    : "no known cause in its journal; last lines:\n" + EtcdLogDiagnosis.Tail(journal.Output));
            }
            text.Append("\nSee the whole log with Get-EtcdNodeLog.");
            return new EtcdOpsException(ErrorIds.ClusterDidNotStart, FailureKind.OperationTimeout, text.ToString(), null, waitFailure);
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
