using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>The refusals of Add-EtcdMember and Remove-EtcdMember, decided from the live cluster before anything changes: pure, unit-tested.</summary>
    internal static class MembershipChecks
    {
        /// <summary>Voting members that did not answer (or that the inventory does not name, so were not asked).</summary>
        public static IReadOnlyList<LiveMember> SilentVoters(LiveCluster live) => live.Map.Voters.Where(m => !m.Answered).ToList();

        public static void CheckCanAdd(EtcdCluster grown, EtcdMember member, LiveCluster live)
        {
            var peerUrl = grown.PeerUrl(member);
            var byName = live.Map.Members.FirstOrDefault(m => string.Equals(m.Name, member.Name, StringComparison.OrdinalIgnoreCase));
            if (byName != null)
                throw new EtcdOpsException(ErrorIds.MemberNameInUse, FailureKind.InvalidArgument,
                    $"Cluster '{grown.Name}' already has a member named '{member.Name}' ({EtcdClient.Hex(byName.Id)} at {string.Join(",", byName.PeerUrls)}), though the inventory does not name it. Nothing was changed.", member);
            var byUrl = live.Map.FindByPeerUrl(peerUrl);
            if (byUrl != null)
                throw new EtcdOpsException(ErrorIds.MemberAddressInUse, FailureKind.InvalidArgument,
                    $"A member of cluster '{grown.Name}' already has the peer URL {peerUrl} ({(byUrl.Name.Length > 0 ? byUrl.Name : "unstarted")} {EtcdClient.Hex(byUrl.Id)}). Nothing was changed. " +
                    "When it is this member, added by a run that was interrupted, run Install-EtcdNode with the grown inventory: it finishes the join.", member);
            var learner = live.Map.Learner;
            if (learner != null)
                throw new EtcdOpsException(ErrorIds.LearnerPending, FailureKind.InvalidOperation,
                    $"Cluster '{grown.Name}' already has a learner ({(learner.Name.Length > 0 ? learner.Name : "unstarted")} {EtcdClient.Hex(learner.Id)} at {string.Join(",", learner.PeerUrls)}), and etcd allows one at a time. Nothing was changed. " +
                    "Run Install-EtcdNode with the inventory that names it (it starts and promotes it), or remove it with Remove-EtcdMember.", member);
            var silent = SilentVoters(live);
            if (silent.Count > 0)
                throw new EtcdOpsException(ErrorIds.ClusterUnhealthy, FailureKind.InvalidOperation,
                    $"Cluster '{grown.Name}' is not healthy: {string.Join(", ", silent.Select(Describe))} did not answer. Nothing was changed. " +
                    "A new member raises the quorum; bring every member up first (Start-EtcdNode, Wait-EtcdCluster).", grown);
        }

        /// <summary>The entry to remove; throws when the removal is refused.</summary>
        public static LiveMember CheckCanRemove(EtcdCluster cluster, string name, LiveCluster live, bool force)
        {
            var inventory = cluster.FindMember(name);
            var members = live.Map.Members;
            var entry = members.FirstOrDefault(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase))
                ?? (inventory == null ? null : live.Map.FindByPeerUrl(cluster.PeerUrl(inventory)));
            if (entry == null)
                throw new EtcdOpsException(ErrorIds.MemberNotInCluster, FailureKind.ObjectNotFound,
                    $"Cluster '{cluster.Name}' has no member '{name}' in its member list (members: {string.Join(", ", members.Select(Describe))}). Nothing was changed.", name);
            if (members.Count == 1)
                throw new EtcdOpsException(ErrorIds.LastMemberRemovalRefused, FailureKind.InvalidOperation,
                    $"'{name}' is the last member of cluster '{cluster.Name}': removing it would end the cluster and its data. Nothing was changed. To take the cluster down, use Uninstall-EtcdNode.", name);
            if (entry.IsLearner || force) return entry;
            var votersAfter = live.Map.Voters.Count(m => m.Id != entry.Id);
            var silent = SilentVoters(live).Where(m => m.Id != entry.Id).ToList();
            var healthyAfter = votersAfter - silent.Count;
            var needed = QuorumGuard.Needed(votersAfter);
            if (healthyAfter < needed)
                throw new EtcdOpsException(ErrorIds.QuorumWouldBeLost, FailureKind.InvalidOperation,
                    $"Removing {name} would leave {votersAfter} voting members of which {healthyAfter} answer ({string.Join(", ", silent.Select(Describe))} did not); " +
                    $"they need {needed} for quorum. Nothing was changed. Bring those members back first (Start-EtcdNode), or use -Force to go ahead anyway.", name);
            return entry;
        }

        private static string Describe(LiveMember m) => (m.IsStarted ? m.Name : "unstarted") + " " + m.ID;
    }

    /// <summary>What Remove-EtcdMember did.</summary>
    public sealed class EtcdMemberRemoval
    {
        public string Name { get; set; } = "";
        public string ID { get; set; } = "";
        public bool LeadershipMoved { get; set; }
        public bool HostCleaned { get; set; }
        /// <summary>Where the data dir went (data-dir.removed-time); empty when there was none or the host was not reached.</summary>
        public EtcdList<string> MovedTo { get; set; } = new EtcdList<string>();
        public TimeSpan Duration { get; set; }
    }

    /// <summary>
    /// Takes one member out of a running cluster: leadership moved away when it leads, member remove through the API,
    /// then on its host etcd stopped and disabled and the data dir moved aside. A host that cannot be reached does not
    /// stop the removal (the cluster no longer counts the member); <see cref="HostFailure"/> says why it was not cleaned.
    /// </summary>
    internal sealed class MemberRemover
    {
        private readonly IClusterMembership _membership;
        private readonly Func<CancellationToken, Task<IRemoteHost>>? _connect;
        private readonly Func<IRemoteHost, CancellationToken, Task<EtcdHostLayout>> _layout;

        /// <param name="connect">Opens the member's host; null when the host is unknown (no address to reach).</param>
        public MemberRemover(IClusterMembership membership, Func<CancellationToken, Task<IRemoteHost>>? connect, Func<IRemoteHost, CancellationToken, Task<EtcdHostLayout>> layout)
        {
            _membership = membership; _connect = connect; _layout = layout;
        }

        public Exception? HostFailure { get; private set; }

        internal Func<DateTime> UtcNow { get; set; } = () => DateTime.UtcNow;

        public async Task<EtcdMemberRemoval> RemoveAsync(LiveCluster live, LiveMember entry, Action<string> report, CancellationToken cancellation)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var result = new EtcdMemberRemoval { Name = entry.Name, ID = entry.ID };
            // Connect while leadership moves and the member goes: the host step then costs one round trip.
            var connecting = _connect == null ? null : _connect(cancellation);
            var leader = live.Map.Leader;
            if (leader != null && leader.Id == entry.Id && leader.Answered)
            {
                // A leader move must reach the leader; it goes to another voter that answers.
                var to = live.Map.AnsweringVoters.FirstOrDefault(v => v.Id != entry.Id);
                if (to != null)
                {
                    report("Moving leadership away");
                    await _membership.MoveLeaderAsync(leader.Endpoint!, to.Id, cancellation).ConfigureAwait(false);
                    result.LeadershipMoved = true;
                }
            }
            report("Removing the member");
            try { await _membership.RemoveAsync(entry.Id, cancellation).ConfigureAwait(false); }
            catch
            {
                _ = connecting?.ContinueWith(t => { if (t.Status == TaskStatus.RanToCompletion) t.Result.Dispose(); else _ = t.Exception; }, TaskScheduler.Default);
                throw;
            }
            if (connecting == null)
            {
                HostFailure = new InvalidOperationException("the host's address is not known");
                result.Duration = clock.Elapsed;
                return result;
            }
            try
            {
                report("Stopping etcd and moving its data aside");
                using var host = await connecting.ConfigureAwait(false);
                var layout = await _layout(host, cancellation).ConfigureAwait(false);
                await NodeService.DisableAsync(host, layout, cancellation).ConfigureAwait(false);
                foreach (var moved in await NodeService.MoveDataAsideAsync(host, layout, UtcNow(), cancellation).ConfigureAwait(false)) result.MovedTo.Add(moved);
                result.HostCleaned = true;
            }
            catch (OperationCanceledException) { throw; }
            catch (Exception ex) { HostFailure = ex; }
            result.Duration = clock.Elapsed;
            return result;
        }
    }
}
