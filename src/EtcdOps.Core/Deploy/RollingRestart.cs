using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>
    /// The order of every rolling step over a cluster's members (restart, upgrade) and the leader's hand-over before
    /// its own step: one place, so that Restart-EtcdNode, a CA rotation and a rolling upgrade decide alike.
    /// </summary>
    internal static class RollingOrder
    {
        /// <summary>
        /// <paramref name="members"/> in their order with the current leader moved to the end: it hands leadership over
        /// before its step, so the cluster elects once instead of at every step. Without a map (no member answered) the
        /// order stays as given.
        /// </summary>
        public static IReadOnlyList<EtcdMember> LeaderLast(EtcdCluster cluster, EtcdMemberMap? map, IEnumerable<EtcdMember> members)
        {
            var leader = LeaderOf(cluster, map);
            var list = members.ToList();
            return list.Where(m => m.Name != leader).Concat(list.Where(m => m.Name == leader)).ToList();
        }

        /// <summary>The inventory name of the member the cluster follows; null when none is known.</summary>
        public static string? LeaderOf(EtcdCluster cluster, EtcdMemberMap? map) =>
            map?.Leader == null ? null : UpgradeRules.FindInventory(cluster, map.Leader)?.Name;

        /// <summary>
        /// The voting member that takes over from <paramref name="leader"/>: another one that answered, those
        /// <paramref name="preferred"/> names first; null when no other voter answers.
        /// </summary>
        public static LiveMember? Heir(EtcdMemberMap map, LiveMember leader, Func<LiveMember, bool>? preferred = null) =>
            map.AnsweringVoters.Where(v => v != leader).OrderBy(v => preferred != null && preferred(v) ? 0 : 1).FirstOrDefault();

        /// <summary>Moves leadership to <paramref name="heir"/> through the current leader (nothing when it leads already).</summary>
        public static Task HandOverAsync(EtcdMaintenance maintenance, LiveMember heir, CancellationToken cancellation) => Task.Run(() =>
        {
            var move = maintenance.PlanLeaderMove(heir.Name);
            if (!move.AlreadyLeader) maintenance.MoveLeader(move, TimeSpan.FromSeconds(30));
        }, cancellation);
    }

    /// <summary>Where a member's step of a rolling restart was when it stopped.</summary>
    internal enum RestartStage
    {
        Connecting,
        ReadingState,
        WaitingBefore,
        MovingLeadership,
        BeforeRestart,
        Restarting,
        WaitingAfter,
        AfterRestart,
    }

    /// <summary>A rolling restart stopped at a member: where, why, and what was restarted before it.</summary>
    internal sealed class RollingRestartStopped : EtcdOpsException
    {
        public RollingRestartStopped(string errorId, FailureKind kind, string message, EtcdMember member, RestartStage stage,
            IReadOnlyList<EtcdNodeState> restarted, Exception cause)
            : base(errorId, kind, message, member, cause)
        {
            Member = member; Stage = stage; Restarted = restarted;
        }

        public EtcdMember Member { get; }
        public RestartStage Stage { get; }

        /// <summary>The members restarted (and healthy after) before the stop, each with its state right after its restart.</summary>
        public IReadOnlyList<EtcdNodeState> Restarted { get; }

        /// <summary>The cluster was not healthy before or after the member's restart (not a failure on its host).</summary>
        public bool Unhealthy => IsUnhealthy(Stage);

        /// <summary>Stops at these stages are the cluster's health, not a failure on the member's host.</summary>
        internal static bool IsUnhealthy(RestartStage stage) => stage == RestartStage.WaitingBefore || stage == RestartStage.WaitingAfter;
    }

    /// <summary>
    /// A health-gated rolling restart (Restart-EtcdNode; each trust step of a CA rotation): one member at a time over one
    /// connection to its host. The current leader goes last. Per member: its service state; when it runs, a healthy
    /// cluster first (restarting it while another is down could cost quorum) and, when it leads, leadership moved to
    /// another voter that answers; a member that is down is restarted at once (starting it can only help). Then the
    /// optional step before the restart, systemctl restart, a healthy cluster again, and the callback after it. The
    /// first failure stops it: no further member is touched, and <see cref="RollingRestartStopped"/> says where.
    /// </summary>
    internal sealed class RollingRestart
    {
        private readonly EtcdCluster _cluster;
        private readonly Func<EtcdMember, CancellationToken, Task<IRemoteHost>> _connect;
        private readonly Func<CancellationToken, Task> _waitHealthy;
        private readonly Action<DeployProgress> _progress;
        private readonly CancellationToken _cancellation;
        private readonly EtcdMaintenance _maintenance;

        /// <param name="cluster">The inventory.</param>
        /// <param name="client">The cluster's API (finds the leader and moves it); credentials that work against the cluster now.</param>
        /// <param name="connect">Opens the connection to a member's host (SSH in real use).</param>
        /// <param name="waitHealthy">Returns once the cluster is healthy; throws (an <see cref="EtcdOpsException"/>) when it is not in time.</param>
        /// <param name="progress">Called from worker threads; must only enqueue.</param>
        public RollingRestart(EtcdCluster cluster, EtcdClient client, Func<EtcdMember, CancellationToken, Task<IRemoteHost>> connect,
            Func<CancellationToken, Task> waitHealthy, Action<DeployProgress> progress, CancellationToken cancellation)
        {
            _cluster = cluster; _connect = connect; _waitHealthy = waitHealthy; _progress = progress; _cancellation = cancellation;
            _maintenance = new EtcdMaintenance(client, cancellation);
        }

        /// <summary>The cluster's API for a rolling step: every member's client URL, 2 s per request.</summary>
        public static EtcdClient ClientFor(EtcdCluster cluster, string caCertificatePath, string clientCertificatePath, string clientKeyPath) =>
            new EtcdClient(new EtcdConnection(cluster.ClientUrls, caCertificatePath, clientCertificatePath, clientKeyPath) { Timeout = TimeSpan.FromSeconds(2) });

        /// <summary>What the messages call the whole run, e.g. "The rolling restart of cluster 'x'".</summary>
        public string Operation { get; set; } = "The rolling restart";

        /// <summary>
        /// The ErrorId of every stop (a CA rotation has one). When null, a stop for health is ClusterUnhealthy and a
        /// failure on a host keeps its own ID.
        /// </summary>
        public string? StoppedErrorId { get; set; }

        /// <summary>The last sentence of a stop's message: how to go on.</summary>
        public string ResumeAdvice { get; set; } = "Fix the cause, then restart the members not restarted (-Member).";

        /// <summary>Runs on the member's host before its restart (a CA rotation writes the trusted CA files).</summary>
        public Func<EtcdMember, IRemoteHost, EtcdHostLayout, CancellationToken, Task>? BeforeRestart { get; set; }

        /// <summary>What <see cref="BeforeRestart"/> does, for progress and messages, e.g. "writing the trusted CA files".</summary>
        public string BeforeRestartStep { get; set; } = "preparing the restart";

        /// <summary>Runs once a member is restarted and the cluster is healthy again, before the next member (a CA rotation records it done).</summary>
        public Action<EtcdMember, EtcdNodeState>? AfterRestart { get; set; }

        /// <summary>
        /// The order the members go in: as given, the current leader last. Read-only (the member list and statuses);
        /// when no member answers (all down) the order stays as given.
        /// </summary>
        public Task<IReadOnlyList<EtcdMember>> OrderAsync(IReadOnlyList<EtcdMember> members) => Task.Run(() =>
        {
            EtcdMemberMap? map;
            try { map = _maintenance.Refresh(everyMember: true); }
            catch (EtcdOpsException ex) when (ex.Kind != FailureKind.InvalidArgument) { map = null; }
            Leader = RollingOrder.LeaderOf(_cluster, map);
            return RollingOrder.LeaderLast(_cluster, map, members);
        }, _cancellation);

        /// <summary>The inventory name of the leader as <see cref="OrderAsync"/> found it; null when none was known.</summary>
        public string? Leader { get; private set; }

        /// <summary>
        /// Restarts <paramref name="ordered"/> (from <see cref="OrderAsync"/>) one at a time; each member's service state
        /// right after its restart. Throws <see cref="RollingRestartStopped"/> at the first failure; cancellation as
        /// <see cref="OperationCanceledException"/>, before the callback of the member it interrupted.
        /// </summary>
        public async Task<IReadOnlyList<EtcdNodeState>> RunAsync(IReadOnlyList<EtcdMember> ordered)
        {
            var restarted = new List<EtcdNodeState>();
            foreach (var member in ordered)
            {
                _cancellation.ThrowIfCancellationRequested();
                var stage = RestartStage.Connecting;
                try
                {
                    Report(member, "Connecting", 0);
                    using var host = await _connect(member, _cancellation).ConfigureAwait(false);
                    stage = RestartStage.ReadingState;
                    Report(member, "Reading its state", 10);
                    var layout = await EtcdHostLayout.ReadAsync(host, _cluster.DataDir, _cancellation).ConfigureAwait(false);
                    var before = await NodeService.GetStateAsync(host, member, layout, _cancellation).ConfigureAwait(false);
                    if (RestartPolicy.WaitForHealthBefore(before))
                    {
                        stage = RestartStage.WaitingBefore;
                        Report(member, "Waiting for a healthy cluster", 20);
                        await _waitHealthy(_cancellation).ConfigureAwait(false);
                        stage = RestartStage.MovingLeadership;
                        await HandOverIfLeadingAsync(member).ConfigureAwait(false);
                    }
                    if (BeforeRestart != null)
                    {
                        stage = RestartStage.BeforeRestart;
                        Report(member, Capitalized(BeforeRestartStep), 40);
                        await BeforeRestart(member, host, layout, _cancellation).ConfigureAwait(false);
                    }
                    stage = RestartStage.Restarting;
                    Report(member, "Restarting etcd", 50);
                    await NodeService.RestartAsync(host, layout, _cancellation).ConfigureAwait(false);
                    var after = await NodeService.GetStateAsync(host, member, layout, _cancellation).ConfigureAwait(false);
                    stage = RestartStage.WaitingAfter;
                    Report(member, "Waiting for a healthy cluster after the restart", 70);
                    await _waitHealthy(_cancellation).ConfigureAwait(false);
                    stage = RestartStage.AfterRestart;
                    AfterRestart?.Invoke(member, after);
                    restarted.Add(after);
                    Report(member, "Done", 100);
                }
                catch (OperationCanceledException) { throw; }
                catch (Exception ex)
                {
                    throw Stopped(ordered, member, stage, restarted, ex);
                }
            }
            return restarted;
        }

        /// <summary>A leader hands over to another voter that answers before its restart; alone, it restarts as it is.</summary>
        private async Task HandOverIfLeadingAsync(EtcdMember member)
        {
            var map = await Task.Run(() => _maintenance.Refresh(everyMember: true), _cancellation).ConfigureAwait(false);
            var self = map.Leader;
            if (self == null || UpgradeRules.FindInventory(_cluster, self)?.Name != member.Name) return;
            var heir = RollingOrder.Heir(map, self);
            if (heir == null) return;
            Report(member, $"Moving leadership to {heir.Name}", 30);
            await RollingOrder.HandOverAsync(_maintenance, heir, _cancellation).ConfigureAwait(false);
        }

        private RollingRestartStopped Stopped(IReadOnlyList<EtcdMember> ordered, EtcdMember member, RestartStage stage, IReadOnlyList<EtcdNodeState> restarted, Exception error)
        {
            var cause = error is AggregateException a && a.InnerExceptions.Count == 1 ? a.InnerExceptions[0] : error;
            var known = cause as EtcdOpsException;
            var id = StoppedErrorId ?? (RollingRestartStopped.IsUnhealthy(stage) ? ErrorIds.ClusterUnhealthy : known?.ErrorId ?? ErrorIds.HostOperationFailed);
            var kind = known?.Kind ?? FailureKind.InvalidOperation;
            var rest = ordered.SkipWhile(m => m != member).Skip(1).Select(m => m.Name).ToList();
            var nl = Environment.NewLine;
            var message = $"{Operation} stopped at {member.Name} ({member.Address}): {What(stage)}: {cause.Message.TrimEnd()}" + nl +
                (restarted.Count > 0 ? $"Restarted before it: {string.Join(", ", restarted.Select(s => s.Name))}. " : "No member was restarted before it. ") +
                (rest.Count > 0 ? $"Not restarted: {string.Join(", ", rest)}. " : "") +
                "No further member was touched. " + ResumeAdvice;
            return new RollingRestartStopped(id, kind, message, member, stage, restarted, cause);
        }

        /// <summary>What had happened to the member when its step stopped.</summary>
        private string What(RestartStage stage) => stage switch
        {
            RestartStage.Connecting => "could not connect to its host; nothing was done on it",
            RestartStage.ReadingState => "could not read its etcd service state; nothing was done on it",
            RestartStage.WaitingBefore => "the cluster was not healthy before its restart, so it was not restarted",
            RestartStage.MovingLeadership => "it leads, and moving leadership to another member failed; it was not restarted",
            RestartStage.BeforeRestart => $"{BeforeRestartStep} failed; it was not restarted",
            RestartStage.Restarting => "systemctl restart failed (see Get-EtcdNodeLog)",
            RestartStage.WaitingAfter => "it was restarted, but the cluster was not healthy after",
            _ => "it was restarted and the cluster is healthy, but what follows its restart failed",
        };

        private static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text.Substring(1);

        private void Report(EtcdMember member, string phase, int percent) => _progress(new DeployProgress(member.Name, phase, percent));
    }
}
