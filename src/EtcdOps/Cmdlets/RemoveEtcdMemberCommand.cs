using System;
using System.Collections.Concurrent;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Remove, "EtcdMember", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.High)]
    [OutputType(typeof(EtcdCluster))]
    public sealed class RemoveEtcdMemberCommand : EtcdSshCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCluster Cluster { get; set; } = null!;

        /// <summary>The name of the member to remove.</summary>
        [Parameter(Mandatory = true, Position = 0)]
        [ValidateNotNullOrEmpty]
        public string Member { get; set; } = "";

        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet CertificateSet { get; set; } = null!;

        /// <summary>Remove even when the members left would not keep quorum. The last member is never removed.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Write what was done (an EtcdMemberRemoval) instead of the updated cluster.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            try { Remove(); }
            catch (EtcdOpsException ex) { ThrowFailure(ex, Member); }
        }

        private void Remove()
        {
            var health = EtcdClusterHealth.ForCluster(Cluster, CertificateSet);
            var membership = health.Membership(Cluster);
            var names = new[] { Member };
            var events = new ConcurrentQueue<(int Index, string Status)>();
            var live = Run("Reading the cluster's members", names, events, () => membership.ReadAsync(Cancellation))
                ?? throw new EtcdOpsException(ErrorIds.NoVotingMemberAnswered, FailureKind.ConnectionError,
                    $"No member of cluster '{Cluster.Name}' answers at {string.Join(", ", Cluster.ClientUrls)}, so its member list cannot be changed. Nothing was changed.", Cluster);
            var entry = MembershipChecks.CheckCanRemove(Cluster, Member, live, Force);

            // The host: the inventory's member, else the address in its peer URL.
            var member = Cluster.FindMember(Member) ?? Cluster.Members.FirstOrDefault(m => entry.HasPeerUrl(Cluster.PeerUrl(m)));
            if (member == null && entry.PeerUrls.Count > 0 && Uri.TryCreate(entry.PeerUrls[0], UriKind.Absolute, out var peer))
                member = new EtcdMember(entry.IsStarted ? entry.Name : Member, peer.Host.Trim('[', ']'));
            var target = $"{Member} ({entry.ID}{(member != null ? ", " + member.SshTarget : "")})";
            var leads = live.Map.Leader?.Id == entry.Id;
            var action = (leads ? "move leadership to another member; " : "") + $"remove the member from cluster '{Cluster.Name}'" +
                (member != null ? "; stop and disable etcd on its host and move its data dir aside to <data-dir>.removed-<UTC time>" : " (its host is unknown: not cleaned)");
            if (!ShouldProcess(target, action)) return;

            var remover = new MemberRemover(membership,
                member == null ? null : (Func<System.Threading.CancellationToken, System.Threading.Tasks.Task<IRemoteHost>>)(ct => ConnectAsync(member, ct)),
                (host, ct) => ReadLayoutAsync(Cluster, host, ct));
            var result = Run($"Removing {Member} from cluster '{Cluster.Name}'", names, events,
                () => remover.RemoveAsync(live, entry, s => events.Enqueue((0, s)), Cancellation));
            if (remover.HostFailure != null)
                WriteWarning($"{target} was removed from the cluster, but its host was not cleaned ({remover.HostFailure.Message}). " +
                    "Stop and disable etcd there and move its data dir aside before the host joins any cluster again (Uninstall-EtcdNode -RemoveData does both).");
            foreach (var moved in result.MovedTo) WriteVerbose($"{Member}: data moved aside to {moved}");

            var shrunk = Cluster.Clone();
            var gone = shrunk.FindMember(Member);
            if (gone != null) shrunk.Members.Remove(gone);
            if (PassThru) WriteObject(result);
            else WriteObject(shrunk);
        }
    }
}
