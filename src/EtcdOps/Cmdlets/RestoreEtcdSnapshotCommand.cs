using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Restore, "EtcdSnapshot", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High, DefaultParameterSetName = PathSet)]
    [OutputType(typeof(EtcdCluster))]
    public sealed class RestoreEtcdSnapshotCommand : EtcdSshCmdlet, IDynamicParameters
    {
        private const string PathSet = "Path";
        private const string SnapshotSet = "Snapshot";

        /// <summary>The cluster to restore: its members (they may be other hosts than the snapshot's), version and data dir.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCluster Cluster { get; set; } = null!;

        /// <summary>A snapshot file on this machine (from Save-EtcdSnapshot, or etcdctl snapshot save).</summary>
        [Parameter(Mandatory = true, Position = 0, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = "";

        /// <summary>A snapshot from Get-EtcdSnapshot or Save-EtcdSnapshot: a local file, or one on a member's host (Member set).</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SnapshotSet)]
        public EtcdSnapshot Snapshot { get; set; } = null!;

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet? CertificateSet { get; set; }

        /// <summary>Revisions to add after the restore (etcdutl --bump-revision; etcd 3.5.10+; needs -MarkCompacted).</summary>
        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long BumpRevision { get; set; }

        /// <summary>Mark the restored revision compacted (etcdutl --mark-compacted), so watchers resume with a compaction error instead of missing events.</summary>
        [Parameter]
        public SwitchParameter MarkCompacted { get; set; }

        /// <summary>How long to wait for the restored cluster to become healthy, in seconds.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 120;

        /// <summary>-Release and -ReleaseBaseUrl (<see cref="EtcdReleaseParameters"/>).</summary>
        public object GetDynamicParameters() => ReleaseParameters;

        protected override void ProcessRecord()
        {
            try { Restore(); }
            catch (EtcdOpsException ex) { ThrowFailure(ex, Cluster); }
        }

        private void Restore()
        {
            var snapshot = ResolveSnapshot();
            var certificates = CertificateSet ?? throw new EtcdOpsException(ErrorIds.CertificateSetRequired, FailureKind.InvalidArgument,
                $"Cluster '{Cluster.Name}': no certificates. Pass -CertificateSet (from New-EtcdCertificateSet or Import-EtcdCertificateSet).", Cluster);
            // The configs are rendered with a new token; a re-run of an interrupted restore keeps the token that run chose.
            var target = Cluster.Clone();
            target.Token = EtcdCluster.NewToken(target.Name);
            var configs = EtcdConfigRenderer.Render(target, certificates, new EtcdConfigOptions(), out var notes);
            foreach (var note in notes) WriteVerbose(note);
            Preflight(target, configs, certificates);
            var version = EtcdVersion.Parse(target.Version).ToString();
            var specs = configs.Select(c => BuildSpec(target, c, version)).ToList();

            var names = specs.Select(s => s.Member.Name).ToList();
            var events = new ConcurrentQueue<(int Index, string Status)>();
            var health = EtcdClusterHealth.ForCluster(target, certificates);
            using var installer = new ClusterInstaller((s, ct) => ConnectAsync(s.Member, ct), (m, ct) => System.Threading.Tasks.Task.CompletedTask, null,
                p => events.Enqueue((names.IndexOf(p.Member), p.Phase)));
            var restorer = new SnapshotRestorer(installer,
                (members, ct) => health.WaitAsync(target, members, TimeSpan.FromSeconds(TimeoutSeconds), ct),
                p => events.Enqueue((names.IndexOf(p.Member), p.Phase)),
                health.Membership(target));
            var request = new RestoreRequest(target, snapshot) { BumpRevision = BumpRevision, MarkCompacted = MarkCompacted };

            // Look first (read-only, every host), so -WhatIf and -Confirm show per host what would change.
            var plan = Run($"Inspecting the hosts of cluster '{Cluster.Name}'", names, events, () => restorer.PlanAsync(request, specs, Cancellation));
            foreach (var failure in restorer.Failures)
                WriteHostFailure(failure.Value, Cluster.FindMember(failure.Key) ?? (object)failure.Key);
            if (!restorer.Failures.IsEmpty) return;   // nothing was changed on any host
            foreach (var warning in plan.Warnings) WriteWarning(warning);
            if (plan.Continues) WriteVerbose($"Continuing an interrupted restore of this snapshot (token {plan.Token}).");

            var approved = plan.Hosts.Where(h => ShouldProcess(h.Target, $"Restore {snapshot.Path} (revision {snapshot.Revision}): {h.Description}")).ToList();
            if (approved.Count < plan.Hosts.Count)
            {
                if (approved.Count > 0) WriteWarning($"A restore changes every member of cluster '{Cluster.Name}' or none; {plan.Hosts.Count - approved.Count} were declined, so nothing was changed.");
                return;
            }
            foreach (var group in plan.Hosts.Where(h => h.Install.InstallsBinaries).GroupBy(h => h.Install.Architecture))
            {
                var release = ResolveRelease(target, group.Key);
                foreach (var h in group) h.Install.UseRelease(release.ArchivePath);
            }

            var results = Run($"Restoring cluster '{Cluster.Name}' from {snapshot.Path}", names, events, () => restorer.ApplyAsync(plan, Cancellation));
            foreach (var r in results) WriteVerbose($"{r.Name}: {string.Join(", ", r.Changes)} ({r.Duration.TotalSeconds:0.0} s)");
            WriteObject(plan.Restored);
        }

        /// <summary>A local file is checked here (trailer, metadata) whatever the object says; a file on a member's host is checked there.</summary>
        private EtcdSnapshot ResolveSnapshot()
        {
            if (ParameterSetName == SnapshotSet && Snapshot.Member.Length > 0) return Snapshot;
            var full = ParameterSetName == SnapshotSet ? Snapshot.Path : ResolvePath(Path);
            if (!System.IO.File.Exists(full))
                ThrowInvalidArgument(ErrorIds.InvalidSnapshotPath, $"'{full}' is not a snapshot file. Give a file from Save-EtcdSnapshot (Get-EtcdSnapshot lists a folder's).", full);
            return SnapshotFile.Inspect(full);
        }
    }
}
