using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Update, "EtcdNode", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EtcdCluster))]
    public sealed class UpdateEtcdNodeCommand : EtcdHostCmdlet, IDynamicParameters
    {
        /// <summary>The etcd version to go to (major.minor.patch).</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Version { get; set; } = "";

        /// <summary>The cluster's certificates: the client certificate for the API, and the files conf.yml names.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet CertificateSet { get; set; } = null!;

        /// <summary>The folder the snapshot taken before the upgrade goes to. Default: the current folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string SnapshotPath { get; set; } = ".";

        /// <summary>How long the cluster may take to be healthy before each step, and each member to be healthy and caught up after its restart, in seconds.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 120;

        /// <summary>-Release and -ReleaseBaseUrl (<see cref="EtcdReleaseParameters"/>).</summary>
        public object GetDynamicParameters() => ReleaseParameters;

        protected override void EndProcessing()
        {
            EtcdVersion target = null!;
            try { target = EtcdVersion.Parse(Version); }
            catch (EtcdOpsException ex) { ThrowFailure(ex, Version); }
            foreach (var cluster in Clusters)
            {
                try { Upgrade(cluster, target); }
                catch (EtcdOpsException ex) { WriteFailure(ex, cluster); }
            }
        }

        private void Upgrade(EtcdCluster cluster, EtcdVersion target)
        {
            var next = cluster.Clone();
            next.Version = target.ToString();
            // conf.yml as Install-EtcdNode renders it for the new version (keys differ between versions: tls-min-version from
            // 3.5, allowed-cn from 3.5.14, no enable-v2 in 3.6). For a config made with New-EtcdConfig options, pipe those
            // configs to Install-EtcdNode with the new Version instead: it takes this same path.
            var configs = EtcdConfigRenderer.Render(next, CertificateSet, new EtcdConfigOptions(), out var notes);
            foreach (var note in notes) WriteWarning(note);
            Preflight(next, configs, CertificateSet);
            var members = SelectMembers(next);
            var specs = configs.Where(c => members.Any(m => m.Name == c.Member.Name)).Select(c => BuildSpec(next, c, next.Version)).ToList();
            var outcome = RunRollingUpgrade(next, CertificateSet, specs, SnapshotPath, TimeoutSeconds, joinersAllowed: false);
            if (!outcome.Completed) return;
            var result = PSObject.AsPSObject(next);
            // The snapshot taken before the upgrade, beside the cluster (Export-EtcdCluster takes the cluster alone).
            result.Properties.Add(new PSNoteProperty("Snapshot", outcome.Snapshot));
            WriteObject(result);
        }
    }
}
