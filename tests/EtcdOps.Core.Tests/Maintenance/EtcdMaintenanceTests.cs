using System;
using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Maintenance
{
    /// <summary>The maintenance decisions over a fake cluster: where each request goes, the order, and when to refuse.</summary>
    public class EtcdMaintenanceTests
    {
        private static readonly TimeSpan Long = TimeSpan.FromSeconds(30);

        private static EtcdOpsException Fails(Action action) => Assert.ThrowsAny<EtcdOpsException>(action);

        // ---- Defragmentation ----

        [Fact]
        public void DefragmentsFollowersFirstAndTheLeaderLast()
        {
            var cluster = FakeCluster.Three();
            cluster.LeaderId = cluster["m2"].Id;
            var plan = cluster.Maintenance().PlanDefragmentation(null, force: false, minimumFreeBytes: 1_000_000, out _);
            Assert.Equal(new[] { "m1", "m3", "m2" }, plan.Select(s => s.Member.Name));
            Assert.Equal(new[] { false, false, true }, plan.Select(s => s.IsLeader));
            Assert.All(plan, s => Assert.False(s.Skip));
        }

        [Fact]
        public async System.Threading.Tasks.Task DefragmentActsOnlyOnTheMemberAskedAndReportsItsSizeBeforeAndAfter()
        {
            var cluster = FakeCluster.Three();
            var maintenance = cluster.Maintenance();
            var step = maintenance.PlanDefragmentation(new[] { "m3" }, false, 0, out _).Single();
            cluster.Calls.Clear();
            var row = await maintenance.DefragmentAsync(step, Long);
            Assert.Equal(new[] { "defragment https://10.0.0.3:2379" }, cluster.Calls.Where(c => c.StartsWith("defragment")));
            Assert.True(row.Defragmented);
            Assert.Equal(100_000_000, row.DbSizeBefore);
            Assert.Equal(20_000_000, row.DbSizeAfter);
            Assert.Equal("30", row.MemberID);
            Assert.Equal(100_000_000, cluster["m1"].DbSize);
        }

        [Fact]
        public void SkipsAMemberWithLittleFreeSpaceUnlessForced()
        {
            var cluster = FakeCluster.Three();
            cluster["m2"].DbSize = 20_500_000;
            var plan = cluster.Maintenance().PlanDefragmentation(null, false, 1_000_000, out _);
            var m2 = plan.Single(s => s.Member.Name == "m2");
            Assert.True(m2.Skip);
            Assert.Contains("500 kB free", m2.SkipReason);
            Assert.Contains("-Force", m2.SkipReason);
            var skipped = m2.Skipped();
            Assert.False(skipped.Defragmented);
            Assert.Equal(20_500_000, skipped.DbSizeBefore);
            Assert.Equal(skipped.DbSizeBefore, skipped.DbSizeAfter);
            Assert.All(cluster.Maintenance().PlanDefragmentation(null, true, 1_000_000, out _), s => Assert.False(s.Skip));
        }

        [Fact]
        public void UnderNoSpaceNoMemberIsSkippedForItsFreeSpace()
        {
            // etcd refuses every write while NOSPACE is active, so DbSizeInUse still counts what a compaction freed.
            var cluster = FakeCluster.Three();
            foreach (var n in cluster.Nodes) n.DbSizeInUse = n.DbSize;
            cluster.Alarms.Add(new EtcdAlarmEntry { MemberId = cluster["m2"].Id, Alarm = "NOSPACE" });
            var plan = cluster.Maintenance().PlanDefragmentation(null, false, 1_000_000, out var noSpace);
            Assert.True(noSpace);
            Assert.All(plan, s => Assert.False(s.Skip));
        }

        [Fact]
        public void SkipsLearnersWhichEtcdServesNoDefragment()
        {
            var cluster = FakeCluster.Three();
            cluster.AddLearner("m4", 4);
            var plan = cluster.Maintenance().PlanDefragmentation(null, true, 0, out _);
            var learner = plan.Single(s => s.Member.Name == "m4");
            Assert.Contains("learner", learner.SkipReason);
            Assert.Equal("m1", plan.Last().Member.Name);
        }

        [Fact]
        public void ANamedMemberThatDoesNotExistIsUnknownMember()
        {
            var ex = Fails(() => FakeCluster.Three().Maintenance().PlanDefragmentation(new[] { "m9" }, false, 0, out _));
            Assert.Equal(ErrorIds.UnknownMember, ex.ErrorId);
            Assert.Contains("m1, m2, m3", ex.Message);
        }

        [Fact]
        public void RefusesWhileAVotingMemberIsDown()
        {
            var cluster = FakeCluster.Three();
            cluster["m3"].Down = true;
            var ex = Fails(() => cluster.Maintenance().PlanDefragmentation(null, true, 0, out _));
            Assert.Equal(ErrorIds.ClusterUnhealthy, ex.ErrorId);
            Assert.Contains("https://10.0.0.3:2379: connection refused", ex.Message);
            Assert.DoesNotContain(cluster.Calls, c => c.StartsWith("defragment"));
        }

        [Fact]
        public void RefusesWhileAVoterFailsALinearizableReadOrHasACorruptAlarm()
        {
            var cluster = FakeCluster.Three();
            cluster["m2"].ReadsFail = true;
            Assert.Contains("m2 (https://10.0.0.2:2379) is unhealthy", Fails(() => cluster.Maintenance().PlanDefragmentation(null, true, 0, out _)).Message);
            cluster["m2"].ReadsFail = false;
            cluster.Alarms.Add(new EtcdAlarmEntry { MemberId = cluster["m2"].Id, Alarm = "CORRUPT" });
            Assert.Contains("CORRUPT", Fails(() => cluster.Maintenance().PlanDefragmentation(null, true, 0, out _)).Message);
        }

        [Fact]
        public void ANoSpaceAlarmAloneDoesNotCountAgainstHealth()
        {
            var cluster = FakeCluster.Three();
            cluster.Alarms.Add(new EtcdAlarmEntry { MemberId = cluster["m1"].Id, Alarm = "NOSPACE" });
            Assert.Empty(cluster.Maintenance().HealthProblems());
            Assert.Equal(3, cluster.Maintenance().PlanDefragmentation(null, true, 0, out _).Count);
        }

        [Fact]
        public void AnUnstartedVoterCountsTowardQuorumSoItIsAProblem()
        {
            var cluster = FakeCluster.Three();
            cluster.Nodes.Add(new FakeCluster.Node { Id = 0x40, Name = "m4", Endpoint = "https://10.0.0.4:2379", Unstarted = true });
            var problems = cluster.Maintenance().HealthProblems();
            Assert.Equal("unstarted member 40 was added but has not started; it counts toward quorum", Assert.Single(problems));
        }

        [Fact]
        public void ADownLearnerIsNoProblem()
        {
            var cluster = FakeCluster.Three();
            cluster.AddLearner("m4", 4).Down = true;
            Assert.Empty(cluster.Maintenance().HealthProblems());
        }

        [Fact]
        public void NoLeaderIsAProblem()
        {
            var cluster = FakeCluster.Three();
            cluster.LeaderId = 0;
            Assert.Contains(cluster.Maintenance().HealthProblems(), p => p.Contains("knows no leader"));
        }

        [Fact]
        public void MembersNotAmongTheGivenEndpointsAreAskedOnTheirClientUrls()
        {
            var cluster = FakeCluster.Three();
            var plan = cluster.Maintenance("https://10.0.0.1:2379").PlanDefragmentation(null, true, 0, out _);
            Assert.Equal(new[] { "https://10.0.0.2:2379", "https://10.0.0.3:2379", "https://10.0.0.1:2379" }, plan.Select(s => s.Member.Endpoint));
            Assert.Contains("status https://10.0.0.3:2379", cluster.Calls);
        }

        [Fact]
        public void WaitingForHealthGivesUpWithClusterUnhealthy()
        {
            var cluster = FakeCluster.Three();
            cluster["m2"].Down = true;
            var attempts = 0;
            var ex = Fails(() => cluster.Maintenance().WaitHealthy(TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(10), "after defragmenting m1", _ => attempts++));
            Assert.Equal(ErrorIds.ClusterUnhealthy, ex.ErrorId);
            Assert.Equal(FailureKind.OperationTimeout, ex.Kind);
            Assert.Contains("after defragmenting m1", ex.Message);
            Assert.True(attempts >= 2);
            cluster["m2"].Down = false;
            cluster.Maintenance().WaitHealthy(TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(10), "now");
        }

        // ---- Alarms ----

        [Fact]
        public void AlarmsComeFromAVoterWithMemberNamesAndAreClearedOneByOne()
        {
            var cluster = FakeCluster.Three();
            cluster.AddLearner("m4", 4);
            cluster.Alarms.Add(new EtcdAlarmEntry { MemberId = cluster["m3"].Id, Alarm = "NOSPACE" });
            cluster.Alarms.Add(new EtcdAlarmEntry { MemberId = cluster["m1"].Id, Alarm = "NOSPACE" });
            cluster.Alarms.Add(new EtcdAlarmEntry { MemberId = 0x99, Alarm = "CORRUPT" });
            var maintenance = cluster.Maintenance("https://10.0.0.4:2379", "https://10.0.0.2:2379");
            var alarms = maintenance.ListAlarms(Long);
            Assert.Equal(new[] { "m1: NOSPACE", "m3: NOSPACE", "99: CORRUPT" }, alarms.Select(a => a.ToString()));
            Assert.DoesNotContain("alarm list https://10.0.0.4:2379", cluster.Calls);
            foreach (var alarm in alarms.Where(a => a.Alarm == "NOSPACE")) maintenance.ClearAlarm(alarm, Long);
            Assert.Equal(new[] { "alarm disarm 10 NOSPACE https://10.0.0.2:2379", "alarm disarm 30 NOSPACE https://10.0.0.2:2379" },
                cluster.Calls.Where(c => c.StartsWith("alarm disarm")));
            Assert.Equal("CORRUPT", Assert.Single(cluster.Alarms).Alarm);
        }

        [Fact]
        public void OnlyALearnerGivenFailsWithAHint()
        {
            var cluster = FakeCluster.Three();
            cluster.AddLearner("m4", 4);
            var ex = Fails(() => cluster.Maintenance("https://10.0.0.4:2379").ListAlarms(Long));
            Assert.Equal(ErrorIds.EtcdMemberListFailed, ex.ErrorId);
            Assert.Contains("give the endpoint of a voting member too", ex.Message);
        }

        [Fact]
        public void AVoterGivenBesideDownOnesIsEnoughAndTheOthersAreAskedOnTheirOwnUrls()
        {
            var cluster = FakeCluster.Three();
            cluster["m1"].Down = true;
            cluster["m2"].Down = true;
            Assert.Empty(cluster.Maintenance("https://10.0.0.1:2379", "https://10.0.0.3:2379").ListAlarms(Long));
            Assert.Contains("alarm list https://10.0.0.3:2379", cluster.Calls);
        }

        [Fact]
        public void NoAnsweringVoterIsNoVotingMemberAnswered()
        {
            var cluster = FakeCluster.Three();
            var maintenance = cluster.Maintenance();
            maintenance.Members(everyMember: false);
            foreach (var n in cluster.Nodes) n.Down = true;
            var ex = Fails(() => maintenance.ListAlarms(Long));
            Assert.Equal(ErrorIds.NoVotingMemberAnswered, ex.ErrorId);
            Assert.Contains("https://10.0.0.2:2379: connection refused", ex.Message);
        }

        // ---- Compaction ----

        [Fact]
        public void CompactsPhysicallyToTheCurrentRevisionThroughTheLeader()
        {
            var cluster = FakeCluster.Three();
            cluster.LeaderId = cluster["m3"].Id;
            var maintenance = cluster.Maintenance();
            var plan = maintenance.PlanCompaction(null, null);
            Assert.Equal(1000, plan.Revision);
            var result = maintenance.Compact(plan, Long)!;
            Assert.Equal(1000, result.Revision);
            Assert.Equal("m3", result.Member);
            Assert.Contains("compact 1000 physical https://10.0.0.3:2379", cluster.Calls);
        }

        [Fact]
        public void KeepRevisionsCountsBackFromTheCurrentRevision()
        {
            var maintenance = FakeCluster.Three().Maintenance();
            Assert.Equal(900, maintenance.PlanCompaction(null, 100).Revision);
            Assert.Equal(1000, maintenance.PlanCompaction(null, 0).Revision);
            var nothing = maintenance.PlanCompaction(null, 1000);
            Assert.Contains("keeping 1000 revisions leaves nothing to compact", nothing.NothingToDo);
        }

        [Fact]
        public void ARevisionAheadOfTheClusterIsRefusedBeforeAsking()
        {
            var cluster = FakeCluster.Three();
            var ex = Fails(() => cluster.Maintenance().PlanCompaction(1001, null));
            Assert.Equal(ErrorIds.EtcdRevisionOutOfRange, ex.ErrorId);
            Assert.DoesNotContain(cluster.Calls, c => c.StartsWith("compact"));
        }

        [Fact]
        public void CompactingWhatIsCompactedAlreadyIsNothingToDo()
        {
            var cluster = FakeCluster.Three();
            foreach (var n in cluster.Nodes) n.CompactRevision = 1000;
            var maintenance = cluster.Maintenance();
            Assert.Null(maintenance.Compact(maintenance.PlanCompaction(null, null), Long));
        }

        // ---- Leader ----

        [Fact]
        public void MovesLeadershipThroughTheCurrentLeader()
        {
            var cluster = FakeCluster.Three();
            var maintenance = cluster.Maintenance("https://10.0.0.3:2379");
            var plan = maintenance.PlanLeaderMove("m2");
            var change = maintenance.MoveLeader(plan, Long);
            Assert.Contains("move leader 20 https://10.0.0.1:2379", cluster.Calls);
            Assert.Equal(cluster["m2"].Id, cluster.LeaderId);
            Assert.Equal(("m1", "10", "m2", "20"), (change.PreviousLeader, change.PreviousLeaderID, change.Leader, change.LeaderID));
        }

        [Fact]
        public void ALearnerCannotLead()
        {
            var cluster = FakeCluster.Three();
            cluster.AddLearner("m4", 4);
            var ex = Fails(() => cluster.Maintenance().PlanLeaderMove("m4"));
            Assert.Equal(ErrorIds.EtcdLeaderTargetInvalid, ex.ErrorId);
            Assert.Contains("learner", ex.Message);
        }

        [Fact]
        public void ADownMemberCannotLead()
        {
            var cluster = FakeCluster.Three();
            cluster["m3"].Down = true;
            var ex = Fails(() => cluster.Maintenance().PlanLeaderMove("m3"));
            Assert.Equal(ErrorIds.EtcdLeaderTargetInvalid, ex.ErrorId);
            Assert.Contains("connection refused", ex.Message);
        }

        [Fact]
        public void AnUnknownTargetAndAnUnreachableLeaderAreRefused()
        {
            var cluster = FakeCluster.Three();
            Assert.Equal(ErrorIds.UnknownMember, Fails(() => cluster.Maintenance().PlanLeaderMove("nope")).ErrorId);
            cluster["m1"].Down = true;
            var ex = Fails(() => cluster.Maintenance().PlanLeaderMove("m2"));
            Assert.Equal(ErrorIds.EtcdNoLeader, ex.ErrorId);
            Assert.Contains("The leader m1 did not answer", ex.Message);
        }

        [Fact]
        public void TheLeaderItselfIsNothingToDo()
        {
            Assert.True(FakeCluster.Three().Maintenance().PlanLeaderMove("m1").AlreadyLeader);
        }

        // ---- Consistency ----

        [Fact]
        public void HashesEveryVoterAtTheLowestCurrentRevision()
        {
            var cluster = FakeCluster.Three();
            cluster["m2"].Revision = 998;
            cluster.AddLearner("m4", 4);
            var report = cluster.Maintenance().CheckConsistency(Long);
            Assert.True(report.Consistent);
            Assert.Equal(998, report.Revision);
            Assert.Equal(new[] { "m1", "m2", "m3" }, report.Rows.Select(r => r.Member));
            Assert.All(report.Rows, r => Assert.Equal((998L, 42u, true), (r.Revision, r.Hash, r.Consistent)));
            Assert.DoesNotContain(cluster.Calls, c => c.StartsWith("hashkv") && c.EndsWith("10.0.0.4:2379"));
            Assert.Empty(report.Failures);
        }

        [Fact]
        public void AMemberWithAnotherHashIsTheOddOneOut()
        {
            var cluster = FakeCluster.Three();
            cluster["m3"].Hash = 7;
            var report = cluster.Maintenance().CheckConsistency(Long);
            Assert.False(report.Consistent);
            Assert.Equal(new[] { true, true, false }, report.Rows.Select(r => r.Consistent));
            var mismatch = Assert.Single(report.Failures);
            Assert.Equal(ErrorIds.EtcdHashMismatch, mismatch.ErrorId);
            Assert.Contains("m3 7", mismatch.Message);
        }

        [Fact]
        public void ADownVoterMakesTheVerdictFalse()
        {
            var cluster = FakeCluster.Three();
            cluster["m2"].Down = true;
            var report = cluster.Maintenance().CheckConsistency(Long);
            Assert.False(report.Consistent);
            Assert.Equal(2, report.Rows.Count);
            Assert.All(report.Rows, r => Assert.True(r.Consistent));
            Assert.Equal(ErrorIds.EtcdEndpointUnreachable, Assert.Single(report.Failures).ErrorId);
        }

        [Fact]
        public void ACompactionDuringTheCheckIsAskedAgain()
        {
            var cluster = FakeCluster.Three();
            var hashes = 0;
            cluster.BeforeHash = node =>
            {
                // The compaction reaches m1 before it hashes, the others only after they did.
                if (++hashes == 1) node.CompactRevision = 500;
                if (hashes == 3) foreach (var n in cluster.Nodes) n.CompactRevision = 500;
            };
            var report = cluster.Maintenance().CheckConsistency(Long);
            Assert.True(report.Consistent);
            Assert.Equal(6, cluster.Calls.Count(c => c.StartsWith("hashkv")));
            Assert.All(report.Rows, r => Assert.Equal(500, r.CompactRevision));
            Assert.Equal(3, cluster.Calls.Count(c => c.StartsWith("hashkv 0 ")));
        }

        [Fact]
        public void AHashStoredAtACompactionThatARestartedMemberLacksIsAskedAtTheCurrentRevision()
        {
            var cluster = FakeCluster.Three();
            foreach (var n in cluster.Nodes) n.CompactRevision = 1000;
            cluster["m1"].StoredHash = (1000, 99, -1);
            cluster["m2"].StoredHash = (1000, 99, -1);
            var report = cluster.Maintenance().CheckConsistency(Long);
            Assert.True(report.Consistent);
            Assert.Equal(new[] { "hashkv 1000", "hashkv 1000", "hashkv 1000", "hashkv 0", "hashkv 0", "hashkv 0" },
                cluster.Calls.Where(c => c.StartsWith("hashkv")).Select(c => c.Substring(0, c.IndexOf(" https", StringComparison.Ordinal))));
            Assert.All(report.Rows, r => Assert.Equal((1000L, 1000L, 42u), (r.Revision, r.CompactRevision, r.Hash)));
        }

        [Fact]
        public void Etcd34RefusingTheCompactionsOwnRevisionIsAskedAtTheCurrentRevision()
        {
            var cluster = FakeCluster.Three();
            cluster.V34 = true;
            foreach (var n in cluster.Nodes) n.CompactRevision = 1000;
            var report = cluster.Maintenance().CheckConsistency(Long);
            Assert.True(report.Consistent);
            Assert.Empty(report.Failures);
            Assert.Equal(3, cluster.Calls.Count(c => c.StartsWith("hashkv 0 ")));
            Assert.All(report.Rows, r => Assert.Equal(1000, r.Revision));
        }

        [Fact]
        public void HashesThatStayIncomparableAreReportedAsSuch()
        {
            var cluster = FakeCluster.Three();
            cluster["m3"].CompactRevision = 900;
            var report = cluster.Maintenance().CheckConsistency(Long, attempts: 2);
            Assert.False(report.Consistent);
            Assert.Contains("cannot be compared", Assert.Single(report.Failures).Message);
        }
    }
}
