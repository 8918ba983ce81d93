using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace EtcdOps.Maintenance
{
    /// <summary>Which revision to compact to, and through which voting member.</summary>
    internal sealed class CompactionPlan
    {
        public LiveMember Via { get; private set; } = null!;
        public long CurrentRevision { get; private set; }
        public long Revision { get; private set; }

        /// <summary>Why there is nothing to compact (the history is shorter than the revisions to keep); null otherwise.</summary>
        public string? NothingToDo { get; private set; }

        /// <summary>
        /// -Revision as given (not beyond the current one), -KeepRevisions back from the current revision, or the current
        /// revision itself: then the history holds only the latest value of each key.
        /// </summary>
        public static CompactionPlan Decide(LiveMember via, long currentRevision, long? revision, long? keepRevisions)
        {
            var plan = new CompactionPlan { Via = via, CurrentRevision = currentRevision };
            if (revision.HasValue)
            {
                if (revision.Value > currentRevision) throw Future(revision.Value, currentRevision, null);
                plan.Revision = revision.Value;
            }
            else if (keepRevisions.HasValue)
            {
                plan.Revision = currentRevision - keepRevisions.Value;
                if (plan.Revision < 1)
                    plan.NothingToDo = $"The cluster is at revision {currentRevision}; keeping {keepRevisions.Value} revisions leaves nothing to compact.";
            }
            else plan.Revision = currentRevision;
            return plan;
        }

        public static EtcdOpsException Future(long revision, long currentRevision, Exception? inner) =>
            new EtcdOpsException(ErrorIds.EtcdRevisionOutOfRange, FailureKind.InvalidArgument,
                $"Revision {revision} is ahead of the cluster's current revision {currentRevision}; etcd compacts only history it has. " +
                "Give a lower -Revision, or -KeepRevisions.", revision, inner);
    }

    /// <summary>Whether the cluster can lose one member's service for a while (defragmentation blocks the member it runs on).</summary>
    internal static class ClusterHealth
    {
        /// <summary>
        /// What is wrong: a voting member that was added but never started (it counts toward quorum), has no client URL,
        /// does not answer, fails a linearizable read or has an alarm other than NOSPACE (<paramref name="health"/> holds the
        /// answering voters' health); a member that knows no leader; members that disagree on the leader. Learners do not
        /// count: they have no vote, and etcd serves them no linearizable read.
        /// </summary>
        public static IReadOnlyList<string> Problems(EtcdMemberMap map, IReadOnlyDictionary<LiveMember, EtcdEndpointHealth> health)
        {
            var problems = new List<string>();
            foreach (var voter in map.Voters)
            {
                if (!voter.IsStarted) problems.Add($"{voter.Label} was added but has not started; it counts toward quorum");
                else if (voter.Endpoint == null) problems.Add($"{voter.Name} has no client URL to check");
                else if (voter.Failure != null) problems.Add(voter.Failure.Message);
                else if (voter.Status == null) problems.Add($"{voter.Name} ({voter.Endpoint}) was not asked");
                else if (health.TryGetValue(voter, out var row) && !row.Health) problems.Add($"{voter.Name} ({voter.Endpoint}) is unhealthy: {row.Error}");
                else if (voter.Status.Leader.Length == 0) problems.Add($"{voter.Name} ({voter.Endpoint}) knows no leader");
            }
            if (map.LeaderDisagreement)
                problems.Add("the members disagree on the leader: " + string.Join(", ",
                    map.Members.Where(m => m.Answered && m.Status!.Leader.Length > 0).Select(m => $"{m.Label} follows {m.Status!.Leader}")));
            else if (map.Leader == null && problems.Count == 0) problems.Add("no member knows a leader");
            return problems;
        }

        /// <summary>ClusterUnhealthy: before a step (no <paramref name="timeout"/>) or after waiting for health that did not come.</summary>
        public static EtcdOpsException Unhealthy(IReadOnlyList<string> problems, string when, TimeSpan? timeout) =>
            new EtcdOpsException(ErrorIds.ClusterUnhealthy, timeout.HasValue ? FailureKind.OperationTimeout : FailureKind.InvalidOperation,
                (timeout.HasValue
                    ? $"The cluster was not healthy {when} within {timeout.Value.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s:"
                    : $"The cluster is not healthy {when}:") +
                string.Concat(problems.Select(p => Environment.NewLine + "  " + p)) + Environment.NewLine +
                "No further member was touched. Fix those members first (a NOSPACE alarm alone does not count).", problems);
    }

    /// <summary>One member's place in a defragmentation: defragment it, or skip it and why.</summary>
    internal sealed class DefragmentationStep
    {
        public LiveMember Member { get; set; } = null!;
        public bool IsLeader { get; set; }

        /// <summary>Why the member is skipped; null when it is defragmented.</summary>
        public string? SkipReason { get; set; }

        public bool Skip => SkipReason != null;

        public EtcdDefragmentation Skipped() => Row(Member.Status ?? new EtcdEndpointStatus(), Member.Status ?? new EtcdEndpointStatus(), TimeSpan.Zero, false);

        public EtcdDefragmentation Done(EtcdEndpointStatus before, EtcdEndpointStatus after, TimeSpan took) => Row(before, after, took, true);

        private EtcdDefragmentation Row(EtcdEndpointStatus before, EtcdEndpointStatus after, TimeSpan took, bool done) => new EtcdDefragmentation
        {
            Member = Member.Label,
            MemberID = Member.ID,
            Endpoint = Member.Endpoint ?? "",
            IsLeader = IsLeader,
            Defragmented = done,
            DbSizeBefore = before.DbSize,
            DbSizeInUseBefore = before.DbSizeInUse,
            DbSizeAfter = after.DbSize,
            Reason = SkipReason,
            Took = took,
        };

        public override string ToString() => Skip ? $"{Member.Label}: skip ({SkipReason})" : $"{Member.Label}: defragment";
    }

    /// <summary>The order of a defragmentation and the members it skips.</summary>
    internal static class DefragmentationPlan
    {
        /// <summary>
        /// One member at a time: the followers in member-list order, the leader last (defragmenting the leader stalls the
        /// whole cluster's writes for as long as it runs, so it goes once the others are done). Learners are skipped:
        /// etcd serves them no defragment. A member whose file has less than <paramref name="minimumFreeBytes"/> free
        /// (DbSize - DbSizeInUse) is skipped unless <paramref name="force"/>: blocking it would give back little. (etcd
        /// updates DbSizeInUse when it next commits a write: after a compaction, and while a NOSPACE alarm refuses every
        /// write, the figure still counts the space the compaction freed. Under NOSPACE the caller forces.)
        /// <paramref name="names"/> selects members (UnknownMember for a name not in the member list); all when empty.
        /// </summary>
        public static IReadOnlyList<DefragmentationStep> Decide(EtcdMemberMap map, IReadOnlyCollection<string>? names, bool force, long minimumFreeBytes)
        {
            var selected = names == null || names.Count == 0
                ? map.Members.Where(m => m.IsStarted).ToList()
                : names.Select(n => map.Find(n, "-Member")).Distinct().ToList();
            var ordered = selected.Where(m => m != map.Leader).OrderBy(m => map.IndexOf(m.ID))
                .Concat(selected.Where(m => m == map.Leader)).ToList();
            return ordered.Select(m => new DefragmentationStep { Member = m, IsLeader = m == map.Leader, SkipReason = SkipReason(m, force, minimumFreeBytes) }).ToList();
        }

        private static string? SkipReason(LiveMember member, bool force, long minimumFreeBytes)
        {
            if (member.IsLearner) return "a learner: etcd serves no defragment on learners";
            if (member.Status == null) return "did not answer";
            var free = member.Status.DbSize - member.Status.DbSizeInUse;
            if (force || free >= minimumFreeBytes) return null;
            return $"{ByteSize.Humanize(Math.Max(0, free))} free in its {ByteSize.Humanize(member.Status.DbSize)} file, below the threshold of " +
                   $"{ByteSize.Humanize(minimumFreeBytes)} (-MinimumFreeBytes); -Force defragments it anyway";
        }
    }

    /// <summary>A leader move: from the current leader (where the request must go) to a started, answering voting member.</summary>
    internal sealed class LeaderMovePlan
    {
        public LiveMember From { get; private set; } = null!;
        public LiveMember To { get; private set; } = null!;

        /// <summary>The target leads already: nothing to do.</summary>
        public bool AlreadyLeader => From == To;

        public static LeaderMovePlan Decide(EtcdMemberMap map, string name)
        {
            var to = map.Find(name, "-To");
            if (to.IsLearner)
                throw Invalid(to, $"'{name}' is a learner, and a learner cannot lead. Promote it to a voting member first.");
            if (!to.Answered)
                throw Invalid(to, $"'{name}' did not answer, and leadership can go only to a running voting member (etcd would wait for it and time out): " +
                                  (to.Failure?.Message ?? "it has no client URL to ask."));
            var from = map.Leader;
            if (from == null)
                throw new EtcdOpsException(ErrorIds.EtcdNoLeader, FailureKind.InvalidOperation,
                    map.LeaderDisagreement ? "The members disagree on the leader, so there is none to hand over from. Wait for the election to settle, then run again."
                                           : "No member knows a leader, so there is none to hand over from. Check the cluster (Test-EtcdEndpointHealth).", map);
            if (!from.Answered)
                throw new EtcdOpsException(ErrorIds.EtcdNoLeader, FailureKind.ConnectionError,
                    $"The leader {from.Label} did not answer, and a leader move must be sent to the leader: " +
                    (from.Failure?.Message ?? "it has no client URL to ask.") + " Give its endpoint with -Endpoint.", from.Endpoint);
            return new LeaderMovePlan { From = from, To = to };
        }

        private static EtcdOpsException Invalid(LiveMember to, string message) =>
            new EtcdOpsException(ErrorIds.EtcdLeaderTargetInvalid, FailureKind.InvalidArgument, message, to.Name);
    }

    /// <summary>A voting member's answer to the hash request, or why it gave none.</summary>
    internal sealed class MemberHashResult
    {
        public MemberHashResult(LiveMember member, EtcdHashKvReply? reply, EtcdOpsException? failure)
        {
            Member = member;
            Reply = reply;
            Failure = failure;
        }

        public LiveMember Member { get; }
        public EtcdHashKvReply? Reply { get; }
        public EtcdOpsException? Failure { get; }
    }

    /// <summary>The voting members' hashes at one revision and the verdict: consistent when every voter answered with the same hash.</summary>
    internal sealed class ConsistencyReport
    {
        public long Revision { get; private set; }
        public IReadOnlyList<EtcdMemberHash> Rows { get; private set; } = new EtcdMemberHash[0];

        /// <summary>Voting members without a hash (down, not started, refused), and the mismatch when hashes differ.</summary>
        public IReadOnlyList<EtcdOpsException> Failures { get; private set; } = new EtcdOpsException[0];

        public bool Consistent { get; private set; }

        /// <summary>The hashes cannot be compared (different revisions or compact revisions); asking again may do.</summary>
        public bool Retry { get; private set; }

        /// <summary>
        /// Ask the members' current revision (revision 0) next, which etcd always hashes afresh: at an explicit revision the
        /// compact revisions differed, or etcd refused it as compacted. Besides a compaction during the check, that is
        /// etcd 3.5 answering a hash at exactly a compaction's revision from what it stored during that compaction (with
        /// the compact revision before it), which a member restarted since no longer has; and etcd 3.4 refusing a hash
        /// at the compaction's revision itself. Either way, without writes since the compaction no explicit revision does.
        /// </summary>
        public bool AskCurrentNext { get; private set; }

        /// <summary>
        /// <paramref name="revision"/> is the revision asked for; 0 asks each member for its current one, and the hashes
        /// are comparable only when all answered for the same revision.
        /// </summary>
        public static ConsistencyReport Evaluate(EtcdMemberMap map, long revision, IReadOnlyList<MemberHashResult> hashes)
        {
            var failures = new List<EtcdOpsException>();
            foreach (var voter in map.Voters.Where(v => !v.Answered))
                failures.Add(voter.Failure ?? new EtcdOpsException(ErrorIds.ClusterUnhealthy, FailureKind.InvalidOperation,
                    voter.IsStarted ? $"{voter.Name} has no client URL to ask for its hash." : $"{voter.Label} was added but has not started; its hash is unknown.", voter.Label));
            failures.AddRange(hashes.Where(h => h.Failure != null).Select(h => h.Failure!));
            var rows = hashes.Where(h => h.Reply != null).OrderBy(h => map.IndexOf(h.Member.ID)).Select(h => new EtcdMemberHash
            {
                Member = h.Member.Name,
                MemberID = h.Member.ID,
                Endpoint = h.Member.Endpoint ?? "",
                Revision = h.Reply!.HashRevision > 0 ? h.Reply.HashRevision : revision > 0 ? revision : h.Reply.Revision,
                CompactRevision = h.Reply.CompactRevision,
                Hash = h.Reply.Hash,
            }).ToList();

            var groups = rows.GroupBy(r => (r.Revision, r.CompactRevision, r.Hash)).OrderByDescending(g => g.Count()).ToList();
            var majority = groups.Count > 0 && (groups.Count == 1 || groups[0].Count() > groups[1].Count()) ? groups[0].Key : ((long, long, uint)?)null;
            foreach (var row in rows) row.Consistent = majority.HasValue && (row.Revision, row.CompactRevision, row.Hash) == majority.Value;

            var compactions = rows.Select(r => r.CompactRevision).Distinct().Count();
            var comparable = compactions <= 1 && rows.Select(r => r.Revision).Distinct().Count() <= 1;
            var hashed = rows.Count > 0 ? rows[0].Revision : revision;
            if (groups.Count > 1)
                failures.Add(new EtcdOpsException(ErrorIds.EtcdHashMismatch, FailureKind.InvalidData,
                    (comparable
                        ? $"At revision {hashed} the voting members' key-value stores differ: "
                        : "The voting members' hashes are for different revisions or compact revisions, so they cannot be compared (a compaction or writes during the check): ") +
                    string.Join(", ", rows.Select(r => $"{r.Member} {r.Hash.ToString(CultureInfo.InvariantCulture)} (revision {r.Revision.ToString(CultureInfo.InvariantCulture)}, " +
                                                       $"compact revision {r.CompactRevision.ToString(CultureInfo.InvariantCulture)})")) + ". " +
                    (comparable
                        ? "A member whose hash differs from the others' holds other data: replace it (remove it, wipe its data directory, add it back) " +
                          "and look for the cause in its log (etcd's corruption check: --experimental-corrupt-check-time)."
                        : "Run the check again."),
                    rows));
            var compacted = hashes.Any(h => h.Failure is EtcdRefusedException refused && EtcdMaintenance.IsCompacted(refused));
            return new ConsistencyReport
            {
                Revision = hashed,
                Rows = rows,
                Failures = failures,
                Consistent = failures.Count == 0 && rows.Count > 0,
                Retry = !comparable || compacted,
                AskCurrentNext = (compactions > 1 || compacted) && revision > 0,
            };
        }
    }
}
