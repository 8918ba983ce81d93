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
    /// Installs and starts etcd on every member's host: all hosts prepared in parallel over one connection each,
    /// then all members started together (Type=notify blocks a lone first member until quorum), the cluster
    /// waited for, changed running members restarted one at a time, and initial-cluster-state flipped to existing.
    /// Re-running with unchanged inputs changes nothing and restarts nothing.
    /// </summary>
    public sealed class ClusterInstaller
    {
        private readonly Func<NodeInstallSpec, CancellationToken, Task<IRemoteHost>> _connect;
        private readonly Func<CancellationToken, Task> _waitHealthy;
        private readonly Action<DeployProgress> _progress;
        // Every host gets the same archive: read it once, not once per host.
        private readonly ConcurrentDictionary<string, Lazy<byte[]>> _archives = new ConcurrentDictionary<string, Lazy<byte[]>>();

        /// <param name="connect">Opens the connection to a member's host (SSH in real use).</param>
        /// <param name="waitHealthy">Returns when every member is healthy with one leader; throws on timeout.</param>
        /// <param name="progress">Called from worker threads; must only enqueue.</param>
        public ClusterInstaller(Func<NodeInstallSpec, CancellationToken, Task<IRemoteHost>> connect, Func<CancellationToken, Task> waitHealthy, Action<DeployProgress> progress)
        {
            _connect = connect; _waitHealthy = waitHealthy; _progress = progress;
        }

        /// <summary>Per-member failures; the members that failed are not started.</summary>
        public ConcurrentDictionary<string, Exception> Failures { get; } = new ConcurrentDictionary<string, Exception>();

        public async Task<IReadOnlyList<EtcdNodeInstallResult>> InstallAsync(IReadOnlyList<NodeInstallSpec> specs, CancellationToken cancellation)
        {
            var nodes = specs.Select(s => new Node(s)).ToList();
            try
            {
                // Phase 1: prepare every host in parallel.
                await Task.WhenAll(nodes.Select(n => PrepareAsync(n, cancellation))).ConfigureAwait(false);
                if (!Failures.IsEmpty) return nodes.Where(n => n.Host != null && !Failures.ContainsKey(n.Spec.Member.Name)).Select(n => n.Finish()).ToList();

                // Phase 2: start every stopped member at once, then wait for the whole cluster.
                await StartAsync(nodes.Where(n => !n.WasActive).ToList(), nodes.All(n => !n.WasActive), cancellation).ConfigureAwait(false);
                foreach (var n in nodes) Report(n, "Waiting for the cluster", 80);
                try { await _waitHealthy(cancellation).ConfigureAwait(false); }
                catch (EtcdOpsException ex) { throw await ExplainAsync(nodes, ex, cancellation).ConfigureAwait(false); }

                // Phase 3: running members whose files changed restart one at a time, health-gated.
                foreach (var n in nodes.Where(n => n.NeedsRestart))
                {
                    Report(n, "Restarting etcd (rolling)", 85);
                    await n.Host!.RunCheckedAsync($"systemctl restart {n.Spec.UnitName}", "restarting etcd", cancellation).ConfigureAwait(false);
                    n.Result.Restarted = true;
                    try { await _waitHealthy(cancellation).ConfigureAwait(false); }
                    catch (EtcdOpsException ex) { throw await ExplainAsync(new[] { n }, ex, cancellation).ConfigureAwait(false); }
                }

                // Phase 4: the cluster exists now; a later restart must never try to bootstrap again.
                await Task.WhenAll(nodes.Select(n => FlipToExistingAsync(n, cancellation))).ConfigureAwait(false);
                return nodes.Select(n => n.Finish()).ToList();
            }
            finally
            {
                foreach (var n in nodes) n.Host?.Dispose();
            }
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
            Report(n, "Starting etcd", 70);
            await n.Host!.RunCheckedAsync($"systemctl start --no-block {n.Spec.UnitName}", "starting etcd", cancellation).ConfigureAwait(false);
            n.Result.Started = true;
        }

        private async Task PrepareAsync(Node n, CancellationToken cancellation)
        {
            var spec = n.Spec;
            try
            {
                Report(n, "Connecting", 5);
                n.Host = await _connect(spec, cancellation).ConfigureAwait(false);

                Report(n, "Inspecting host", 10);
                var probe = await ProbeAsync(n.Host, spec, cancellation).ConfigureAwait(false);
                n.WasActive = probe.TryGetValue("active", out var active) && active == "active";
                var bootstrapped = probe.TryGetValue("bootstrapped", out var b) && b == "yes";
                probe.TryGetValue("etcd", out var installedVersion);

                // Binaries and files travel on two channels of the same connection at once: neither needs the other.
                var binaryChanged = installedVersion != spec.ReleaseVersion;
                var binaries = Task.CompletedTask;
                if (binaryChanged)
                {
                    Report(n, $"Installing etcd {spec.ReleaseVersion}; writing user, directories, certificates, config and unit", 20);
                    binaries = InstallBinariesAsync(n.Host, spec, cancellation);
                }
                else Report(n, "Writing user, directories, certificates, config and unit", 40);

                var files = new List<RemoteFile>(spec.Files);
                // A bootstrapped member gets the 'existing' config; a new one starts with 'new' and is flipped later.
                // A run that stopped before the flip left 'new' on a bootstrapped member: that is a flip, not a change.
                probe.TryGetValue("conf", out var configSha);
                var onlyStateDiffers = bootstrapped && configSha == Sha256Sums.Compute(spec.ConfigNew);
                if (!onlyStateDiffers)
                    files.Add(new RemoteFile(spec.ConfigPath, bootstrapped ? spec.ConfigExisting : spec.ConfigNew, "600", "etcd", "etcd"));
                var enable = $"[ -z \"$reload\" ] || systemctl daemon-reload\n" +
                             $"if ! systemctl is-enabled --quiet {spec.UnitName}; then systemctl enable --quiet {spec.UnitName}; echo 'changed: service enabled'; fi\n";
                var writing = RemoteFiles.EnsureAsync(n.Host, files, cancellation, AccountScript(spec) + "reload=\n", enable,
                    new Dictionary<string, string> { [spec.UnitPath] = "reload=1" });
                await Task.WhenAll(binaries, writing).ConfigureAwait(false);
                var applied = writing.Result;
                if (binaryChanged)
                    n.Result.Changes.Add(string.IsNullOrEmpty(installedVersion) ? $"etcd {spec.ReleaseVersion} installed" : $"etcd {installedVersion} -> {spec.ReleaseVersion}");
                n.Result.Changes.AddRange(applied.Other.Where(o => o != "service enabled"));
                n.Result.Changes.AddRange(applied.Files.Select(f => f.Path));
                if (applied.Other.Contains("service enabled")) n.Result.Changes.Add("service enabled");
                var contentChanged = binaryChanged || applied.Files.Any(f => f.ContentChanged);

                n.NeedsRestart = n.WasActive && contentChanged;
                n.Result.Version = spec.ReleaseVersion;
                Report(n, "Prepared", 65);
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception ex)
            {
                Failures[spec.Member.Name] = ex;
            }
        }

        private static async Task<Dictionary<string, string>> ProbeAsync(IRemoteHost host, NodeInstallSpec spec, CancellationToken cancellation)
        {
            var data = RemoteHostExtensions.Quote(spec.DataDir.TrimEnd('/') + "/member");
            var etcd = RemoteHostExtensions.Quote(spec.BinDir + "/etcd");
            var script =
                $"echo \"etcd=$({etcd} --version 2>/dev/null | sed -n 's/^etcd Version: //p')\"\n" +
                $"echo \"active=$(systemctl is-active {spec.UnitName} 2>/dev/null)\"\n" +
                $"if [ -d {data} ]; then echo bootstrapped=yes; else echo bootstrapped=no; fi\n" +
                "echo \"arch=$(uname -m)\"\n" +
                $"echo \"conf=$(sha256sum 2>/dev/null < {RemoteHostExtensions.Quote(spec.ConfigPath)} | cut -d' ' -f1)\"\n";
            var output = await host.RunCheckedAsync(script, "inspecting the host", cancellation).ConfigureAwait(false);
            var values = new Dictionary<string, string>();
            foreach (var line in output.Split('\n'))
            {
                var i = line.IndexOf('=');
                if (i > 0) values[line.Substring(0, i).Trim()] = line.Substring(i + 1).Trim();
            }
            values.TryGetValue("arch", out var arch);
            var releaseArch = arch == "x86_64" ? "amd64" : arch == "aarch64" ? "arm64" : null;
            if (releaseArch == null)
                throw new EtcdOpsException("UnsupportedArchitecture", FailureKind.InvalidOperation,
                    $"{host.Name}: the host's architecture is {arch}; etcd releases exist for amd64 (x86_64) and arm64 (aarch64).", host.Name);
            if (releaseArch != spec.ReleaseArchitecture)
                throw new EtcdOpsException("ArchitectureMismatch", FailureKind.InvalidOperation,
                    $"{host.Name}: the host is {releaseArch} but the etcd release is linux-{spec.ReleaseArchitecture}. Pass a -Release for {releaseArch} (Save-EtcdRelease -Architecture {releaseArch}).", host.Name);
            return values;
        }

        private Task InstallBinariesAsync(IRemoteHost host, NodeInstallSpec spec, CancellationToken cancellation)
        {
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
            var dirs = string.Join(" ", new[] { spec.ConfigDirectory, spec.DataDir }.Concat(spec.EtcdDirectories).Distinct().Select(RemoteHostExtensions.Quote));
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
            var target = new RemoteFile(n.Spec.ConfigPath, n.Spec.ConfigExisting, "600", "etcd", "etcd");
            Report(n, "Setting initial-cluster-state: existing", 95);
            var applied = await RemoteFiles.EnsureAsync(n.Host!, new[] { target }, cancellation).ConfigureAwait(false);
            if (applied.Files.Count > 0 && !n.Result.Changes.Contains(target.Path)) n.Result.Changes.Add(target.Path);
        }

        /// <summary>When the cluster does not come up, read each member's journal and say why in etcd's words.</summary>
        private static async Task<EtcdOpsException> ExplainAsync(IEnumerable<Node> nodes, EtcdOpsException waitFailure, CancellationToken cancellation)
        {
            var text = new StringBuilder(waitFailure.Message);
            foreach (var n in nodes)
            {
                var journal = await n.Host!.RunAsync($"journalctl -u {n.Spec.UnitName} -n 80 --no-pager -o cat 2>/dev/null; systemctl is-active {n.Spec.UnitName}", null, cancellation).ConfigureAwait(false);
                var found = EtcdLogDiagnosis.Diagnose(journal.Output);
                if (found.Count == 0 && journal.Output.TrimEnd().EndsWith("\nactive", StringComparison.Ordinal)) continue;
                text.Append($"\n{n.Spec.DisplayName}: ");
                text.Append(found.Count > 0
                    ? string.Join(" ", found.Select(f => f.ToString()))
                    : "no known cause in its journal; last lines:\n" + EtcdLogDiagnosis.Tail(journal.Output));
            }
            text.Append("\nSee the whole log with Get-EtcdNodeLog.");
            return new EtcdOpsException("ClusterDidNotStart", FailureKind.OperationTimeout, text.ToString(), null, waitFailure);
        }

        private void Report(Node n, string phase, int percent) => _progress(new DeployProgress(n.Spec.Member.Name, phase, percent));

        private sealed class Node
        {
            private readonly Stopwatch _clock = Stopwatch.StartNew();

            public Node(NodeInstallSpec spec)
            {
                Spec = spec;
                Result = new EtcdNodeInstallResult { Name = spec.Member.Name, Address = spec.Member.Address, Version = spec.ReleaseVersion };
            }

            public NodeInstallSpec Spec { get; }
            public EtcdNodeInstallResult Result { get; }
            public IRemoteHost? Host { get; set; }
            public bool WasActive { get; set; }
            public bool NeedsRestart { get; set; }

            public EtcdNodeInstallResult Finish()
            {
                Result.Changed = Result.Changes.Count > 0;
                Result.Duration = _clock.Elapsed;
                return Result;
            }
        }
    }
}
