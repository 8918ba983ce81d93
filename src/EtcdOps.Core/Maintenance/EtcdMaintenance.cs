using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Maintenance
{
    /// <summary>
    /// Day-2 maintenance over etcd's v3 API: alarms, compaction, defragmentation, leader moves and hash checks. It
    /// finds the members and sends each request where etcd serves it (voting members for alarms, compaction, defragment
    /// and hashes; the current leader for a leader move); the decisions are in <see cref="CompactionPlan"/>,
    /// <see cref="ClusterHealth"/>, <see cref="DefragmentationPlan"/>, <see cref="LeaderMovePlan"/> and
    /// <see cref="ConsistencyReport"/>. The cmdlets ask for confirmation per member and write the results.
    /// </summary>
    internal sealed class EtcdMaintenance
    {
        /// <summary>The alarm defragmentation answers: it never counts against the cluster's health here.</summary>
        internal const string NoSpace = "NOSPACE";

        private readonly EtcdClient _client;
        private readonly CancellationToken _cancellation;
        private EtcdMemberMap? _map;
        private bool _complete;
        private LiveMember? _alarmSource;

        public EtcdMaintenance(EtcdClient client, CancellationToken cancellation)
        {
            _client = client;
            _cancellation = cancellation;
        }

        private IEtcdTransport Api => _client.Api;

        private TimeSpan RequestTimeout => _client.Connection.Timeout;

        /// <summary>
        /// The members as last read. With <paramref name="everyMember"/> every member is asked for its status (on its own
        /// client URL when no given endpoint is it); otherwise only the given endpoints are.
        /// </summary>
        public EtcdMemberMap Members(bool everyMember)
        {
            if (_map == null) _map = Wait(EtcdMemberMap.ReadAsync(_client, everyMember, _cancellation));
            else if (everyMember && !_complete) _map = Wait(_map.CompleteAsync(_client, _cancellation));
            _complete |= everyMember;
            return _map;
        }

        /// <summary>Reads the members again (after a step that changes them).</summary>
        public EtcdMemberMap Refresh(bool everyMember)
        {
            _map = null;
            _complete = false;
            return Members(everyMember);
        }

        /// <summary>The voting members that answered, leader first; the members not among the given endpoints are asked when none of those is a voter.</summary>
        private IReadOnlyList<LiveMember> Voters()
        {
            var map = Members(everyMember: false);
            if (map.AnsweringVoters.Count == 0) map = Members(everyMember: true);
            return map.RequireVoters();
        }

        // ---- Alarms ----

        /// <summary>The active alarms from the first voting member that answers, one row per alarm per member, in member-list order.</summary>
        public IReadOnlyList<EtcdAlarm> ListAlarms(TimeSpan timeout)
        {
            var failures = new List<EtcdOpsException>();
            foreach (var voter in Voters())
            {
                try
                {
                    var entries = Wait(Api.AlarmsAsync(voter.Endpoint!, timeout, _cancellation));
                    _alarmSource = voter;
                    var map = _map!;
                    return entries
                        .Select(e => new EtcdAlarm { Member = map.NameOf(e.MemberId), MemberID = EtcdClient.Hex(e.MemberId), Alarm = e.Alarm })
                        .OrderBy(a => map.IndexOf(a.MemberID)).ThenBy(a => a.Alarm, StringComparer.Ordinal).ToList();
                }
                catch (EtcdRefusedException refused) when (refused.PermissionDenied)
                {
                    throw;
                }
                catch (EtcdOpsException ex)
                {
                    failures.Add(ex);
                }
            }
            throw new EtcdOpsException(ErrorIds.NoVotingMemberAnswered, FailureKind.ConnectionError,
                "No voting member gave the alarm list:" + string.Concat(failures.Select(f => Environment.NewLine + "  " + f.Message)), _map);
        }

        /// <summary>Deactivates one alarm of one member (etcd clears one per request), through the voter that listed it.</summary>
        public void ClearAlarm(EtcdAlarm alarm, TimeSpan timeout)
        {
            var via = _alarmSource ?? Voters()[0];
            var entry = new EtcdAlarmEntry { MemberId = EtcdClient.ParseId(alarm.MemberID), Alarm = alarm.Alarm };
            Wait(Api.DeactivateAlarmAsync(via.Endpoint!, entry, timeout, _cancellation));
        }

        // ---- Compaction ----

        /// <summary>Which revision to compact to, and through which voting member (the leader when it answers).</summary>
        public CompactionPlan PlanCompaction(long? revision, long? keepRevisions)
        {
            var voter = Voters()[0];
            return CompactionPlan.Decide(voter, voter.Status!.Revision, revision, keepRevisions);
        }

        /// <summary>
        /// Compacts physically (etcd answers once the member's backend has dropped the old revisions); the compaction is
        /// replicated to every member. Null when etcd says the history is compacted to that revision or beyond already.
        /// </summary>
        public EtcdCompaction? Compact(CompactionPlan plan, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            try
            {
                Wait(Api.CompactAsync(plan.Via.Endpoint!, plan.Revision, physical: true, timeout, _cancellation));
            }
            catch (EtcdRefusedException refused) when (IsCompacted(refused))
            {
                return null;
            }
            catch (EtcdRefusedException refused) when (IsFutureRevision(refused))
            {
                throw CompactionPlan.Future(plan.Revision, plan.CurrentRevision, refused);
            }
            return new EtcdCompaction
            {
                Revision = plan.Revision,
                CurrentRevision = plan.CurrentRevision,
                Member = plan.Via.Name,
                Endpoint = plan.Via.Endpoint!,
                Took = clock.Elapsed,
            };
        }

        internal static bool IsCompacted(EtcdRefusedException refused) =>
            refused.EtcdMessage.IndexOf("required revision has been compacted", StringComparison.Ordinal) >= 0;

        internal static bool IsFutureRevision(EtcdRefusedException refused) =>
            refused.EtcdMessage.IndexOf("required revision is a future revision", StringComparison.Ordinal) >= 0;

        // ---- Health before and between disruptive steps ----

        /// <summary>Reads every member afresh and says what keeps the cluster from being safe to disrupt one member (see <see cref="ClusterHealth"/>).</summary>
        public IReadOnlyList<string> HealthProblems()
        {
            var map = Refresh(everyMember: true);
            var voters = map.Voters.Where(v => v.Answered).ToList();
            var rows = Wait(Task.WhenAll(voters.Select(v => _client.GetHealthAsync(v.Endpoint!, RequestTimeout, _cancellation, a => a.Alarm == NoSpace))));
            var health = new Dictionary<LiveMember, EtcdEndpointHealth>();
            for (var i = 0; i < voters.Count; i++) health[voters[i]] = rows[i].Row;
            return ClusterHealth.Problems(map, health);
        }

        /// <summary>
        /// Polls until <see cref="HealthProblems"/> is empty, or throws ClusterUnhealthy (naming each problem) after
        /// <paramref name="timeout"/>. <paramref name="onAttempt"/> gets the problems of each failed attempt.
        /// </summary>
        public void WaitHealthy(TimeSpan timeout, TimeSpan interval, string when, Action<IReadOnlyList<string>>? onAttempt = null)
        {
            var clock = Stopwatch.StartNew();
            while (true)
            {
                IReadOnlyList<string> problems;
                try
                {
                    problems = HealthProblems();
                }
                catch (EtcdOpsException ex) when (ex.Kind != FailureKind.InvalidArgument)
                {
                    problems = new[] { ex.Message };
                }
                if (problems.Count == 0) return;
                onAttempt?.Invoke(problems);
                if (clock.Elapsed >= timeout) throw ClusterHealth.Unhealthy(problems, when, timeout);
                _cancellation.WaitHandle.WaitOne(interval);
                _cancellation.ThrowIfCancellationRequested();
            }
        }

        // ---- Defragmentation ----

        /// <summary>
        /// Refuses unless the cluster is healthy (NOSPACE aside), then decides the order and the members to skip.
        /// <paramref name="noSpace"/> says whether a NOSPACE alarm is active; then no member is skipped for its free space.
        /// </summary>
        public IReadOnlyList<DefragmentationStep> PlanDefragmentation(IReadOnlyCollection<string>? names, bool force, long minimumFreeBytes, out bool noSpace)
        {
            var problems = HealthProblems();
            if (problems.Count > 0) throw ClusterHealth.Unhealthy(problems, "to defragment a member", null);
            noSpace = ListAlarms(RequestTimeout).Any(a => a.Alarm == NoSpace);
            return DefragmentationPlan.Decide(_map!, names, force || noSpace, minimumFreeBytes);
        }

        /// <summary>
        /// Defragments one member: only that member's backend, which serves no reads or writes while it runs. Its file
        /// size is read just before and just after.
        /// </summary>
        public async Task<EtcdDefragmentation> DefragmentAsync(DefragmentationStep step, TimeSpan timeout)
        {
            var member = step.Member;
            var before = await Api.StatusAsync(member.Endpoint!, RequestTimeout, _cancellation).ConfigureAwait(false);
            var clock = Stopwatch.StartNew();
            await Api.DefragmentAsync(member.Endpoint!, timeout, _cancellation).ConfigureAwait(false);
            var took = clock.Elapsed;
            var after = await Api.StatusAsync(member.Endpoint!, RequestTimeout, _cancellation).ConfigureAwait(false);
            return step.Done(before, after, took);
        }

        // ---- Leader ----

        /// <summary>Checks that <paramref name="name"/> can lead (a started, answering voter) and finds the current leader to ask.</summary>
        public LeaderMovePlan PlanLeaderMove(string name) => LeaderMovePlan.Decide(Members(everyMember: true), name);

        /// <summary>Moves leadership through the current leader (etcd answers once the target leads); the new term, read from the target.</summary>
        public EtcdLeaderChange MoveLeader(LeaderMovePlan plan, TimeSpan timeout)
        {
            Wait(Api.MoveLeaderAsync(plan.From.Endpoint!, plan.To.Id, timeout, _cancellation));
            var status = Wait(Api.StatusAsync(plan.To.Endpoint!, RequestTimeout, _cancellation));
            return new EtcdLeaderChange
            {
                PreviousLeader = plan.From.Name,
                PreviousLeaderID = plan.From.ID,
                Leader = plan.To.Name,
                LeaderID = status.Leader,
                RaftTerm = status.RaftTerm,
            };
        }

        // ---- Consistency ----

        /// <summary>
        /// Every voting member's hash at one revision: the lowest current revision among them, so that none is asked for
        /// a revision it has not applied yet. When the hashes cannot be compared (a compaction between the requests, see
        /// <see cref="ConsistencyReport.AskCurrentNext"/>) the round is asked again, at most <paramref name="attempts"/> times.
        /// </summary>
        public ConsistencyReport CheckConsistency(TimeSpan timeout, int attempts = 4)
        {
            var askCurrent = false;
            for (var attempt = 1; ; attempt++)
            {
                var map = Refresh(everyMember: true);
                var answering = map.Voters.Where(v => v.Answered).ToList();
                if (answering.Count == 0) map.RequireVoters();
                var revision = askCurrent ? 0 : answering.Min(v => v.Status!.Revision);
                var hashes = Wait(Task.WhenAll(answering.Select(v => HashAsync(v, revision, timeout))));
                var report = ConsistencyReport.Evaluate(map, revision, hashes);
                if (!report.Retry || attempt >= attempts) return report;
                askCurrent = report.AskCurrentNext;
            }
        }

        private async Task<MemberHashResult> HashAsync(LiveMember member, long revision, TimeSpan timeout)
        {
            try
            {
                return new MemberHashResult(member, await Api.HashKvAsync(member.Endpoint!, revision, timeout, _cancellation).ConfigureAwait(false), null);
            }
            catch (EtcdOpsException ex)
            {
                return new MemberHashResult(member, null, ex);
            }
        }

        private static T Wait<T>(Task<T> task) => task.GetAwaiter().GetResult();

        private static void Wait(Task task) => task.GetAwaiter().GetResult();
    }
}
