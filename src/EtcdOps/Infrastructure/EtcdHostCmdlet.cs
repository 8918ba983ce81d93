using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    /// <summary>
    /// Base for cmdlets that work on the hosts of a cluster's members: target resolution (a cluster, optionally
    /// narrowed to -Member names) on top of <see cref="EtcdSshCmdlet"/>.
    /// </summary>
    public abstract class EtcdHostCmdlet : EtcdSshCmdlet
    {
        private readonly List<EtcdCluster> _clusters = new List<EtcdCluster>();

        // Virtual so that a cmdlet that also works without hosts (Get-EtcdCertificate -Path) can put it in a parameter set.
        [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public virtual EtcdCluster Cluster { get; set; } = null!;

        /// <summary>Only these members (by name); all members when omitted.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? Member { get; set; }

        /// <summary>Clusters piped in (several node configs of one cluster count once).</summary>
        protected IReadOnlyList<EtcdCluster> Clusters => _clusters;

        protected override void ProcessRecord()
        {
            if (!_clusters.Any(c => ReferenceEquals(c, Cluster) || (c.Name == Cluster.Name && c.Token == Cluster.Token)))
                _clusters.Add(Cluster);
        }

        /// <summary>The selected members of a cluster; unknown -Member names are a terminating error.</summary>
        protected IReadOnlyList<EtcdMember> SelectMembers(EtcdCluster cluster)
        {
            if (Member == null || Member.Length == 0) return cluster.Members;
            var unknown = Member.Where(n => cluster.FindMember(n) == null).ToList();
            if (unknown.Count > 0)
                ThrowInvalidArgument(ErrorIds.UnknownMember,
                    $"Cluster '{cluster.Name}' has no member named {string.Join(", ", unknown.Select(u => "'" + u + "'"))}. Its members are {string.Join(", ", cluster.Members.Select(m => m.Name))}.",
                    unknown);
            return cluster.Members.Where(m => Member.Contains(m.Name, StringComparer.OrdinalIgnoreCase)).ToList();
        }

        /// <summary>The etcd service state of every member of the cluster whose host answers (the others count as down).</summary>
        protected IReadOnlyList<EtcdNodeState> ReadStates(EtcdCluster cluster, IReadOnlyList<EtcdMember>? members = null) =>
            RunOnHosts("Reading etcd service state", members ?? cluster.Members, async (m, host, report, ct) =>
                await NodeService.GetStateAsync(host, m, await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false), ct).ConfigureAwait(false));

        /// <summary>Runs a systemctl action on each member's etcd service, then reads the service's state back.</summary>
        private protected IReadOnlyList<EtcdNodeState> RunServiceAction(string activity, EtcdCluster cluster, IReadOnlyList<EtcdMember> members, string step,
            Func<IRemoteHost, EtcdHostLayout, CancellationToken, Task> action) =>
            RunOnHosts(activity, members, async (m, host, report, ct) =>
            {
                var layout = await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false);
                report(step);
                await action(host, layout, ct).ConfigureAwait(false);
                return await NodeService.GetStateAsync(host, m, layout, ct).ConfigureAwait(false);
            });

    }
}
