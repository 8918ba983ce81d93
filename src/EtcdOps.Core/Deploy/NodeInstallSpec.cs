using System;
using System.Collections.Generic;

namespace EtcdOps
{
    /// <summary>Everything Install-EtcdNode puts on one member's host, resolved before any host is touched.</summary>
    internal sealed class NodeInstallSpec
    {
        public NodeInstallSpec(EtcdCluster cluster, EtcdMember member, EtcdHostLayout? layout = null)
        {
            Cluster = cluster; Member = member;
            Layout = layout ?? new EtcdHostLayout { DataDir = cluster.DataDir };
        }

        public EtcdCluster Cluster { get; }
        public EtcdMember Member { get; }

        /// <summary>Where etcd lives on this host.</summary>
        public EtcdHostLayout Layout { get; }

        /// <summary>Certificates, keys and the systemd unit, with modes and owners.</summary>
        public List<RemoteFile> Files { get; } = new List<RemoteFile>();

        /// <summary>conf.yml for the first start (initial-cluster-state: new).</summary>
        public byte[] ConfigNew { get; set; } = Array.Empty<byte>();

        /// <summary>conf.yml once the cluster exists (initial-cluster-state: existing).</summary>
        public byte[] ConfigExisting { get; set; } = Array.Empty<byte>();

        public string ConfigPath => Layout.ConfigPath;
        public string UnitPath => Layout.UnitPath;
        public string UnitName => Layout.UnitName;
        public string BinDir => Layout.BinaryDirectory;
        public int EtcdUid => Layout.EtcdUid;
        public int EtcdGid => Layout.EtcdGid;
        public string DataDir => Layout.DataDir;

        /// <summary>The etcd version the member must run (the cluster's).</summary>
        public string ReleaseVersion { get; set; } = "";

        /// <summary>The verified release archive for this host's architecture; set once the plan says binaries are needed.</summary>
        public string ReleaseArchivePath { get; set; } = "";

        /// <summary>The CA file etcd trusts (trusted-ca-file): replacing it on a running cluster is refused, and it needs a restart.</summary>
        public string? TrustedCaPath { get; set; }

        public string DisplayName => $"{Member.Name} ({Member.SshTarget})";

        private static readonly System.Text.RegularExpressions.Regex InitialClusterLine =
            new System.Text.RegularExpressions.Regex(@"^initial-cluster:[^\n]*$", System.Text.RegularExpressions.RegexOptions.Multiline | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        /// <summary>
        /// conf.yml for a member joining the running cluster: <see cref="ConfigExisting"/> with the initial-cluster etcd
        /// checks a joiner against (the cluster's members as they are, the joiner included), not the inventory's.
        /// </summary>
        public byte[] JoinConfig(string initialCluster)
        {
            var text = System.Text.Encoding.UTF8.GetString(ConfigExisting);
            var line = "initial-cluster: " + initialCluster;
            text = InitialClusterLine.IsMatch(text) ? InitialClusterLine.Replace(text, line, 1) : text.TrimEnd('\n') + "\n" + line + "\n";
            return System.Text.Encoding.UTF8.GetBytes(text);
        }
    }

    /// <summary>What Install-EtcdNode did on one member.</summary>
    public sealed class EtcdNodeInstallResult
    {
        public string Name { get; set; } = "";
        public string Address { get; set; } = "";
        public string Version { get; set; } = "";

        /// <summary>True when anything on the host was created or changed.</summary>
        public bool Changed { get; set; }

        /// <summary>True when etcd was started because it was not running.</summary>
        public bool Started { get; set; }

        /// <summary>True when a running etcd was restarted to pick up a change.</summary>
        public bool Restarted { get; set; }

        public TimeSpan Duration { get; set; }

        /// <summary>What changed, in words: "etcd 3.5.16 installed", "/etc/etcd/conf.yml", ...</summary>
        public EtcdList<string> Changes { get; set; } = new EtcdList<string>();
    }

    /// <summary>A progress report from a host's worker; the cmdlet turns these into progress records on its own thread.</summary>
    internal sealed class DeployProgress
    {
        public DeployProgress(string member, string phase, int percent)
        {
            Member = member; Phase = phase; Percent = percent;
        }

        public string Member { get; }
        public string Phase { get; }
        public int Percent { get; }
    }
}
