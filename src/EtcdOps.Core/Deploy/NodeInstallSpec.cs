using System;
using System.Collections.Generic;

namespace EtcdOps
{
    /// <summary>Everything Install-EtcdNode puts on one member's host, resolved before any host is touched.</summary>
    public sealed class NodeInstallSpec
    {
        public const string DefaultBinDir = "/usr/local/bin";
        public const int DefaultEtcdId = 1501;

        public NodeInstallSpec(EtcdCluster cluster, EtcdMember member)
        {
            Cluster = cluster; Member = member; DataDir = cluster.DataDir;
        }

        public EtcdCluster Cluster { get; }
        public EtcdMember Member { get; }

        /// <summary>Certificates, keys and the systemd unit, with modes and owners.</summary>
        public List<RemoteFile> Files { get; } = new List<RemoteFile>();

        public string ConfigPath { get; set; } = "/etc/etcd/conf.yml";
        public string ConfigDirectory { get; set; } = "/etc/etcd";

        /// <summary>conf.yml for the first start (initial-cluster-state: new).</summary>
        public byte[] ConfigNew { get; set; } = Array.Empty<byte>();

        /// <summary>conf.yml once the cluster exists (initial-cluster-state: existing).</summary>
        public byte[] ConfigExisting { get; set; } = Array.Empty<byte>();

        public string UnitPath { get; set; } = "/etc/systemd/system/etcd.service";
        public string UnitName { get; set; } = "etcd";
        public string BinDir { get; set; } = DefaultBinDir;
        public int EtcdUid { get; set; } = DefaultEtcdId;
        public int EtcdGid { get; set; } = DefaultEtcdId;

        /// <summary>The member's data directory (conf.yml's data-dir; the cluster's DataDir by default).</summary>
        public string DataDir { get; set; } = EtcdCluster.DefaultDataDir;

        /// <summary>Directories etcd must own (0700): the config directory, the data dir, a separate WAL dir.</summary>
        public List<string> EtcdDirectories { get; } = new List<string>();

        /// <summary>The etcd version the member must run (the cluster's).</summary>
        public string ReleaseVersion { get; set; } = "";

        /// <summary>The verified release archive for this host's architecture; set once the plan says binaries are needed.</summary>
        public string ReleaseArchivePath { get; set; } = "";

        /// <summary>The CA file etcd trusts (trusted-ca-file): replacing it on a running cluster is refused, and it needs a restart.</summary>
        public string? TrustedCaPath { get; set; }

        public string DisplayName => $"{Member.Name} ({Member.SshTarget})";
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
        public List<string> Changes { get; set; } = new List<string>();
    }

    /// <summary>A progress report from a host's worker; the cmdlet turns these into progress records on its own thread.</summary>
    public sealed class DeployProgress
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
