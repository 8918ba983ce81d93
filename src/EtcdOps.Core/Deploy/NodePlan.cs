using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace EtcdOps.Deploy
{
    /// <summary>What one read-only look at a member's host found (one round trip, before anything is decided).</summary>
    internal sealed class HostProbe
    {
        private readonly Dictionary<string, string> _values;

        public HostProbe(Dictionary<string, string> values) => _values = values;

        /// <summary>Parses the probe script's "key=value" lines.</summary>
        public static HostProbe Parse(string output)
        {
            var values = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n'))
            {
                var i = line.IndexOf('=');
                if (i > 0) values[line.Substring(0, i).Trim()] = line.Substring(i + 1).Trim();
            }
            return new HostProbe(values);
        }

        public string Get(string key) => _values.TryGetValue(key, out var v) ? v : "";

        public string InstalledVersion => Get("etcd");
        public bool Active => Get("active") == "active";
        public bool Bootstrapped => Get("bootstrapped") == "yes";
        public bool Enabled => Get("enabled") == "enabled";
        public bool AccountReady => Get("account") == "ok";
        public string Machine => Get("arch");

        /// <summary>sha256 of conf.yml without its initial-cluster and initial-cluster-token lines; empty without conf.yml.</summary>
        public string BootNeutralConfig => Get("fboot");

        /// <summary>The initial-cluster-token conf.yml names.</summary>
        public string Token => Get("token");

        /// <summary>"sha256 mode owner group" of the i-th probed file; empty when it does not exist.</summary>
        public string Fingerprint(int index) => Get("f" + index.ToString(CultureInfo.InvariantCulture));

        /// <summary>The i-th probed file's modification time in microseconds since the epoch; null when unknown.</summary>
        public long? ModifiedMicros(int index) => Micros("m" + index.ToString(CultureInfo.InvariantCulture));

        public long? BinaryModifiedMicros => Micros("mbin");

        /// <summary>When the running etcd process was started, in microseconds since the epoch; null when not running.</summary>
        public long? StartedMicros => Micros("started");

        private long? Micros(string key) =>
            long.TryParse(Get(key), NumberStyles.None, CultureInfo.InvariantCulture, out var v) && v > 0 ? v : (long?)null;
    }

    /// <summary>How a member relates to the running cluster, decided from the live member list and the host's probe.</summary>
    internal enum MemberRole
    {
        /// <summary>No cluster exists yet: the member founds it with the others (initial-cluster-state: new).</summary>
        Bootstrap,

        /// <summary>The member is in the running cluster and has its data: installed and started or restarted as needed.</summary>
        Member,

        /// <summary>Not in the cluster (or added by an earlier run and never started): member add as a learner, start with state existing, promote.</summary>
        Join,

        /// <summary>In the cluster, but its data is gone or belongs to another cluster: its old ID removed, its data moved aside, joined again.</summary>
        Replace,
    }

    /// <summary>
    /// What Install-EtcdNode will do on one member's host, decided from a read-only probe before any host is
    /// changed: the files that differ, whether the binaries change, whether a running member needs a restart and why.
    /// <see cref="Description"/> is what -WhatIf prints for the host.
    /// </summary>
    internal sealed class NodePlan
    {
        internal NodePlan(NodeInstallSpec spec) => Spec = spec;

        internal NodeInstallSpec Spec { get; }

        public string MemberName => Spec.Member.Name;

        /// <summary>The host as messages name it: "etcd-1 (10.0.0.11)".</summary>
        public string Target => Spec.DisplayName;

        /// <summary>The host's release architecture (amd64, arm64): the release archive it needs.</summary>
        public string Architecture { get; internal set; } = "";

        public string InstalledVersion { get; internal set; } = "";

        /// <summary>True when the etcd binaries on the host are not the cluster's version.</summary>
        public bool InstallsBinaries { get; internal set; }

        public bool WasActive { get; internal set; }

        /// <summary>systemd's ActiveState of the unit as the probe found it (active, activating, failed, inactive; empty without a unit).</summary>
        public string ServiceState { get; internal set; } = "";

        public bool Bootstrapped { get; internal set; }

        /// <summary>How the member relates to the running cluster; Bootstrap when there is none.</summary>
        public MemberRole Role { get; internal set; } = MemberRole.Bootstrap;

        /// <summary>The member's entry in the running cluster's member list; null when it has none.</summary>
        internal LiveMember? Entry { get; set; }

        /// <summary>True for a member that joins (or rejoins) through member add, one at a time after the others are up.</summary>
        public bool Joins => Role == MemberRole.Join || Role == MemberRole.Replace;

        /// <summary>True when the member is a learner of the running cluster that still needs its promotion.</summary>
        public bool Promotes => Joins || Entry?.IsLearner == true;

        /// <summary>True when the host's data dir holds another member's data and goes aside (to data-dir.removed-time) before the join.</summary>
        public bool MovesDataAside { get; internal set; }

        /// <summary>True when the host has data and its conf.yml is still exactly this inventory's founding one (state new).</summary>
        internal bool FoundingConfig { get; set; }

        /// <summary>The initial-cluster-token the host's conf.yml names (what the member was bootstrapped with, when it was).</summary>
        public string HostToken { get; internal set; } = "";

        /// <summary>Files whose content, mode or owner differ from what is wanted.</summary>
        internal List<RemoteFile> FilesToWrite { get; } = new List<RemoteFile>();

        /// <summary>True when the etcd trust anchor on the host exists and differs from the set's CA.</summary>
        public bool ChangesAuthority { get; internal set; }

        /// <summary>Why a running member must restart; empty when it keeps running.</summary>
        public IReadOnlyList<string> RestartReasons => _restartReasons;

        public bool NeedsRestart => WasActive && _restartReasons.Count > 0;

        /// <summary>True when conf.yml must end with initial-cluster-state: existing (flipped after the cluster is up).</summary>
        public bool FlipsState { get; internal set; }

        /// <summary>Gives a plan that installs binaries the verified archive for its host's architecture.</summary>
        public void UseRelease(string archivePath) => Spec.ReleaseArchivePath = archivePath;

        public bool EnablesService { get; internal set; }
        public bool PreparesAccount { get; internal set; }

        internal readonly List<string> _restartReasons = new List<string>();

        public bool ChangesNothing => !InstallsBinaries && FilesToWrite.Count == 0 && !FlipsState && !EnablesService && !PreparesAccount && WasActive && !NeedsRestart && !Promotes;

        /// <summary>Per host, in words, what would change.</summary>
        public string Description
        {
            get
            {
                if (ChangesNothing) return "Nothing to change: etcd " + InstalledVersion + " is running with the wanted files";
                var parts = new List<string>();
                if (InstallsBinaries)
                    parts.Add(InstalledVersion.Length == 0
                        ? $"install etcd {Spec.ReleaseVersion} (linux-{Architecture}) to {Spec.BinDir}"
                        : $"replace etcd {InstalledVersion} with {Spec.ReleaseVersion} in {Spec.BinDir}");
                if (PreparesAccount) parts.Add($"create user etcd ({Spec.EtcdUid}) and its 0700 directories");
                if (FilesToWrite.Count > 0) parts.Add("write " + string.Join(", ", FilesToWrite.Select(f => f.Path)));
                if (EnablesService) parts.Add("enable " + Spec.UnitName);
                if (Role == MemberRole.Replace)
                    parts.Add($"replace the member: remove its ID {EtcdClient.Hex(Entry?.Id ?? 0)} (its data is gone or belongs to another cluster), move {Spec.DataDir} aside, add it again as a learner, start it with initial-cluster-state: existing, promote it");
                else if (Role == MemberRole.Join)
                    parts.Add((Entry != null ? "start the learner an earlier run added" : "join the running cluster: member add as a learner")
                        + (MovesDataAside ? $" (first stop etcd and move {Spec.DataDir} aside: its data is not this cluster's)" : "")
                        + ", start with initial-cluster-state: existing, promote once in sync; one member at a time");
                else if (!WasActive) parts.Add("start etcd (all stopped members together)");
                else if (NeedsRestart) parts.Add("restart etcd, one member at a time (" + string.Join("; ", _restartReasons) + ")");
                else parts.Add("no restart (etcd reads certificates at every TLS handshake)");
                if (FlipsState) parts.Add("set initial-cluster-state: existing");
                if (Role == MemberRole.Member && Promotes) parts.Add("promote the learner");
                return string.Join("; ", parts);
            }
        }

        public override string ToString() => $"{Target}: {Description}";
    }

    /// <summary>The decisions of Install-EtcdNode, from what the probe found: pure, so every case is unit-tested.</summary>
    internal static class NodePlanner
    {
        /// <summary>The files the probe looks at, in order: the spec's files, then conf.yml.</summary>
        public static IReadOnlyList<string> ProbedPaths(NodeInstallSpec spec) =>
            spec.Files.Select(f => f.Path).Concat(new[] { spec.ConfigPath }).ToList();

        public static NodePlan Decide(NodeInstallSpec spec, HostProbe probe)
        {
            var plan = new NodePlan(spec)
            {
                Architecture = HostArchitecture(probe.Machine, spec.DisplayName),
                InstalledVersion = probe.InstalledVersion,
                WasActive = probe.Active,
                ServiceState = probe.Get("active"),
                Bootstrapped = probe.Bootstrapped,
                EnablesService = !probe.Enabled,
                PreparesAccount = !probe.AccountReady,
            };
            plan.InstallsBinaries = probe.InstalledVersion != spec.ReleaseVersion;

            for (var i = 0; i < spec.Files.Count; i++)
            {
                var file = spec.Files[i];
                var found = probe.Fingerprint(i);
                if (found == file.Fingerprint) continue;
                plan.FilesToWrite.Add(file);
                var contentChanged = !found.StartsWith(file.Sha256 + " ", StringComparison.Ordinal);
                if (file.Path == spec.TrustedCaPath && found.Length > 0 && contentChanged) plan.ChangesAuthority = true;
                // etcd reads certificates and keys at every TLS handshake; only the unit and the CA pool need a restart.
                if (contentChanged && (file.Path == spec.UnitPath || file.Path == spec.TrustedCaPath))
                    plan._restartReasons.Add(file.Path + " changed");
            }

            // A bootstrapped member runs with 'existing'; a new one starts with 'new' and is flipped once the cluster is up.
            // A run that stopped before the flip left 'new' on a bootstrapped member: that is a flip, not a change.
            var conf = probe.Fingerprint(spec.Files.Count);
            var existing = new RemoteFile(spec.ConfigPath, spec.ConfigExisting, "600", "etcd", "etcd");
            var fresh = new RemoteFile(spec.ConfigPath, spec.ConfigNew, "600", "etcd", "etcd");
            plan.HostToken = probe.Token;
            // etcd reads initial-cluster and initial-cluster-token only when it bootstraps: for a member that has its data, a
            // change there alone (a fresh token, a grown inventory, a joiner's initial-cluster) is no reason to write or restart.
            var sameOwner = conf.Length > 0 && conf.Substring(conf.IndexOf(' ') + 1) == existing.Fingerprint.Substring(existing.Fingerprint.IndexOf(' ') + 1);
            var neutral = probe.BootNeutralConfig;
            if (probe.Bootstrapped && conf == fresh.Fingerprint) plan.FlipsState = plan.FoundingConfig = true;
            else if (probe.Bootstrapped && sameOwner && neutral.Length > 0 && neutral == BootNeutralSha(spec.ConfigExisting)) { }
            else if (probe.Bootstrapped && sameOwner && neutral.Length > 0 && neutral == BootNeutralSha(spec.ConfigNew)) plan.FlipsState = true;
            else
            {
                var wanted = probe.Bootstrapped ? existing : fresh;
                if (conf != wanted.Fingerprint)
                {
                    plan.FilesToWrite.Add(wanted);
                    if (!conf.StartsWith(wanted.Sha256 + " ", StringComparison.Ordinal)) plan._restartReasons.Add(spec.ConfigPath + " changed");
                }
                plan.FlipsState = !probe.Bootstrapped;
            }
            if (plan.InstallsBinaries) plan._restartReasons.Add($"etcd {probe.InstalledVersion} -> {spec.ReleaseVersion}");

            // A run interrupted between writing and restarting leaves a process older than its files: it still needs its restart.
            if (plan.WasActive && plan._restartReasons.Count == 0 && probe.StartedMicros is long started)
            {
                var stale = new List<string>();
                var confIndex = spec.Files.Count;
                if (probe.ModifiedMicros(confIndex) > started) stale.Add(spec.ConfigPath);
                for (var i = 0; i < spec.Files.Count; i++)
                {
                    var path = spec.Files[i].Path;
                    if ((path == spec.UnitPath || path == spec.TrustedCaPath) && probe.ModifiedMicros(i) > started) stale.Add(path);
                }
                if (probe.BinaryModifiedMicros > started) stale.Add(spec.BinDir + "/etcd");
                if (stale.Count > 0) plan._restartReasons.Add("running since before " + string.Join(", ", stale) + " was written (an interrupted run?)");
            }
            return plan;
        }

        /// <summary>What the probe's fboot is for <paramref name="config"/>: the sha256 of its lines but initial-cluster and initial-cluster-token.</summary>
        internal static string BootNeutralSha(byte[] config)
        {
            var text = System.Text.Encoding.UTF8.GetString(config);
            var lines = text.Split('\n').ToList();
            if (lines.Count > 0 && lines[lines.Count - 1].Length == 0) lines.RemoveAt(lines.Count - 1);
            var kept = string.Concat(lines.Where(l => !l.StartsWith("initial-cluster:", StringComparison.Ordinal) && !l.StartsWith("initial-cluster-token:", StringComparison.Ordinal)).Select(l => l + "\n"));
            return Sha256Sums.Compute(System.Text.Encoding.UTF8.GetBytes(kept));
        }

        /// <summary>
        /// Relates every plan to the running cluster (<paramref name="live"/>; null when no member answered). A cluster
        /// exists when a member answers or any host has data: then no member is ever started with state new; a member
        /// missing from it joins, one whose data is gone or foreign is replaced. Returns warnings for the operator
        /// (members the inventory does not name, a token other than the one the cluster was bootstrapped with).
        /// </summary>
        public static IReadOnlyList<string> AssignRoles(IReadOnlyList<NodePlan> plans, EtcdCluster cluster, LiveCluster? live)
        {
            var warnings = new List<string>();
            if (live == null && !plans.Any(p => p.Bootstrapped)) return warnings;
            // A founding that was interrupted (the deploy killed after some members started): no member answers, and every
            // host with data still has this inventory's founding conf.yml (state new, same initial-cluster and token). Those
            // members wait for the others to found the cluster with them; a member add would need the quorum they lack.
            if (live == null && plans.Where(p => p.Bootstrapped).All(p => p.FoundingConfig)) return warnings;
            foreach (var p in plans)
            {
                var entry = live?.Map.FindByPeerUrl(cluster.PeerUrl(p.Spec.Member));
                var foreign = live != null && live.Foreign.ContainsKey(cluster.ClientUrl(p.Spec.Member));
                p.Entry = entry;
                if (entry == null) p.Role = live == null && p.Bootstrapped ? MemberRole.Member : MemberRole.Join;
                else if (foreign || (!p.Bootstrapped && entry.IsStarted)) p.Role = MemberRole.Replace;
                else p.Role = p.Bootstrapped ? MemberRole.Member : MemberRole.Join;
                if (p.Joins)
                {
                    // conf.yml is written at join time, with the cluster's members as they are then; the member starts then too.
                    p.FilesToWrite.RemoveAll(f => f.Path == p.Spec.ConfigPath);
                    p._restartReasons.Clear();
                    p.FlipsState = false;
                    p.MovesDataAside = p.Bootstrapped || p.Role == MemberRole.Replace;
                }
                else if (p.Bootstrapped && p.HostToken.Length > 0 && p.HostToken != cluster.Token)
                    warnings.Add($"{p.Target}: the inventory's token '{cluster.Token}' differs from '{p.HostToken}', the one this member was bootstrapped with. " +
                        "etcd uses the token only when a cluster is founded, so nothing is changed for it; put the cluster's token in the inventory to silence this.");
            }
            if (live != null)
            {
                var known = cluster.Members.Select(cluster.PeerUrl).ToList();
                foreach (var m in live.Map.Members.Where(m => !known.Any(m.HasPeerUrl)))
                    warnings.Add($"The cluster has a member the inventory does not name: {(m.IsStarted ? m.Name : "(unstarted)")} {m.ID} at {string.Join(",", m.PeerUrls)}. " +
                        "Install-EtcdNode never removes members; remove it with Remove-EtcdMember, or add it to the inventory.");
            }
            return warnings;
        }

        /// <summary>The release architecture for what <c>uname -m</c> printed on a host.</summary>
        private static string HostArchitecture(string machine, string host)
        {
            try { return EtcdReleaseSource.NormalizeArchitecture(machine); }
            catch (EtcdOpsException ex)
            {
                throw new EtcdOpsException(ErrorIds.UnsupportedArchitecture, FailureKind.InvalidOperation,
                    $"{host}: the host's architecture is '{machine}'; etcd releases exist for amd64 (x86_64) and arm64 (aarch64).", host, ex);
            }
        }

        /// <summary>
        /// A new CA rolled onto running members makes peers reject each other ("certificate signed by unknown
        /// authority") and loses quorum; refused before any host is touched.
        /// </summary>
        public static EtcdOpsException? CheckAuthorityChange(IReadOnlyList<NodePlan> plans)
        {
            var changed = plans.Where(p => p.ChangesAuthority).ToList();
            if (changed.Count == 0 || !plans.Any(p => p.WasActive)) return null;
            var first = changed[0].Spec;
            return new EtcdOpsException(ErrorIds.CertificateAuthorityChangeRefused, FailureKind.InvalidOperation,
                $"The certificate set's CA differs from {first.TrustedCaPath} on {string.Join(", ", changed.Select(p => p.Target))}, and the cluster is running. " +
                "Rolling a new CA onto running members makes them reject each other ('certificate signed by unknown authority') and the cluster loses quorum. " +
                "No host was touched. Use the certificate set this cluster was deployed with (Import-EtcdCertificateSet on its folder); " +
                "to move to a new CA, rotate it in steps: trust both CAs on every member (rolling restart), issue every certificate from the new CA, then trust only the new CA (rolling restart).",
                first.Member);
        }
    }
}
