using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Add, "EtcdMember", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdCluster))]
    public sealed class AddEtcdMemberCommand : EtcdSshCmdlet, IDynamicParameters
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCluster Cluster { get; set; } = null!;

        /// <summary>The new member: a hashtable (Name, Address, SshHost, SshPort, SshUser) or an EtcdMember.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        public object Member { get; set; } = null!;

        /// <summary>The cluster's certificate set; it must hold the new member's certificates (New-EtcdCertificateSet on the set's folder issues them).</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet CertificateSet { get; set; } = null!;

        /// <summary>How long to wait for the cluster and for the new member to catch up, in seconds.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 120;

        /// <summary>-Release and -ReleaseBaseUrl (<see cref="EtcdReleaseParameters"/>).</summary>
        public object GetDynamicParameters() => ReleaseParameters;

        protected override void ProcessRecord()
        {
            try { Add(); }
            catch (EtcdOpsException ex) { ThrowFailure(ex, Cluster); }
        }

        private void Add()
        {
            var member = NewEtcdClusterCommand.ToMember(Member, Cluster.Members.Count);
            var peerUrl = Cluster.PeerUrl(member);
            // Refusals that need no host and no network first.
            if (Cluster.FindMember(member.Name) != null)
                throw new EtcdOpsException(ErrorIds.MemberNameInUse, FailureKind.InvalidArgument,
                    $"Cluster '{Cluster.Name}' already has a member named '{member.Name}'. Nothing was changed. Choose another name, or remove the old member first (Remove-EtcdMember).", member);
            var sameAddress = Cluster.Members.FirstOrDefault(m => Cluster.PeerUrl(m) == peerUrl);
            if (sameAddress != null)
                throw new EtcdOpsException(ErrorIds.MemberAddressInUse, FailureKind.InvalidArgument,
                    $"Member '{sameAddress.Name}' of cluster '{Cluster.Name}' already has the address {member.Address}. Nothing was changed.", member);

            var grown = Cluster.Clone();
            grown.Members.Add(member);
            var configs = EtcdConfigRenderer.Render(grown, CertificateSet, new EtcdConfigOptions(), out var notes);
            foreach (var note in notes) WriteVerbose(note);
            Preflight(grown, configs, CertificateSet);
            var config = configs.Single(c => c.Member.Name == member.Name);
            var version = EtcdVersion.Parse(grown.Version).ToString();
            var spec = BuildSpec(grown, config, version);

            var health = EtcdClusterHealth.ForCluster(grown, CertificateSet);
            var membership = health.Membership(grown);
            membership.PromoteTimeout = TimeSpan.FromSeconds(TimeoutSeconds);
            var live = Run("Reading the cluster's members", new[] { member.Name }, new ConcurrentQueue<(int, string)>(), () => membership.ReadAsync(Cancellation))
                ?? throw new EtcdOpsException(ErrorIds.ClusterUnhealthy, FailureKind.ConnectionError,
                    $"No member of cluster '{Cluster.Name}' answers at {string.Join(", ", Cluster.ClientUrls)}. Nothing was changed. Start the cluster first (Start-EtcdNode, Wait-EtcdCluster).", Cluster);
            MembershipChecks.CheckCanAdd(grown, member, live);

            var events = new ConcurrentQueue<(int Index, string Status)>();
            using var installer = new ClusterInstaller(
                (s, ct) => ConnectAsync(s.Member, ct),
                (wanted, ct) => health.WaitAsync(grown, wanted, TimeSpan.FromSeconds(TimeoutSeconds), ct),
                membership,
                p => events.Enqueue((0, p.Phase)));
            var names = new[] { member.Name };
            var plans = Run($"Inspecting {spec.DisplayName}", names, events, () => installer.PlanAsync(new[] { spec }, Cancellation));
            foreach (var failure in installer.Failures) ThrowFailure(AsEtcdOps(failure.Value, spec.DisplayName), member);
            foreach (var warning in installer.Warnings) WriteWarning(warning);
            var plan = plans.Single();
            if (!plan.Joins)
                throw new EtcdOpsException(ErrorIds.MemberAddressInUse, FailureKind.InvalidOperation,
                    $"{spec.DisplayName} is already a member of cluster '{Cluster.Name}'. Nothing was changed; Install-EtcdNode with an inventory that names it manages it.", member);
            if (!ShouldProcess(plan.Target, plan.Description)) return;
            if (plan.InstallsBinaries) plan.UseRelease(ResolveRelease(grown, plan.Architecture).ArchivePath);

            var results = Run($"Adding {member.Name} to cluster '{Cluster.Name}'", names, events, () => installer.ApplyAsync(plans, Cancellation));
            foreach (var failure in installer.Failures) ThrowFailure(AsEtcdOps(failure.Value, spec.DisplayName), member);
            foreach (var r in results) WriteVerbose($"{r.Name}: {string.Join(", ", r.Changes)} ({r.Duration.TotalSeconds:0.0} s)");
            WriteObject(grown);
        }

        private static EtcdOpsException AsEtcdOps(Exception error, string target)
        {
            var inner = error is AggregateException agg && agg.InnerExceptions.Count == 1 ? agg.InnerExceptions[0] : error;
            return inner as EtcdOpsException ?? new EtcdOpsException(ErrorIds.HostOperationFailed, FailureKind.ConnectionError, $"{target}: {inner.Message}", target, inner);
        }
    }
}
