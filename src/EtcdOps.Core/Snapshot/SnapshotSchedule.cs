using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Snapshot
{
    /// <summary>The snapshot schedule on one member's host, as Enable- and Disable-EtcdSnapshotSchedule leave it.</summary>
    public sealed class EtcdSnapshotSchedule
    {
        public string Member { get; set; } = "";
        public string Address { get; set; } = "";

        /// <summary>etcd-snapshot.timer is enabled and active.</summary>
        public bool Enabled { get; set; }

        /// <summary>systemd's calendar expression of the timer (OnCalendar=).</summary>
        public string OnCalendar { get; set; } = "";

        /// <summary>How many of the newest snapshots each run keeps.</summary>
        public int Keep { get; set; }

        /// <summary>Where the snapshots are, on the host.</summary>
        public string Directory { get; set; } = "";

        /// <summary>The member's client URL the service snapshots.</summary>
        public string Endpoint { get; set; } = "";

        /// <summary>When the timer fires next (UTC); null when it is not active.</summary>
        public DateTime? NextRun { get; set; }

        /// <summary>True when anything on the host was created, changed or removed.</summary>
        public bool Changed { get; set; }

        /// <summary>What changed, in words.</summary>
        public EtcdList<string> Changes { get; set; } = new EtcdList<string>();
    }

    /// <summary>What Enable-EtcdSnapshotSchedule was asked for; <see cref="Validate"/> refuses what systemd or the script could not take.</summary>
    internal sealed class SnapshotScheduleSettings
    {
        /// <summary>Every 12 hours, at 00:00 and 12:00 (the host's time zone), as k3s does.</summary>
        public const string DefaultOnCalendar = "*-*-* 00/12:00:00";
        public const int DefaultKeep = 5;
        public const string DefaultDirectory = "/var/lib/etcd-snapshots";

        public string OnCalendar { get; set; } = DefaultOnCalendar;
        public int Keep { get; set; } = DefaultKeep;
        public string Directory { get; set; } = DefaultDirectory;

        /// <summary>The client certificate's base name on the hosts (the set's ClientName).</summary>
        public string ClientName { get; set; } = EtcdCertificateSet.DefaultClientName;

        public SnapshotScheduleSettings Validate()
        {
            if (OnCalendar.Trim().Length == 0 || OnCalendar.IndexOfAny(new[] { '\n', '\r', '%', '\\' }) >= 0)
                throw Invalid($"-OnCalendar '{OnCalendar}' is not a systemd calendar expression. Give one such as '{DefaultOnCalendar}' (every 12 hours), 'daily' or '*-*-* 02:30:00'; 'systemd-analyze calendar' checks one.", OnCalendar);
            OnCalendar = OnCalendar.Trim();
            if (Keep < 1) throw Invalid($"-Keep {Keep}: keep at least one snapshot.", Keep);
            var dir = Directory.TrimEnd('/');
            if (!dir.StartsWith("/", StringComparison.Ordinal) || dir.Length < 2 || !SnapshotSchedule.IsPlainWord(dir) || dir.Split('/').Any(p => p == ".." || p == "."))
                throw Invalid($"-Directory '{Directory}' must be an absolute path other than / of letters, digits and . _ - + @ : , = only, such as {DefaultDirectory}.", Directory);
            Directory = dir;
            return this;
        }

        private static EtcdOpsException Invalid(string message, object target) =>
            new EtcdOpsException(ErrorIds.InvalidSnapshotSchedule, FailureKind.InvalidArgument, message, target);
    }

    /// <summary>
    /// The snapshot schedule on a member's host: etcd-snapshot.service (Type=oneshot, as the etcd user, sandboxed to
    /// write only the snapshot directory) runs etcd-snapshot.sh against the member's own client URL with the client
    /// certificate Install-EtcdNode put on the host; etcd-snapshot.timer starts it on the calendar asked. Planned from
    /// a read-only probe, applied like Install-EtcdNode's files (only what differs is written, systemd reloaded only
    /// then), so a second run with the same settings changes nothing.
    /// </summary>
    internal static class SnapshotSchedule
    {
        public const string ServiceName = "etcd-snapshot.service";
        public const string TimerName = "etcd-snapshot.timer";
        public const string UnitDirectory = "/etc/systemd/system";
        public const string ServicePath = UnitDirectory + "/" + ServiceName;
        public const string TimerPath = UnitDirectory + "/" + TimerName;

        /// <summary>The script the service runs: EtcdOps' own, outside the folders etcd and its binaries share.</summary>
        public const string ScriptPath = ScriptDirectory + "/etcd-snapshot.sh";
        public const string ScriptDirectory = "/usr/local/lib/etcdops";

        /// <summary>The account the service runs as: etcd's, which owns the client key and the snapshots.</summary>
        private const string Account = "etcd";

        private static readonly Regex PlainWord = new Regex(@"^[A-Za-z0-9_./:\[\]@+,=-]+$", RegexOptions.CultureInvariant);

        /// <summary>A value systemd passes on as one argument, unchanged: no space, quote, backslash, $, % or ;.</summary>
        internal static bool IsPlainWord(string value) => PlainWord.IsMatch(value);

        /// <summary>The arguments of etcd-snapshot.sh for this member, in its order.</summary>
        internal static IReadOnlyList<string> ScriptArguments(EtcdCluster cluster, EtcdMember member, EtcdHostLayout layout, SnapshotScheduleSettings settings)
        {
            var arguments = new[]
            {
                layout.EtcdctlBinary, layout.EtcdutlBinary, cluster.ClientUrl(member), layout.ClientTrustedCaFile,
                layout.ClientCertificateFile(settings.ClientName), layout.ClientKeyFile(settings.ClientName),
                settings.Directory, settings.Keep.ToString(CultureInfo.InvariantCulture), cluster.Name,
            };
            var odd = arguments.FirstOrDefault(a => !IsPlainWord(a));
            if (odd != null)
                throw new EtcdOpsException(ErrorIds.InvalidSnapshotSchedule, FailureKind.InvalidArgument,
                    $"{member.Name}: '{odd}' (from the host's conf.yml or the cluster) has characters a systemd unit would change (a space, quote, backslash, $, % or ;). Install etcd with paths of letters, digits and . _ - / only.", member.Name);
            return arguments;
        }

        public static string RenderService(EtcdCluster cluster, EtcdMember member, EtcdHostLayout layout, SnapshotScheduleSettings settings)
        {
            var arguments = ScriptArguments(cluster, member, layout, settings);
            var unit = new StringBuilder();
            unit.Append("# Written by EtcdOps (Enable-EtcdSnapshotSchedule); Disable-EtcdSnapshotSchedule removes it and keeps the snapshots.\n");
            unit.Append("[Unit]\n");
            unit.Append($"Description=etcd snapshot of member {member.Name} (cluster {cluster.Name}) into {settings.Directory}, keeping {settings.Keep}\n");
            unit.Append($"After={layout.UnitName}.service network-online.target\n\n");
            unit.Append("[Service]\n");
            unit.Append("Type=oneshot\n");
            unit.Append($"User={Account}\n");
            unit.Append($"Group={Account}\n");
            unit.Append("UMask=0077\n");
            unit.Append($"ExecStart=/bin/sh {ScriptPath} {string.Join(" ", arguments)}\n");
            unit.Append("TimeoutStartSec=1h\n");
            // A snapshot streams the whole database: behind etcd for CPU and disk.
            unit.Append("Nice=10\n");
            unit.Append("IOSchedulingClass=best-effort\n");
            unit.Append("IOSchedulingPriority=7\n");
            // It reads the client key and writes one directory, nothing else.
            unit.Append("NoNewPrivileges=yes\n");
            unit.Append("PrivateTmp=yes\n");
            unit.Append("ProtectSystem=strict\n");
            unit.Append("ProtectHome=yes\n");
            unit.Append($"ReadWritePaths={settings.Directory}\n");
            return unit.ToString();
        }

        public static string RenderTimer(EtcdCluster cluster, EtcdMember member, SnapshotScheduleSettings settings)
        {
            var unit = new StringBuilder();
            unit.Append("# Written by EtcdOps (Enable-EtcdSnapshotSchedule); Disable-EtcdSnapshotSchedule removes it.\n");
            unit.Append("[Unit]\n");
            unit.Append($"Description=etcd snapshots of member {member.Name} (cluster {cluster.Name}) on a schedule\n\n");
            unit.Append("[Timer]\n");
            unit.Append($"OnCalendar={settings.OnCalendar}\n");
            unit.Append("AccuracySec=1min\n");
            unit.Append($"Unit={ServiceName}\n\n");
            unit.Append("[Install]\n");
            unit.Append("WantedBy=timers.target\n");
            return unit.ToString();
        }

        /// <summary>The schedule's files on a host: the script, the service, the timer (in that order).</summary>
        public static IReadOnlyList<RemoteFile> Files(EtcdCluster cluster, EtcdMember member, EtcdHostLayout layout, SnapshotScheduleSettings settings) => new[]
        {
            new RemoteFile(ScriptPath, Encoding.UTF8.GetBytes(RemoteScript.EtcdSnapshot.Text), "0755"),
            new RemoteFile(ServicePath, Encoding.UTF8.GetBytes(RenderService(cluster, member, layout, settings)), "0644"),
            new RemoteFile(TimerPath, Encoding.UTF8.GetBytes(RenderTimer(cluster, member, settings)), "0644"),
        };

        /// <summary>schedule-probe.sh for this host: the calendar, the timer, the directory, etcdctl, the files and what the service needs.</summary>
        internal static string ProbeCommand(EtcdHostLayout layout, SnapshotScheduleSettings settings, IReadOnlyList<RemoteFile> files) =>
            RemoteScript.ScheduleProbe.Command(new[]
            {
                TimerName, settings.OnCalendar, settings.Directory, Account, Account, layout.EtcdctlBinary, layout.ClientCertificateFile(settings.ClientName),
                ScriptDirectory, files.Count.ToString(CultureInfo.InvariantCulture),
            }.Concat(files.Select(f => f.Path)).Concat(new[]
            {
                layout.EtcdctlBinary, layout.ClientTrustedCaFile, layout.ClientCertificateFile(settings.ClientName), layout.ClientKeyFile(settings.ClientName),
            }));

        /// <summary>Reads the host's layout and looks at its schedule (changing nothing), and decides what Enable must do there.</summary>
        public static async Task<SnapshotSchedulePlan> PlanAsync(IRemoteHost host, EtcdCluster cluster, EtcdMember member, SnapshotScheduleSettings settings,
            string? localClientSha256, CancellationToken cancellation)
        {
            var layout = await EtcdHostLayout.ReadAsync(host, cluster.DataDir, cancellation).ConfigureAwait(false);
            var files = Files(cluster, member, layout, settings);
            var probe = HostProbe.Parse(await host.RunCheckedAsync(ProbeCommand(layout, settings, files), "inspecting the snapshot schedule", cancellation).ConfigureAwait(false));
            return Decide(cluster, member, layout, settings, files, probe, localClientSha256);
        }

        /// <summary>
        /// Decides from the probe what Enable must do on the host. Refuses (throws) what would never run: etcd not
        /// installed, a certificate the service needs missing, a calendar systemd does not understand.
        /// </summary>
        public static SnapshotSchedulePlan Decide(EtcdCluster cluster, EtcdMember member, EtcdHostLayout layout, SnapshotScheduleSettings settings,
            IReadOnlyList<RemoteFile> files, HostProbe probe, string? localClientSha256)
        {
            var target = $"{member.Name} ({member.SshTarget})";
            if (probe.Get("etcdctl").Length == 0)
                throw new EtcdOpsException(ErrorIds.EtcdNotInstalled, FailureKind.NotInstalled,
                    $"{target}: there is no etcdctl at {layout.EtcdctlBinary}, so nothing could take the snapshots. Install etcd there first (Install-EtcdNode).", member.Name);
            var missing = probe.Get("missing").Split(new[] { ' ' }, StringSplitOptions.RemoveEmptyEntries);
            if (missing.Length > 0)
                throw new EtcdOpsException(ErrorIds.SnapshotClientCertificateMissing, FailureKind.ObjectNotFound,
                    $"{target}: the snapshot service needs {string.Join(", ", missing)}, which the host does not have. Install-EtcdNode -CertificateSet places the client certificate beside the server's; with another -ClientName, pass that certificate set with -CertificateSet.", member.Name);
            if (probe.Get("calendar") == "invalid")
                throw new EtcdOpsException(ErrorIds.InvalidSnapshotSchedule, FailureKind.InvalidArgument,
                    $"{target}: systemd does not understand -OnCalendar '{settings.OnCalendar}' ({probe.Get("calendar_error")}). Give one such as '{SnapshotScheduleSettings.DefaultOnCalendar}', 'daily' or '*-*-* 02:30:00'.", settings.OnCalendar);
            var plan = new SnapshotSchedulePlan(member, target, settings, cluster.ClientUrl(member), layout, files)
            {
                PreparesDirectory = probe.Get("dir") != "ok",
                PreparesScriptDirectory = probe.Get("sdir") != "ok",
                Enables = probe.Get("enabled") != "enabled",
                Starts = probe.Get("active") != "active",
                NextRun = ParseEpoch(probe.Get("next")),
            };
            for (var i = 0; i < files.Count; i++)
                if (probe.Get("f" + i.ToString(CultureInfo.InvariantCulture)) != files[i].Fingerprint) plan.FilesToWrite.Add(files[i]);
            var onHost = probe.Get("clientsha");
            if (localClientSha256 != null && onHost.Length > 0 && !string.Equals(onHost, localClientSha256, StringComparison.OrdinalIgnoreCase))
                plan.Warnings.Add($"{target}: {layout.ClientCertificateFile(settings.ClientName)} is not the client certificate of -CertificateSet; the service uses the host's. Renewed it locally? Put it on the hosts with Install-EtcdNode -CertificateSet.");
            return plan;
        }

        /// <summary>Writes what the plan says, reloads systemd only when a unit changed, enables and starts the timer; then reads the host back.</summary>
        public static async Task<EtcdSnapshotSchedule> ApplyAsync(IRemoteHost host, SnapshotSchedulePlan plan, CancellationToken cancellation)
        {
            var layout = plan.Layout;
            var result = plan.Result();
            if (plan.ChangesNothing) return result;
            // write-files.sh makes missing folders owner-only: the script's folder must be readable by etcd first.
            var prepare = RemoteScript.Sequence(
                plan.PreparesDirectory
                    ? RemoteScript.PrepareAccount.Command(new[]
                    {
                        Account, Account, layout.EtcdUid.ToString(CultureInfo.InvariantCulture), layout.EtcdGid.ToString(CultureInfo.InvariantCulture), layout.DataDir, plan.Settings.Directory,
                    })
                    : null,
                plan.PreparesScriptDirectory ? RemoteScript.ScheduleTimer.Command("prepare", "-", ScriptDirectory) : null);
            var unitsWritten = plan.FilesToWrite.Any(f => f.Path != ScriptPath);
            var enable = RemoteScript.ScheduleTimer.Command("enable", TimerName, unitsWritten ? "reload" : "no-reload",
                plan.FilesToWrite.Any(f => f.Path == TimerPath) ? "restart" : "no-restart");
            var (changed, other) = await RemoteFiles.EnsureAsync(host, plan.FilesToWrite, cancellation, prepare, enable).ConfigureAwait(false);
            result.Changes.AddRange(changed.Select(c => c.ContentChanged ? c.Path : c.Path + " (mode or owner)"));
            result.Changes.AddRange(other);
            var after = HostProbe.Parse(await host.RunCheckedAsync(ProbeCommand(layout, plan.Settings, plan.Files), "reading the snapshot timer", cancellation).ConfigureAwait(false));
            result.Enabled = after.Get("enabled") == "enabled" && after.Get("active") == "active";
            result.NextRun = ParseEpoch(after.Get("next"));
            result.Changed = result.Changes.Count > 0;
            return result;
        }

        /// <summary>Stops and removes the timer, the service and the script; the snapshots stay.</summary>
        public static async Task<EtcdSnapshotSchedule> DisableAsync(IRemoteHost host, EtcdMember member, CancellationToken cancellation)
        {
            var output = await host.RunCheckedAsync(DisableCommand(), "removing the snapshot schedule", cancellation).ConfigureAwait(false);
            var changes = output.Split('\n').Where(l => l.StartsWith("changed: ", StringComparison.Ordinal)).Select(l => l.Substring(9).Trim()).ToList();
            return new EtcdSnapshotSchedule { Member = member.Name, Address = member.Address, Enabled = false, Changed = changes.Count > 0, Changes = changes };
        }

        internal static string DisableCommand() =>
            RemoteScript.ScheduleTimer.Command("disable", TimerName, ServiceName, ScriptDirectory, TimerPath, ServicePath, ScriptPath);

        /// <summary>The -WhatIf text of Disable-EtcdSnapshotSchedule.</summary>
        public const string DisableDescription =
            "Stop and disable " + TimerName + ", remove it, " + ServiceName + " and " + ScriptPath + " (the snapshots already taken stay)";

        internal static DateTime? ParseEpoch(string seconds) =>
            long.TryParse(seconds, NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0
                ? DateTimeOffset.FromUnixTimeSeconds(s).UtcDateTime
                : (DateTime?)null;
    }

    /// <summary>What Enable-EtcdSnapshotSchedule will do on one host; <see cref="Description"/> is what -WhatIf prints.</summary>
    internal sealed class SnapshotSchedulePlan
    {
        public SnapshotSchedulePlan(EtcdMember member, string target, SnapshotScheduleSettings settings, string endpoint, EtcdHostLayout layout, IReadOnlyList<RemoteFile> files)
        {
            Member = member; Target = target; Settings = settings; Endpoint = endpoint; Layout = layout; Files = files;
        }

        public EtcdHostLayout Layout { get; }

        /// <summary>Every file of the schedule as wanted; <see cref="FilesToWrite"/> those that differ on the host.</summary>
        public IReadOnlyList<RemoteFile> Files { get; }

        public EtcdMember Member { get; }
        public string Target { get; }
        public SnapshotScheduleSettings Settings { get; }
        public string Endpoint { get; }
        public bool PreparesDirectory { get; set; }
        public bool PreparesScriptDirectory { get; set; }
        public bool Enables { get; set; }
        public bool Starts { get; set; }
        public DateTime? NextRun { get; set; }
        public List<RemoteFile> FilesToWrite { get; } = new List<RemoteFile>();
        public List<string> Warnings { get; } = new List<string>();

        public bool ChangesNothing => !PreparesDirectory && !PreparesScriptDirectory && !Enables && !Starts && FilesToWrite.Count == 0;

        private string Schedule => $"snapshots of {Endpoint} on '{Settings.OnCalendar}', the newest {Settings.Keep} kept in {Settings.Directory}";

        public string Description
        {
            get
            {
                if (ChangesNothing) return "Nothing to change: " + Schedule;
                var parts = new List<string>();
                if (PreparesDirectory) parts.Add($"create {Settings.Directory} (0700, etcd)");
                if (PreparesScriptDirectory) parts.Add($"create {SnapshotSchedule.ScriptDirectory} (0755)");
                if (FilesToWrite.Count > 0) parts.Add("write " + string.Join(", ", FilesToWrite.Select(f => f.Path)));
                if (Enables || Starts) parts.Add($"enable and start {SnapshotSchedule.TimerName}");
                else if (FilesToWrite.Any(f => f.Path == SnapshotSchedule.TimerPath)) parts.Add($"restart {SnapshotSchedule.TimerName}");
                return string.Join("; ", parts) + ": " + Schedule;
            }
        }

        /// <summary>The host's schedule as the plan finds it (unchanged until applied).</summary>
        public EtcdSnapshotSchedule Result() => new EtcdSnapshotSchedule
        {
            Member = Member.Name,
            Address = Member.Address,
            Enabled = !Enables && !Starts,
            OnCalendar = Settings.OnCalendar,
            Keep = Settings.Keep,
            Directory = Settings.Directory,
            Endpoint = Endpoint,
            NextRun = NextRun,
        };
    }
}
