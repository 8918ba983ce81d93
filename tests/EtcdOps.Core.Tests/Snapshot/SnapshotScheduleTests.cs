using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Remote;
using Xunit;

namespace EtcdOps.Tests.Snapshot
{
    /// <summary>
    /// The snapshot schedule: units rendered from the host's layout, the plan from a probe, and the scripts it installs
    /// (the snapshot itself, the listing) run by /bin/sh against a temp folder with a fake etcdctl. The lab proves systemd.
    /// </summary>
    public class SnapshotScheduleTests : IDisposable
    {
        private static readonly EtcdCluster Cluster = new EtcdCluster
        {
            Name = "prod", Members = new List<EtcdMember> { new EtcdMember("etcd-1", "10.0.0.11"), new EtcdMember("etcd-2", "10.0.0.12") },
        };

        private static EtcdMember Member => Cluster.Members[0];

        // A layout New-EtcdConfig could have made: other folders than the defaults, read back from conf.yml.
        private static readonly EtcdHostLayout Layout = EtcdHostLayout.Parse(
            "unit=/etc/systemd/system/etcd.service\nexec=ExecStart=/opt/etcd/bin/etcd --config-file=/etc/ssl/etcd/conf.yml\n--- conf\n" +
            "data-dir: /srv/etcd\nclient-transport-security:\n  cert-file: /etc/ssl/etcd/server.pem\n  key-file: /etc/ssl/etcd/server-key.pem\n  trusted-ca-file: /etc/ssl/etcd/root-ca.pem\n",
            "/var/lib/etcd");

        private readonly ScriptSandbox _box = new ScriptSandbox();

        public void Dispose() => _box.Dispose();

        private static SnapshotScheduleSettings Settings(string calendar = SnapshotScheduleSettings.DefaultOnCalendar, int keep = 5, string dir = "/var/lib/etcd-snapshots") =>
            new SnapshotScheduleSettings { OnCalendar = calendar, Keep = keep, Directory = dir }.Validate();

        [Fact]
        public void TheServiceSnapshotsTheLocalMemberWithTheHostsOwnFilesAsEtcd()
        {
            var unit = SnapshotSchedule.RenderService(Cluster, Member, Layout, Settings(keep: 3, dir: "/backup/etcd/"));
            var lines = unit.Split('\n');
            Assert.Contains("Type=oneshot", lines);
            Assert.Contains("User=etcd", lines);
            Assert.Contains("UMask=0077", lines);
            Assert.Contains("ExecStart=/bin/sh /usr/local/lib/etcdops/etcd-snapshot.sh /opt/etcd/bin/etcdctl /opt/etcd/bin/etcdutl https://10.0.0.11:2379 " +
                            "/etc/ssl/etcd/root-ca.pem /etc/ssl/etcd/client.pem /etc/ssl/etcd/client-key.pem /backup/etcd 3 prod", lines);
            // Without a client trusted-ca-file in conf.yml, the certificate folder's ca.pem.
            var bare = Layout.Clone();
            bare.ClientCaFile = null;
            Assert.Contains(" /etc/ssl/etcd/ca.pem /etc/ssl/etcd/client.pem ", SnapshotSchedule.RenderService(Cluster, Member, bare, Settings()));
            // Written only to its own folder (the listing reads the folder back from this line).
            Assert.Contains("ProtectSystem=strict", lines);
            Assert.Contains("ReadWritePaths=/backup/etcd", lines);
            Assert.Contains("After=etcd.service network-online.target", lines);
            Assert.DoesNotContain(lines, l => l.StartsWith("[Install]", StringComparison.Ordinal));
        }

        [Fact]
        public void TheClientCertificateFollowsTheSetsClientName()
        {
            var settings = Settings();
            settings.ClientName = "backup";
            Assert.Contains("/etc/ssl/etcd/backup.pem /etc/ssl/etcd/backup-key.pem", SnapshotSchedule.RenderService(Cluster, Member, Layout, settings));
        }

        [Fact]
        public void TheTimerStartsTheServiceOnTheCalendarAsked()
        {
            var lines = SnapshotSchedule.RenderTimer(Cluster, Member, Settings("*-*-* 02:30:00")).Split('\n');
            Assert.Contains("OnCalendar=*-*-* 02:30:00", lines);
            Assert.Contains("Unit=etcd-snapshot.service", lines);
            Assert.Contains("WantedBy=timers.target", lines);
            Assert.Contains("OnCalendar=*-*-* 00/12:00:00", SnapshotSchedule.RenderTimer(Cluster, Member, new SnapshotScheduleSettings().Validate()).Split('\n'));
        }

        [Theory]
        [InlineData("*-*-* 00:00:00\nExecStart=/bin/evil", 5, "/var/lib/etcd-snapshots", "-OnCalendar")]
        [InlineData("%h", 5, "/var/lib/etcd-snapshots", "-OnCalendar")]
        [InlineData(" ", 5, "/var/lib/etcd-snapshots", "-OnCalendar")]
        [InlineData("daily", 0, "/var/lib/etcd-snapshots", "-Keep")]
        [InlineData("daily", 5, "backups", "-Directory")]
        [InlineData("daily", 5, "/", "-Directory")]
        [InlineData("daily", 5, "/var/lib/etcd snapshots", "-Directory")]
        [InlineData("daily", 5, "/var/lib/$HOME", "-Directory")]
        [InlineData("daily", 5, "/var/lib/../etc", "-Directory")]
        public void SettingsAUnitWouldChangeAreRefused(string calendar, int keep, string dir, string named)
        {
            var ex = Assert.Throws<EtcdOpsException>(() => new SnapshotScheduleSettings { OnCalendar = calendar, Keep = keep, Directory = dir }.Validate());
            Assert.Equal(ErrorIds.InvalidSnapshotSchedule, ex.ErrorId);
            Assert.StartsWith(named, ex.Message);
        }

        private static HostProbe Probe(IReadOnlyList<RemoteFile> files, params string[] lines) =>
            HostProbe.Parse(string.Join("\n", new[] { "calendar=ok", "enabled=enabled", "active=active", "dir=ok", "sdir=ok", "etcdctl=3.5.16", "next=1900000000" }
                .Concat(files.Select((f, i) => $"f{i}={f.Fingerprint}")).Concat(lines)));

        [Fact]
        public void AHostWithTheSameScheduleIsLeftAlone()
        {
            var settings = Settings();
            var files = SnapshotSchedule.Files(Cluster, Member, Layout, settings);
            var plan = SnapshotSchedule.Decide(Cluster, Member, Layout, settings, files, Probe(files), null);
            Assert.True(plan.ChangesNothing);
            Assert.StartsWith("Nothing to change: snapshots of https://10.0.0.11:2379 on '*-*-* 00/12:00:00', the newest 5 kept in /var/lib/etcd-snapshots", plan.Description);
            var result = plan.Result();
            Assert.Equal((true, false, new DateTime(2030, 3, 17, 17, 46, 40, DateTimeKind.Utc)), (result.Enabled, result.Changed, result.NextRun!.Value));
        }

        [Fact]
        public void OnlyWhatDiffersIsWritten()
        {
            var before = Settings(keep: 5);
            var after = Settings(keep: 2);
            var probe = Probe(SnapshotSchedule.Files(Cluster, Member, Layout, before));
            var files = SnapshotSchedule.Files(Cluster, Member, Layout, after);
            var plan = SnapshotSchedule.Decide(Cluster, Member, Layout, after, files, probe, null);
            Assert.Equal(new[] { SnapshotSchedule.ServicePath }, plan.FilesToWrite.Select(f => f.Path));
            Assert.Equal("write /etc/systemd/system/etcd-snapshot.service: snapshots of https://10.0.0.11:2379 on '*-*-* 00/12:00:00', the newest 2 kept in /var/lib/etcd-snapshots", plan.Description);

            var calendar = Settings("hourly");
            plan = SnapshotSchedule.Decide(Cluster, Member, Layout, calendar, SnapshotSchedule.Files(Cluster, Member, Layout, calendar), probe, null);
            Assert.Equal(new[] { SnapshotSchedule.TimerPath }, plan.FilesToWrite.Select(f => f.Path));
            Assert.StartsWith("write /etc/systemd/system/etcd-snapshot.timer; restart etcd-snapshot.timer:", plan.Description);
        }

        [Fact]
        public void ABareHostGetsTheFolderTheFilesAndTheTimer()
        {
            var settings = Settings();
            var files = SnapshotSchedule.Files(Cluster, Member, Layout, settings);
            var probe = HostProbe.Parse("calendar=ok\nenabled=\nactive=inactive\ndir=missing\netcdctl=3.4.23\n");
            var plan = SnapshotSchedule.Decide(Cluster, Member, Layout, settings, files, probe, null);
            Assert.Equal((true, true, true, true, 3), (plan.PreparesDirectory, plan.PreparesScriptDirectory, plan.Enables, plan.Starts, plan.FilesToWrite.Count));
            Assert.StartsWith("create /var/lib/etcd-snapshots (0700, etcd); create /usr/local/lib/etcdops (0755); write /usr/local/lib/etcdops/etcd-snapshot.sh, /etc/systemd/system/etcd-snapshot.service, " +
                              "/etc/systemd/system/etcd-snapshot.timer; enable and start etcd-snapshot.timer:", plan.Description);
            Assert.False(plan.Result().Enabled);
        }

        [Theory]
        [InlineData("etcdctl=", "EtcdNotInstalled", "Install-EtcdNode")]
        [InlineData("missing=/etc/ssl/etcd/client.pem /etc/ssl/etcd/client-key.pem", "SnapshotClientCertificateMissing", "/etc/ssl/etcd/client.pem, /etc/ssl/etcd/client-key.pem")]
        [InlineData("calendar=invalid\ncalendar_error=Failed to parse calendar specification 'sometimes': Invalid argument", "InvalidSnapshotSchedule", "Failed to parse calendar")]
        public void AHostTheServiceCouldNeverRunOnIsRefusedBeforeAnythingChanges(string line, string errorId, string says)
        {
            var settings = Settings();
            var files = SnapshotSchedule.Files(Cluster, Member, Layout, settings);
            var ex = Assert.Throws<EtcdOpsException>(() => SnapshotSchedule.Decide(Cluster, Member, Layout, settings, files, Probe(files, line.Split('\n')), null));
            Assert.Equal(errorId, ex.ErrorId);
            Assert.Contains(says, ex.Message);
            Assert.StartsWith("etcd-1 (10.0.0.11): ", ex.Message);
        }

        [Fact]
        public void AClientCertificateOtherThanTheSetsIsWarnedAbout()
        {
            var settings = Settings();
            var files = SnapshotSchedule.Files(Cluster, Member, Layout, settings);
            var plan = SnapshotSchedule.Decide(Cluster, Member, Layout, settings, files, Probe(files, "clientsha=" + new string('a', 64)), new string('b', 64));
            Assert.Contains("is not the client certificate of -CertificateSet", Assert.Single(plan.Warnings));
            Assert.Empty(SnapshotSchedule.Decide(Cluster, Member, Layout, settings, files, Probe(files, "clientsha=" + new string('a', 64)), new string('A', 64)).Warnings);
        }

        [Fact]
        public void PathsASystemdUnitWouldChangeAreRefused()
        {
            var layout = Layout.Clone();
            layout.CertificateDirectory = "/etc/my etcd";
            var ex = Assert.Throws<EtcdOpsException>(() => SnapshotSchedule.RenderService(Cluster, Member, layout, Settings()));
            Assert.Equal(ErrorIds.InvalidSnapshotSchedule, ex.ErrorId);
        }

        // ---- The scripts, run by /bin/sh ----

        private static byte[] SnapshotBytes(int pages, int seed)
        {
            var data = new byte[512 * pages];
            new Random(seed).NextBytes(data);
            return data.Concat(SHA256.HashData(data)).ToArray();
        }

        /// <summary>
        /// A fake etcdctl: endpoint status as etcd 3.5 prints it (a cluster ID above 2^63), snapshot save copies the
        /// template as etcdctl writes (.part, then renamed) and counts the revision up, snapshot status reports it.
        /// </summary>
        private string FakeEtcdctl(byte[] template)
        {
            File.WriteAllBytes(_box.Path("template.db"), template);
            _box.Write("revision", "41");
            var body = $@"
case ""$*"" in
  *'endpoint status'*) echo '[{{""Endpoint"":""https://10.0.0.11:2379"",""Status"":{{""header"":{{""cluster_id"":14841639068965178418,""member_id"":10276657743932975437,""revision"":7,""raft_term"":2}},""version"":""3.5.16"",""dbSize"":20480}}}}]' ;;
  *'snapshot save'*) for p in ""$@""; do :; done; cp '{_box.Path("template.db")}' ""$p.part""; mv ""$p.part"" ""$p""; echo $(($(cat '{_box.Path("revision")}') + 1)) > '{_box.Path("revision")}' ;;
  *'snapshot status'*) echo ""{{\""hash\"":1,\""revision\"":$(cat '{_box.Path("revision")}'),\""totalKey\"":3,\""totalSize\"":20480}}"" ;;
esac";
            _box.Fake("etcdctl", body);
            return _box.Path(".fake-bin/etcdctl");
        }

        private string RunCommand(string etcdctl, string dir, int keep) =>
            RemoteScript.EtcdSnapshot.Command(etcdctl, _box.Path("no-etcdutl"), "https://10.0.0.11:2379", "/ca.pem", "/client.pem", "/client-key.pem", dir, keep.ToString(), "prod");

        [UnixFact]
        public async Task TheServiceKeepsTheNewestSnapshotsEachWholeWithSaveEtcdSnapshotsMetadata()
        {
            var etcdctl = FakeEtcdctl(SnapshotBytes(8, 1));
            var dir = Directory.CreateDirectory(_box.Path("snapshots")).FullName;
            _box.Write("snapshots/notes.txt", "not a snapshot");
            _box.Write("snapshots/other-20200101T000000Z-r1.db", "another cluster's");
            for (var i = 0; i < 3; i++)
            {
                var run = await _box.RunAsync(RunCommand(etcdctl, dir, 2));
                Assert.True(run.Succeeded, run.Error);
                Assert.Matches(@"^saved .*/prod-\d{8}T\d{6}Z-r4[234]\.db \(4128 bytes, revision 4[234], sha256 [0-9a-f]{64}\)", run.Output);
            }
            var kept = Directory.GetFiles(dir, "prod-*").Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToList();
            Assert.Equal(4, kept.Count);
            Assert.Matches(@"^prod-\d{8}T\d{6}Z-r43\.db$", kept[0]);
            Assert.Equal(kept[0] + ".json", kept[1]);
            Assert.Matches(@"^prod-\d{8}T\d{6}Z-r44\.db$", kept[2]);
            // Nothing else was pruned, and no temp file is left.
            Assert.Equal(new[] { "notes.txt", "other-20200101T000000Z-r1.db" }, Directory.GetFiles(dir).Select(Path.GetFileName).Where(n => !n!.StartsWith("prod-")).OrderBy(n => n));
            Assert.Empty(Directory.GetFiles(dir, ".*"));

            var snapshot = SnapshotFile.Inspect(Path.Combine(dir, kept[2]!));
            Assert.True(snapshot.IsValid, snapshot.Problem);
            Assert.Equal((44L, "cdf818194e3a8c32", "8e9e05c52164694d", "https://10.0.0.11:2379", "3.5.16"),
                (snapshot.Revision, snapshot.ClusterID, snapshot.MemberID, snapshot.Endpoint, snapshot.EtcdVersion));
            Assert.InRange(snapshot.Created, DateTime.UtcNow.AddMinutes(-1), DateTime.UtcNow.AddMinutes(1));
            Assert.Equal("600", ScriptSandbox.ModeAndOwner(snapshot.Path).Split(' ')[0]);
            Assert.Equal("600", ScriptSandbox.ModeAndOwner(snapshot.MetadataPath).Split(' ')[0]);
        }

        [UnixFact]
        public async Task ACorruptSnapshotFailsTheRunAndLeavesNothing()
        {
            var bytes = SnapshotBytes(8, 2);
            bytes[10] ^= 0xff;
            var etcdctl = FakeEtcdctl(bytes);
            var dir = Directory.CreateDirectory(_box.Path("snapshots")).FullName;
            var run = await _box.RunAsync(RunCommand(etcdctl, dir, 2));
            Assert.False(run.Succeeded);
            Assert.Contains("the SHA-256 trailer does not match the data", run.Error);
            Assert.Empty(Directory.GetFiles(dir));
        }

        [UnixFact]
        public async Task TheListingOnAHostJudgesEachFileAsALocalCheckWould()
        {
            var dir = Directory.CreateDirectory(_box.Path("backups")).FullName;
            File.WriteAllBytes(Path.Combine(dir, "a-whole.db"), SnapshotBytes(4, 3));
            var flipped = SnapshotBytes(4, 4);
            flipped[700] ^= 1;
            File.WriteAllBytes(Path.Combine(dir, "b-flipped.db"), flipped);
            File.WriteAllBytes(Path.Combine(dir, "c-short.db"), SnapshotBytes(4, 5).Take(2000).ToArray());
            File.WriteAllBytes(Path.Combine(dir, "d-tiny.db"), new byte[] { 1, 2, 3 });
            var withMeta = Path.Combine(dir, "e-meta.db");
            File.WriteAllBytes(withMeta, SnapshotBytes(4, 6));
            var whole = SnapshotFile.Inspect(withMeta);
            whole.Revision = 12; whole.ClusterID = "c1"; whole.MemberID = "m1"; whole.EtcdVersion = "3.5.16"; whole.Created = new DateTime(2026, 12, 1, 10, 0, 0, DateTimeKind.Utc);
            SnapshotFile.WriteMetadata(whole);
            var other = Path.Combine(dir, "f-other.db");
            File.WriteAllBytes(other, SnapshotBytes(4, 7));
            File.WriteAllText(other + ".json", "{\"Size\": 2080, \"Sha256\": \"" + new string('0', 64) + "\"}");
            _box.Write("snapshots/not-listed.db", "x");

            // No -Directory: the folder the installed service may write.
            var unit = _box.Write("etc/etcd-snapshot.service", "[Service]\nReadWritePaths=" + dir + "\n");
            var output = await _box.Shell.RunAsync(RemoteScript.ListSnapshots.Command(unit, _box.Path("snapshots"), ""), null, CancellationToken.None);
            var listing = HostSnapshotReader.Parse(output.Output, "etcd-2");
            Assert.Equal(dir, listing.Directory);
            var local = Directory.GetFiles(dir, "*.db").OrderBy(f => f, StringComparer.Ordinal).Select(SnapshotFile.Inspect).ToList();
            Assert.Equal(local.Select(s => s.Path), listing.Snapshots.Select(s => s.Path));
            foreach (var (remote, here) in listing.Snapshots.Zip(local))
            {
                Assert.Equal("etcd-2", remote.Member);
                Assert.Equal((here.Size, here.Sha256, here.IsValid, here.Problem, here.Revision, here.ClusterID, here.MetadataPath),
                    (remote.Size, remote.Sha256, remote.IsValid, remote.Problem, remote.Revision, remote.ClusterID, remote.MetadataPath));
                // The host says the file's time in whole seconds; the metadata's time is whole seconds anyway.
                Assert.Equal(here.Created.AddTicks(-(here.Created.Ticks % TimeSpan.TicksPerSecond)), remote.Created);
            }
            Assert.Equal(new[] { true, false, false, false, true, false }, listing.Snapshots.Select(s => s.IsValid));

            // Without a unit, the default folder; a folder that does not exist lists nothing.
            listing = HostSnapshotReader.Parse((await _box.RunAsync(RemoteScript.ListSnapshots.Command(_box.Path("none"), _box.Path("snapshots"), ""))).Output, "etcd-2");
            Assert.Equal(("not-listed.db", false), (Path.GetFileName(Assert.Single(listing.Snapshots).Path), listing.Snapshots[0].IsValid));
            listing = HostSnapshotReader.Parse((await _box.RunAsync(RemoteScript.ListSnapshots.Command(unit, "/x", _box.Path("missing")))).Output, "etcd-2");
            Assert.Equal((_box.Path("missing"), 0), (listing.Directory, listing.Snapshots.Count));
        }

        [UnixFact]
        public async Task EnableReloadsAndRestartsOnlyWhenAUnitChangedAndDisableKeepsTheSnapshots()
        {
            _box.Fake("systemctl", "case \"$1\" in is-enabled|is-active) exit 0 ;; esac");
            var timer = RemoteScript.ScheduleTimer;
            Assert.Equal("", (await _box.RunAsync(timer.Command("enable", "etcd-snapshot.timer", "no-reload", "no-restart"))).Output);
            Assert.Equal("changed: etcd-snapshot.timer restarted\n", (await _box.RunAsync(timer.Command("enable", "etcd-snapshot.timer", "reload", "restart"))).Output);
            Assert.Equal(new[]
            {
                "systemctl [is-enabled] [--quiet] [etcd-snapshot.timer]", "systemctl [is-active] [--quiet] [etcd-snapshot.timer]",
                "systemctl [daemon-reload]", "systemctl [is-enabled] [--quiet] [etcd-snapshot.timer]", "systemctl [is-active] [--quiet] [etcd-snapshot.timer]",
                "systemctl [restart] [etcd-snapshot.timer]",
            }, _box.Calls);

            var unit = _box.Write("etc/etcd-snapshot.timer", "[Timer]\n");
            var script = _box.Write("lib/etcdops/etcd-snapshot.sh", "#!/bin/sh\n");
            _box.Write("lib/other/keep.sh", "#!/bin/sh\n");
            var kept = _box.Write("snapshots/prod-20261203T000000Z-r5.db", "kept");
            var run = await _box.RunAsync(timer.Command("disable", "etcd-snapshot.timer", "etcd-snapshot.service", _box.Path("lib/etcdops"), unit, _box.Path("etc/absent.service"), script));
            Assert.True(run.Succeeded, run.Error);
            Assert.Equal("changed: etcd-snapshot.timer stopped and disabled\nchanged: the running etcd-snapshot.service stopped\nchanged: " + unit + " removed\nchanged: " + script + " removed\n", run.Output);
            Assert.False(File.Exists(unit));
            Assert.False(Directory.Exists(_box.Path("lib/etcdops")));
            // A folder that still holds something stays.
            Assert.True((await _box.RunAsync(timer.Command("disable", "etcd-snapshot.timer", "etcd-snapshot.service", _box.Path("lib/other")))).Succeeded);
            Assert.True(File.Exists(_box.Path("lib/other/keep.sh")));
            Assert.True(File.Exists(kept));
            Assert.Contains("systemctl [daemon-reload]", _box.Calls.Skip(6));
            Assert.Equal("systemctl [reset-failed] [etcd-snapshot.timer] [etcd-snapshot.service]", _box.Calls.Last());
        }
    }
}
