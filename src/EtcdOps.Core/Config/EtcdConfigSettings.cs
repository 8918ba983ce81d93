using System.Collections.Generic;
using System.Linq;

namespace EtcdOps.Config
{
    /// <summary>
    /// The typed content of one member's conf.yml. Null means "not written", so etcd's own default applies;
    /// keys the target etcd series does not know are null here.
    /// </summary>
    public sealed class EtcdConfigSettings
    {
        public string Name { get; set; } = "";
        public string DataDir { get; set; } = EtcdCluster.DefaultDataDir;
        public string? WalDir { get; set; }
        public long SnapshotCount { get; set; } = EtcdConfigOptions.DefaultSnapshotCount;
        public int HeartbeatInterval { get; set; } = EtcdConfigOptions.DefaultHeartbeatInterval;
        public int ElectionTimeout { get; set; } = EtcdConfigOptions.DefaultElectionTimeout;
        public long QuotaBackendBytes { get; set; }
        public int MaxSnapshots { get; set; } = EtcdConfigOptions.DefaultMaxSnapshots;
        public int MaxWals { get; set; } = EtcdConfigOptions.DefaultMaxWals;
        public List<string> ListenPeerUrls { get; set; } = new List<string>();
        public List<string> ListenClientUrls { get; set; } = new List<string>();
        public List<string> InitialAdvertisePeerUrls { get; set; } = new List<string>();
        public List<string> AdvertiseClientUrls { get; set; } = new List<string>();
        public List<string> ListenMetricsUrls { get; set; } = new List<string>();
        public string InitialCluster { get; set; } = "";
        public string InitialClusterToken { get; set; } = "";
        public string InitialClusterState { get; set; } = EtcdConfigOptions.StateNew;
        public bool StrictReconfigCheck { get; set; } = true;

        /// <summary>The v2 API switch; null for etcd 3.6, which has no v2 API.</summary>
        public bool? EnableV2 { get; set; }

        public string AutoCompactionMode { get; set; } = EtcdConfigOptions.DefaultAutoCompactionMode;
        public string AutoCompactionRetention { get; set; } = EtcdConfigOptions.DefaultAutoCompactionRetention;
        public string? Logger { get; set; }
        public string LogLevel { get; set; } = EtcdConfigOptions.DefaultLogLevel;
        public List<string> LogOutputs { get; set; } = new List<string> { EtcdConfigOptions.DefaultLogOutput };

        /// <summary>Null for etcd 3.4, which has no such key (it always requires TLS 1.2 or later).</summary>
        public string? TlsMinVersion { get; set; }

        public List<string>? CipherSuites { get; set; }
        public EtcdTransportSecurity ClientTransportSecurity { get; set; } = new EtcdTransportSecurity();
        public EtcdTransportSecurity PeerTransportSecurity { get; set; } = new EtcdTransportSecurity();

        public EtcdConfigSettings Clone()
        {
            var copy = (EtcdConfigSettings)MemberwiseClone();
            copy.ListenPeerUrls = ListenPeerUrls.ToList();
            copy.ListenClientUrls = ListenClientUrls.ToList();
            copy.InitialAdvertisePeerUrls = InitialAdvertisePeerUrls.ToList();
            copy.AdvertiseClientUrls = AdvertiseClientUrls.ToList();
            copy.ListenMetricsUrls = ListenMetricsUrls.ToList();
            copy.LogOutputs = LogOutputs.ToList();
            copy.CipherSuites = CipherSuites?.ToList();
            copy.ClientTransportSecurity = ClientTransportSecurity.Clone();
            copy.PeerTransportSecurity = PeerTransportSecurity.Clone();
            return copy;
        }

        public override string ToString() => $"{Name} ({InitialClusterState})";
    }

    /// <summary>client-transport-security or peer-transport-security of conf.yml.</summary>
    public sealed class EtcdTransportSecurity
    {
        public string CertFile { get; set; } = "";
        public string KeyFile { get; set; } = "";
        public bool ClientCertAuth { get; set; } = true;
        public string TrustedCaFile { get; set; } = "";
        public bool AutoTls { get; set; }

        /// <summary>
        /// allowed-cn: the common names etcd admits among certificates of trusted-ca-file (null: any). New-EtcdConfig sets
        /// the peers' shared name on the peer side, so the client certificate of the same CA cannot reach the peer port.
        /// </summary>
        public List<string>? AllowedCn { get; set; }

        public EtcdTransportSecurity Clone()
        {
            var copy = (EtcdTransportSecurity)MemberwiseClone();
            copy.AllowedCn = AllowedCn?.ToList();
            return copy;
        }

        public override string ToString() => $"{CertFile} (client-cert-auth: {ClientCertAuth})";
    }
}
