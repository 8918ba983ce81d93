using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    /// <summary>
    /// -Release and -ReleaseBaseUrl, declared once for the cmdlets that put etcd's binaries on hosts (Install-EtcdNode,
    /// Add-EtcdMember, Update-EtcdNode, Restore-EtcdSnapshot). Those sit on two bases (one per host, one per cluster), so
    /// they expose this object as their dynamic parameters instead of each declaring the pair.
    /// </summary>
    public sealed class EtcdReleaseParameters
    {
        /// <summary>A release from Save-EtcdRelease; resolved from the cluster's version for each host's architecture when omitted.</summary>
        [Parameter]
        public EtcdRelease? Release { get; set; }

        /// <summary>A mirror of etcd's release downloads (the folder that holds v&lt;version&gt;/ folders).</summary>
        [Parameter]
        public string? ReleaseBaseUrl { get; set; }
    }

    /// <summary>What the cmdlets that deploy etcd share: checking configs before any host, the release, the install specs, the rolling upgrade.</summary>
    public abstract partial class EtcdSshCmdlet
    {
        /// <summary>-Release and -ReleaseBaseUrl of the cmdlets that return it from IDynamicParameters.GetDynamicParameters.</summary>
        private protected EtcdReleaseParameters ReleaseParameters { get; } = new EtcdReleaseParameters();

        /// <summary>Runs installer work off the pipeline thread while its progress is written here.</summary>
        private protected T Run<T>(string activity, IReadOnlyList<string> names, ConcurrentQueue<(int Index, string Status)> events, Func<Task<T>> work)
        {
            var run = Task.Run(work);
            try
            {
                PumpProgress(activity, names, events, run);
                return run.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) { throw new PipelineStoppedException(); }
            finally { CompleteProgress(activity, names.Count); }
        }

        /// <summary>Everything etcd would refuse, and every broken certificate, stops the run before a host is touched.</summary>
        private protected void Preflight(EtcdCluster cluster, IReadOnlyList<EtcdNodeConfig> configs, EtcdCertificateSet certificates)
        {
            var findings = EtcdConfigValidator.Validate(configs).Concat(CertificateSetValidator.Test(certificates, cluster)).ToList();
            foreach (var w in findings.Where(f => f.Is(FindingSeverity.Warning))) WriteWarning($"{w.Target}: {w.Message}");
            var errors = findings.Where(f => f.Is(FindingSeverity.Error)).ToList();
            foreach (var c in configs)
                foreach (var f in c.Files.Where(f => !File.Exists(f.LocalPath)))
                    errors.Add(new EtcdFinding { Severity = nameof(FindingSeverity.Error), Rule = ErrorIds.FileMissing, Target = c.Member.Name, Key = f.RemotePath, Message = $"{f.LocalPath} does not exist." });
            if (errors.Count == 0) return;
            var text = new StringBuilder($"Cluster '{cluster.Name}' did not pass the pre-flight checks; no host was touched:");
            foreach (var e in errors) text.Append($"\n  [{e.Rule}] {e.Target}: {e.Message}");
            throw new EtcdOpsException(ErrorIds.PreflightFailed, FailureKind.InvalidData, text.ToString(), cluster);
        }

        /// <summary>The release for hosts of <paramref name="architecture"/>: -Release when it matches, else downloaded (cached, verified).</summary>
        private protected EtcdRelease ResolveRelease(EtcdCluster cluster, string architecture)
        {
            var release = ReleaseParameters.Release;
            var releaseBaseUrl = ReleaseParameters.ReleaseBaseUrl;
            var version = EtcdVersion.Parse(cluster.Version);
            if (release != null)
            {
                if (release.Version.TrimStart('v') != version.ToString())
                    throw new EtcdOpsException(ErrorIds.ReleaseVersionMismatch, FailureKind.InvalidArgument,
                        $"-Release is etcd {release.Version} but cluster '{cluster.Name}' is etcd {version}. Pass the matching release or change the cluster's Version.", release);
                if (release.Architecture != architecture)
                    throw new EtcdOpsException(ErrorIds.ReleaseArchitectureMismatch, FailureKind.InvalidArgument,
                        $"-Release is linux-{release.Architecture} but hosts of cluster '{cluster.Name}' are {architecture}. Omit -Release to get each host's archive, or pass the {architecture} one (Save-EtcdRelease -Architecture {architecture}).", release);
                return release;
            }
            using var source = new EtcdReleaseSource();
            try
            {
                return WithTransferProgress($"Getting etcd v{version} (linux-{architecture})", EtcdReleaseSource.VersionUrl(releaseBaseUrl, version).ToString(),
                    progress => source.GetAsync(version, architecture, releaseBaseUrl, null, new EtcdReleaseCache(), false, progress, Cancellation));
            }
            catch (OperationCanceledException) { throw new PipelineStoppedException(); }
        }

        private protected static NodeInstallSpec BuildSpec(EtcdCluster cluster, EtcdNodeConfig config, string version)
        {
            var spec = new NodeInstallSpec(cluster, config.Member, config.Layout)
            {
                // Deploy exactly the text the pre-flight checked; only the state line differs between the two.
                ConfigNew = Encoding.UTF8.GetBytes(config.WithInitialClusterState(EtcdConfigOptions.StateNew).Yaml),
                ConfigExisting = Encoding.UTF8.GetBytes(config.WithInitialClusterState(EtcdConfigOptions.StateExisting).Yaml),
                ReleaseVersion = version,
                TrustedCaPath = NullIfEmpty(config.Settings.PeerTransportSecurity.TrustedCaFile) ?? NullIfEmpty(config.Settings.ClientTransportSecurity.TrustedCaFile),
            };
            foreach (var f in config.Files)
                spec.Files.Add(new RemoteFile(f.RemotePath, File.ReadAllBytes(f.LocalPath), f.IsPrivateKey ? "0600" : "0644", "etcd", "etcd"));
            spec.Files.Add(new RemoteFile(config.UnitPath, Encoding.UTF8.GetBytes(config.SystemdUnit), "0644"));
            return spec;
        }

        private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;

        /// <summary>What a rolling upgrade did: whether every selected member now runs the target, and the snapshot taken first.</summary>
        private protected sealed class UpgradeOutcome
        {
            public bool Completed { get; set; }
            public EtcdSnapshot? Snapshot { get; set; }
            public IReadOnlyList<EtcdMemberUpgrade> Steps { get; set; } = Array.Empty<EtcdMemberUpgrade>();
        }

        /// <summary>The cluster's API for an upgrade: the same client every rolling step uses, with the set's client certificate.</summary>
        private protected static EtcdClient UpgradeClient(EtcdCluster cluster, EtcdCertificateSet certificates) =>
            RollingRestart.ClientFor(cluster, certificates.CaCertificatePath, certificates.ClientCertificatePath, certificates.ClientKeyPath);

        /// <summary>
        /// The rolling upgrade of Update-EtcdNode and of Install-EtcdNode with a changed Version (one path): the pre-flight
        /// (no host touched), -WhatIf/-Confirm per member, the verified release, a snapshot into <paramref name="snapshotFolder"/>,
        /// then one member at a time. <paramref name="target"/> is the inventory at the target version; the specs are
        /// rendered for it. Failures are written as errors; Completed says whether the caller may go on.
        /// </summary>
        private protected UpgradeOutcome RunRollingUpgrade(EtcdCluster target, EtcdCertificateSet certificates, IReadOnlyList<NodeInstallSpec> specs,
            string snapshotFolder, int timeoutSeconds, bool joinersAllowed)
        {
            var names = specs.Select(s => s.Member.Name).ToList();
            var events = new ConcurrentQueue<(int Index, string Status)>();
            EtcdClient client;
            try { client = UpgradeClient(target, certificates); }
            catch (EtcdOpsException ex) { WriteFailure(ex, target); return new UpgradeOutcome(); }
            using var upgrade = new RollingUpgrade(target, client, (m, ct) => ConnectAsync(m, ct), p => events.Enqueue((names.IndexOf(p.Member), p.Phase)), Cancellation)
            {
                StepTimeout = TimeSpan.FromSeconds(timeoutSeconds),
            };
            try
            {
                var plan = Run($"Checking cluster '{target.Name}' for the upgrade to etcd {target.Version}", names, events, () => upgrade.PlanAsync(specs, joinersAllowed));
                foreach (var name in plan.AlreadyCurrent) WriteVerbose($"{name} runs etcd {plan.Target} already: skipped.");
                if (plan.NothingToDo) return new UpgradeOutcome { Completed = true };
                var folder = ResolvePath(snapshotFolder);
                // Every question is asked (so -WhatIf prints the whole plan); nothing runs without the snapshot.
                var snapshotApproved = ShouldProcess(folder, $"Save a snapshot of cluster '{target.Name}' before the upgrade to etcd {plan.Target}");
                var approved = plan.Steps.Where(s => ShouldProcess(s.Spec.DisplayName, s.Description)).ToList();
                if (!snapshotApproved || approved.Count == 0) return new UpgradeOutcome();
                foreach (var arch in approved.GroupBy(s => s.Architecture))
                {
                    var archive = ResolveRelease(target, arch.Key);
                    foreach (var s in arch) s.Spec.ReleaseArchivePath = archive.ArchivePath;
                }
                var snapshot = WithTransferProgress($"Saving a snapshot of cluster '{target.Name}' before the upgrade", folder,
                    progress => upgrade.SnapshotAsync(folder, progress.Report));
                WriteVerbose($"Snapshot before the upgrade: {snapshot.Path} ({snapshot.Size} bytes, revision {snapshot.Revision}, etcd {snapshot.EtcdVersion}).");
                var steps = Run($"Upgrading cluster '{target.Name}' to etcd {plan.Target}, one member at a time", names, events,
                    () => upgrade.RunAsync(new UpgradePlan(plan.Target, approved, plan.AlreadyCurrent), snapshot.Path));
                foreach (var step in steps)
                    WriteVerbose($"{step.Name}: etcd {step.From} -> {step.To}{(step.WasLeader ? " (was the leader; leadership moved first)" : "")} in {step.Duration.TotalSeconds:0.0} s.");
                return new UpgradeOutcome { Completed = approved.Count == plan.Steps.Count, Snapshot = snapshot, Steps = steps };
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, target);
                return new UpgradeOutcome();
            }
        }
    }
}
