using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Install, "EtcdNode", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdNodeInstallResult))]
    public sealed class InstallEtcdNodeCommand : EtcdHostCmdlet, IDynamicParameters
    {
        private readonly List<EtcdNodeConfig> _configs = new List<EtcdNodeConfig>();

        /// <summary>Rendered configs from New-EtcdConfig; without them the default config is rendered.</summary>
        [Parameter(ValueFromPipeline = true)]
        public EtcdNodeConfig[]? NodeConfig { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet? CertificateSet { get; set; }

        /// <summary>How long to wait for the cluster to become healthy, in seconds.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 120;

        /// <summary>Where the snapshot goes when the run upgrades a running cluster to another version (rolling, as Update-EtcdNode). Default: the current folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string SnapshotPath { get; set; } = ".";

        /// <summary>-Release and -ReleaseBaseUrl (<see cref="EtcdReleaseParameters"/>).</summary>
        public object GetDynamicParameters() => ReleaseParameters;

        protected override void ProcessRecord()
        {
            base.ProcessRecord();
            if (NodeConfig != null) _configs.AddRange(NodeConfig);
        }

        protected override void EndProcessing()
        {
            foreach (var cluster in Clusters)
            {
                try { InstallCluster(cluster); }
                catch (EtcdOpsException ex) { WriteFailure(ex, cluster); }
            }
        }

        private void InstallCluster(EtcdCluster cluster, UpgradeOutcome? upgraded = null)
        {
            var configs = ResolveConfigs(cluster, out var certificates);
            Preflight(cluster, configs, certificates);
            var members = SelectMembers(cluster);
            var version = EtcdVersion.Parse(cluster.Version).ToString();
            var specs = configs.Where(c => members.Any(m => m.Name == c.Member.Name)).Select(c => BuildSpec(cluster, c, version)).ToList();
            if (specs.Count == 0) return;

            var names = specs.Select(s => s.Member.Name).ToList();
            var events = new ConcurrentQueue<(int Index, string Status)>();
            var client = EtcdClusterHealth.ForCluster(cluster, certificates);
            using var installer = new ClusterInstaller(
                (spec, ct) => ConnectAsync(spec.Member, ct),
                (wanted, ct) => client.WaitAsync(cluster, wanted, TimeSpan.FromSeconds(TimeoutSeconds), ct),
                client.Membership(cluster),
                p => events.Enqueue((names.IndexOf(p.Member), p.Phase)));

            if (ReleaseParameters.Release != null) installer.PrepareRelease(ReleaseParameters.Release.ArchivePath);
            // Look first (read-only, every host), so -WhatIf and -Confirm show per host what would change.
            var plans = Run($"Inspecting the hosts of cluster '{cluster.Name}'", names, events, () => installer.PlanAsync(specs, Cancellation));
            foreach (var failure in installer.Failures)
                WriteHostFailure(failure.Value, cluster.FindMember(failure.Key) ?? (object)failure.Key);
            foreach (var warning in installer.Warnings) WriteWarning(warning);
            if (!installer.Failures.IsEmpty) return;   // nothing was changed on any host
            if (upgraded == null)
            {
                // A running cluster on another version goes the one rolling-upgrade path (Update-EtcdNode's), then the rest is installed.
                var refusal = UpgradeRules.CheckInstalled(plans, EtcdVersion.Parse(version));
                if (refusal != null) throw refusal;
                var inCluster = specs.Where(s => plans.Any(p => p.MemberName == s.Member.Name && p.Bootstrapped && p.Role == MemberRole.Member)).ToList();
                if (inCluster.Count > 0 && plans.Any(p => p.WasActive) &&
                    UpgradeRules.RunsOtherVersion(UpgradeClient(cluster, certificates).GetStatus(cluster.ClientUrls, Cancellation).Select(r => r.Row), EtcdVersion.Parse(version)))
                {
                    installer.Dispose();
                    var outcome = RunRollingUpgrade(cluster, certificates, inCluster, SnapshotPath, TimeoutSeconds, joinersAllowed: true);
                    if (outcome.Completed) InstallCluster(cluster, outcome);
                    return;
                }
            }
            var approved = plans.Where(p => ShouldProcess(p.Target, p.Description)).ToList();
            if (approved.Count == 0) return;
            foreach (var plan in approved.Where(p => p.InstallsBinaries).GroupBy(p => p.Architecture))
            {
                var release = ResolveRelease(cluster, plan.Key);
                foreach (var p in plan) p.UseRelease(release.ArchivePath);
            }

            var results = Run($"Installing etcd {version} on cluster '{cluster.Name}'", names, events, () => installer.ApplyAsync(approved, Cancellation));
            foreach (var failure in installer.Failures)
                WriteHostFailure(failure.Value, cluster.FindMember(failure.Key) ?? (object)failure.Key);
            foreach (var step in upgraded?.Steps ?? Array.Empty<EtcdMemberUpgrade>())
            {
                var result = results.FirstOrDefault(r => r.Name == step.Name);
                if (result == null) continue;
                result.Changes.Insert(0, $"etcd {step.From} -> {step.To} (rolling upgrade{(upgraded!.Snapshot != null ? ", snapshot " + upgraded.Snapshot.Path : "")})");
                result.Restarted = result.Changed = true;
            }
            WriteObject(results, true);
        }

        private List<EtcdNodeConfig> ResolveConfigs(EtcdCluster cluster, out EtcdCertificateSet certificates)
        {
            var piped = _configs.Where(c => c.Cluster.Token == cluster.Token && c.Cluster.Name == cluster.Name).ToList();
            certificates = CertificateSet ?? piped.Select(c => c.CertificateSet).FirstOrDefault(c => c != null)
                ?? throw new EtcdOpsException(ErrorIds.CertificateSetRequired, FailureKind.InvalidArgument,
                    $"Cluster '{cluster.Name}': no certificates. Pass -CertificateSet (from New-EtcdCertificateSet or Import-EtcdCertificateSet), or pipe configs made by New-EtcdConfig -CertificateSet.", cluster);
            if (piped.Count > 0)
            {
                var missing = cluster.Members.Where(m => piped.All(c => c.Member.Name != m.Name)).Select(m => m.Name).ToList();
                if (missing.Count > 0 && (Member == null || Member.Any(n => missing.Contains(n, StringComparer.OrdinalIgnoreCase))))
                    throw new EtcdOpsException(ErrorIds.NodeConfigMissing, FailureKind.InvalidArgument,
                        $"Cluster '{cluster.Name}': no config for {string.Join(", ", missing)}. Pipe the whole output of New-EtcdConfig, or omit the configs to use the defaults.", cluster);
                return piped;
            }
            var rendered = EtcdConfigRenderer.Render(cluster, certificates, new EtcdConfigOptions(), out var notes);
            foreach (var note in notes) WriteWarning(note);
            return rendered.ToList();
        }

    }
}
