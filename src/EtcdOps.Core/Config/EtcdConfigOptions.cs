using System.Collections.Generic;

namespace EtcdOps.Config
{
    /// <summary>The tunables of New-EtcdConfig. Every default is etcd's own, except where security asks for more (CIS etcd 2.1-2.7).</summary>
    internal sealed class EtcdConfigOptions
    {
        public const long DefaultSnapshotCount = 100000;
        public const int DefaultHeartbeatInterval = 100;
        public const int DefaultElectionTimeout = 1000;
        public const int DefaultMaxSnapshots = 5;
        public const int DefaultMaxWals = 5;
        public const string DefaultAutoCompactionMode = "periodic";
        public const string DefaultAutoCompactionRetention = "0";
        public const string DefaultLogLevel = "info";
        public const string DefaultLogOutput = "default";
        public const string DefaultTlsMinVersion = "TLS1.2";
        public const string DefaultMetricsUrl = "http://127.0.0.1:2381";
        public const string DefaultClientListenAddress = "127.0.0.1";
        public const string DefaultCertificateDirectory = EtcdHostLayout.DefaultCertificateDirectory;
        public const string DefaultConfigPath = EtcdHostLayout.DefaultConfigPath;
        public const string DefaultUnitPath = EtcdHostLayout.DefaultUnitPath;
        public const string DefaultBinaryDirectory = EtcdHostLayout.DefaultBinaryDirectory;
        public const string StateNew = "new";
        public const string StateExisting = "existing";

        public long SnapshotCount { get; set; } = DefaultSnapshotCount;
        public int HeartbeatInterval { get; set; } = DefaultHeartbeatInterval;
        public int ElectionTimeout { get; set; } = DefaultElectionTimeout;

        /// <summary>0 means etcd's default quota (2 GiB).</summary>
        public long QuotaBackendBytes { get; set; }

        public int MaxSnapshots { get; set; } = DefaultMaxSnapshots;
        public int MaxWals { get; set; } = DefaultMaxWals;
        public string AutoCompactionMode { get; set; } = DefaultAutoCompactionMode;
        public string AutoCompactionRetention { get; set; } = DefaultAutoCompactionRetention;
        public string LogLevel { get; set; } = DefaultLogLevel;
        public List<string> LogOutputs { get; set; } = new List<string> { DefaultLogOutput };

        /// <summary>Null: the cluster's DataDir.</summary>
        public string? DataDir { get; set; }

        /// <summary>Null: etcd keeps the WAL under the data directory.</summary>
        public string? WalDir { get; set; }

        /// <summary>Extra addresses etcd also serves clients on (the guide's 127.0.0.1, for etcdctl on the host).</summary>
        public List<string> ClientListenAddresses { get; set; } = new List<string> { DefaultClientListenAddress };

        public List<string> MetricsUrls { get; set; } = new List<string> { DefaultMetricsUrl };
        public string TlsMinVersion { get; set; } = DefaultTlsMinVersion;
        public List<string>? CipherSuites { get; set; }
        public string InitialClusterState { get; set; } = StateNew;
        public bool EnableV2 { get; set; }

        /// <summary>Where certificates, keys and conf.yml live on the host.</summary>
        public string CertificateDirectory { get; set; } = DefaultCertificateDirectory;

        public string ConfigPath { get; set; } = DefaultConfigPath;
        public string UnitPath { get; set; } = DefaultUnitPath;
        public string BinaryDirectory { get; set; } = DefaultBinaryDirectory;
    }
}
