using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using YamlDotNet.Serialization;

namespace EtcdOps.Config
{
    /// <summary>Builds each member's conf.yml (from a typed model, through YamlDotNet) and systemd unit.</summary>
    internal static class EtcdConfigRenderer
    {
        private static readonly ISerializer Serializer = new SerializerBuilder()
            .ConfigureDefaultValuesHandling(DefaultValuesHandling.OmitNull)
            // etcd reads YAML 1.1: an unquoted off, yes or 0123 would not reach it as a string.
            .WithQuotingNecessaryStrings(true)
            .WithIndentedSequences()
            .WithNewLine("\n")
            .Build();

        /// <summary>One config per member. <paramref name="notes"/> receives options the cluster's etcd version cannot take.</summary>
        public static IReadOnlyList<EtcdNodeConfig> Render(EtcdCluster cluster, EtcdCertificateSet? certificateSet, EtcdConfigOptions options,
            out IReadOnlyList<string> notes)
        {
            ClusterValidator.Validate(cluster);
            var version = EtcdVersion.Parse(cluster.Version);
            var ignored = new List<string>();
            if (version.UnknownReleaseWarning() is string unknown) ignored.Add(unknown);
            if (!version.AtLeast(3, 5) && options.TlsMinVersion != EtcdConfigOptions.DefaultTlsMinVersion)
                ignored.Add($"etcd {version.Series} has no tls-min-version setting (it always requires TLS 1.2 or later); TlsMinVersion {options.TlsMinVersion} is not rendered. Use etcd 3.5 or later to require TLS 1.3.");
            if (version.AtLeast(3, 6) && options.EnableV2)
                ignored.Add($"etcd {version.Series} has no v2 API; EnableV2 is not rendered.");
            var peerCn = AllowedPeerCommonName(certificateSet, version, ignored);
            notes = ignored;

            var state = CheckClusterState(options.InitialClusterState);
            var result = new List<EtcdNodeConfig>();
            foreach (var member in cluster.Members)
            {
                if (certificateSet != null && !certificateSet.HasPeer(member.Name))
                    throw new EtcdOpsException(ErrorIds.MissingPeerCertificate, FailureKind.ObjectNotFound,
                        $"The certificate set at '{certificateSet.Path}' has no peer certificate for member '{member.Name}' ({member.Name}.pem). " +
                        "Create it with New-EtcdCertificateSet for this cluster, or pass the set that belongs to it.", member);
                var settings = BuildSettings(cluster, member, options, version, state);
                if (peerCn != null) settings.PeerTransportSecurity.AllowedCn = new List<string> { peerCn };
                result.Add(new EtcdNodeConfig
                {
                    Member = member.Clone(),
                    Cluster = cluster,
                    CertificateSet = certificateSet,
                    Version = version.ToString(),
                    Settings = settings,
                    Yaml = ToYaml(settings, version, cluster.Name),
                    SystemdUnit = RenderUnit(member, cluster, options),
                    Layout = EtcdHostLayout.FromOptions(options, settings.DataDir, settings.WalDir),
                    Files = certificateSet == null ? new List<EtcdFilePlacement>() : Placements(certificateSet, member, options.CertificateDirectory),
                });
            }
            return result;
        }

        /// <summary>
        /// The common name etcd should require on the peer port: the one all peer certificates of the set share (sets from
        /// New-EtcdCertificateSet). Sets whose peers differ (cfssl's per-member CN) render none, and Test-EtcdCertificateSet
        /// warns about them; etcd releases that cannot read the key from conf.yml get a note instead.
        /// </summary>
        private static string? AllowedPeerCommonName(EtcdCertificateSet? set, EtcdVersion version, List<string> notes)
        {
            if (set == null) return null;
            var cn = PeerIdentity.Inspect(set).AllowedCommonName;
            if (cn == null || PeerIdentity.ConfigFileSupportsAllowedCn(version)) return cn;
            notes.Add($"etcd {version} does not read peer-transport-security.allowed-cn from conf.yml (etcd reads it from 3.5.14 on), so its peer port (2380) " +
                      $"accepts any certificate of this set's CA, {set.ClientName}.pem included. Deploy etcd 3.5.14 or later to admit only the peers (CN={cn}).");
            return null;
        }

        public static string CheckClusterState(string state)
        {
            if (state == EtcdConfigOptions.StateNew || state == EtcdConfigOptions.StateExisting) return state;
            throw new EtcdOpsException(ErrorIds.InvalidClusterState, FailureKind.InvalidArgument,
                $"'{state}' is not an initial-cluster-state: etcd would fail with \"unexpected clusterState \\\"{state}\\\"\". Use 'new' to found a cluster or 'existing' for members of a running one.", state);
        }

        private static EtcdConfigSettings BuildSettings(EtcdCluster cluster, EtcdMember member, EtcdConfigOptions o, EtcdVersion version, string state)
        {
            var certDir = o.CertificateDirectory.TrimEnd('/');
            string Remote(string file) => certDir + "/" + file;
            var clientUrl = cluster.ClientUrl(member);
            var listenClient = new List<string> { clientUrl };
            foreach (var extra in o.ClientListenAddresses.Where(a => !string.IsNullOrWhiteSpace(a)))
            {
                var url = EtcdCluster.Url(extra.Trim(), cluster.ClientPort);
                if (!listenClient.Contains(url)) listenClient.Add(url);
            }
            return new EtcdConfigSettings
            {
                Name = member.Name,
                DataDir = string.IsNullOrEmpty(o.DataDir) ? cluster.DataDir : o.DataDir!,
                WalDir = string.IsNullOrEmpty(o.WalDir) ? null : o.WalDir,
                SnapshotCount = o.SnapshotCount,
                HeartbeatInterval = o.HeartbeatInterval,
                ElectionTimeout = o.ElectionTimeout,
                QuotaBackendBytes = o.QuotaBackendBytes,
                MaxSnapshots = o.MaxSnapshots,
                MaxWals = o.MaxWals,
                ListenPeerUrls = new List<string> { cluster.PeerUrl(member) },
                ListenClientUrls = listenClient,
                InitialAdvertisePeerUrls = new List<string> { cluster.PeerUrl(member) },
                AdvertiseClientUrls = new List<string> { clientUrl },
                ListenMetricsUrls = o.MetricsUrls.Where(u => !string.IsNullOrWhiteSpace(u)).Select(u => u.Trim()).ToList(),
                InitialCluster = cluster.InitialCluster,
                InitialClusterToken = cluster.Token,
                InitialClusterState = state,
                StrictReconfigCheck = true,
                // 3.4 serves the v2 API unless told not to; 3.6 has none.
                EnableV2 = version.AtLeast(3, 6) ? (bool?)null : o.EnableV2,
                AutoCompactionMode = o.AutoCompactionMode,
                AutoCompactionRetention = o.AutoCompactionRetention,
                // 3.4 defaults to capnslog, which takes one output and no files; zap is the default from 3.5.
                Logger = "zap",
                LogLevel = o.LogLevel,
                LogOutputs = o.LogOutputs.ToList(),
                TlsMinVersion = version.AtLeast(3, 5) ? o.TlsMinVersion : null,
                CipherSuites = o.CipherSuites == null || o.CipherSuites.Count == 0 ? null : o.CipherSuites.ToList(),
                ClientTransportSecurity = new EtcdTransportSecurity
                {
                    CertFile = Remote(EtcdCertificateSet.ServerFile), KeyFile = Remote(EtcdCertificateSet.ServerKeyFile),
                    ClientCertAuth = true, TrustedCaFile = Remote(EtcdCertificateSet.CaFile), AutoTls = false,
                },
                PeerTransportSecurity = new EtcdTransportSecurity
                {
                    CertFile = Remote(member.Name + ".pem"), KeyFile = Remote(member.Name + "-key.pem"),
                    ClientCertAuth = true, TrustedCaFile = Remote(EtcdCertificateSet.CaFile), AutoTls = false,
                },
            };
        }

        /// <summary>conf.yml text for the settings, with only the keys <paramref name="version"/> reads.</summary>
        public static string ToYaml(EtcdConfigSettings s, EtcdVersion version, string clusterName)
        {
            string? Join(List<string> urls) => urls.Count == 0 ? null : string.Join(",", urls);
            var doc = new ConfYaml
            {
                Name = s.Name,
                DataDir = s.DataDir,
                WalDir = s.WalDir,
                SnapshotCount = s.SnapshotCount,
                HeartbeatInterval = s.HeartbeatInterval,
                ElectionTimeout = s.ElectionTimeout,
                QuotaBackendBytes = s.QuotaBackendBytes,
                MaxSnapshots = s.MaxSnapshots,
                MaxWals = s.MaxWals,
                ListenPeerUrls = Join(s.ListenPeerUrls),
                ListenClientUrls = Join(s.ListenClientUrls),
                InitialAdvertisePeerUrls = Join(s.InitialAdvertisePeerUrls),
                AdvertiseClientUrls = Join(s.AdvertiseClientUrls),
                ListenMetricsUrls = Join(s.ListenMetricsUrls),
                InitialCluster = s.InitialCluster,
                InitialClusterToken = s.InitialClusterToken,
                InitialClusterState = s.InitialClusterState,
                StrictReconfigCheck = s.StrictReconfigCheck,
                EnableV2 = version.AtLeast(3, 6) ? null : s.EnableV2,
                AutoCompactionMode = s.AutoCompactionMode,
                AutoCompactionRetention = s.AutoCompactionRetention,
                Logger = s.Logger,
                LogLevel = s.LogLevel,
                LogOutputs = s.LogOutputs.Count == 0 ? null : s.LogOutputs,
                TlsMinVersion = version.AtLeast(3, 5) ? s.TlsMinVersion : null,
                CipherSuites = s.CipherSuites == null || s.CipherSuites.Count == 0 ? null : s.CipherSuites,
                ClientTransportSecurity = Security(s.ClientTransportSecurity),
                PeerTransportSecurity = Security(s.PeerTransportSecurity),
            };
            var header = $"# etcd {version.Series} configuration for member {s.Name} of cluster {clusterName}, rendered by EtcdOps New-EtcdConfig.\n" +
                         "# Check changes with Test-EtcdConfig before restarting etcd.\n";
            return header + Serializer.Serialize(doc);
        }

        public static string RenderUnit(EtcdMember member, EtcdCluster cluster, EtcdConfigOptions options)
        {
            var unit = new StringBuilder();
            unit.Append("[Unit]\n");
            unit.Append($"Description=etcd member {member.Name} of cluster {cluster.Name}\n");
            unit.Append("After=network-online.target\n");
            unit.Append("Wants=network-online.target\n\n");
            unit.Append("[Service]\n");
            unit.Append("Type=notify\n");
            unit.Append("User=etcd\n");
            unit.Append($"ExecStart={options.BinaryDirectory.TrimEnd('/')}/etcd --config-file={options.ConfigPath}\n");
            unit.Append("Restart=on-failure\n");
            unit.Append("RestartSec=5\n");
            unit.Append("LimitNOFILE=65536\n\n");
            unit.Append("[Install]\n");
            unit.Append("WantedBy=multi-user.target\n");
            return unit.ToString();
        }

        private static List<EtcdFilePlacement> Placements(EtcdCertificateSet set, EtcdMember member, string certificateDirectory)
        {
            var dir = certificateDirectory.TrimEnd('/');
            EtcdFilePlacement File(string local, bool key) =>
                new EtcdFilePlacement { LocalPath = local, RemotePath = dir + "/" + System.IO.Path.GetFileName(local), IsPrivateKey = key };
            // The CA key is deliberately absent: it never leaves the workstation.
            return new List<EtcdFilePlacement>
            {
                File(set.CaCertificatePath, false),
                File(set.ServerCertificatePath, false),
                File(set.ServerKeyPath, true),
                File(set.PeerCertificatePath(member.Name), false),
                File(set.PeerKeyPath(member.Name), true),
                File(set.ClientCertificatePath, false),
                File(set.ClientKeyPath, true),
            };
        }

        private static ConfSecurity Security(EtcdTransportSecurity t) => new ConfSecurity
        {
            CertFile = t.CertFile, KeyFile = t.KeyFile, ClientCertAuth = t.ClientCertAuth, TrustedCaFile = t.TrustedCaFile, AutoTls = t.AutoTls,
            // A list even for one name: etcd's field is []string and refuses a plain string.
            AllowedCn = t.AllowedCn == null || t.AllowedCn.Count == 0 ? null : t.AllowedCn.ToList(),
        };

        private sealed class ConfYaml
        {
            [YamlMember(Alias = "name", Order = 0)] public string? Name { get; set; }
            [YamlMember(Alias = "data-dir", Order = 1)] public string? DataDir { get; set; }
            [YamlMember(Alias = "wal-dir", Order = 2)] public string? WalDir { get; set; }
            [YamlMember(Alias = "snapshot-count", Order = 3)] public long? SnapshotCount { get; set; }
            [YamlMember(Alias = "heartbeat-interval", Order = 4)] public int? HeartbeatInterval { get; set; }
            [YamlMember(Alias = "election-timeout", Order = 5)] public int? ElectionTimeout { get; set; }
            [YamlMember(Alias = "quota-backend-bytes", Order = 6)] public long? QuotaBackendBytes { get; set; }
            [YamlMember(Alias = "max-snapshots", Order = 7)] public int? MaxSnapshots { get; set; }
            [YamlMember(Alias = "max-wals", Order = 8)] public int? MaxWals { get; set; }
            [YamlMember(Alias = "listen-peer-urls", Order = 9)] public string? ListenPeerUrls { get; set; }
            [YamlMember(Alias = "listen-client-urls", Order = 10)] public string? ListenClientUrls { get; set; }
            [YamlMember(Alias = "initial-advertise-peer-urls", Order = 11)] public string? InitialAdvertisePeerUrls { get; set; }
            [YamlMember(Alias = "advertise-client-urls", Order = 12)] public string? AdvertiseClientUrls { get; set; }
            [YamlMember(Alias = "listen-metrics-urls", Order = 13)] public string? ListenMetricsUrls { get; set; }
            [YamlMember(Alias = "initial-cluster", Order = 14)] public string? InitialCluster { get; set; }
            [YamlMember(Alias = "initial-cluster-token", Order = 15)] public string? InitialClusterToken { get; set; }
            [YamlMember(Alias = "initial-cluster-state", Order = 16)] public string? InitialClusterState { get; set; }
            [YamlMember(Alias = "strict-reconfig-check", Order = 17)] public bool? StrictReconfigCheck { get; set; }
            [YamlMember(Alias = "enable-v2", Order = 18)] public bool? EnableV2 { get; set; }
            [YamlMember(Alias = "auto-compaction-mode", Order = 19)] public string? AutoCompactionMode { get; set; }
            [YamlMember(Alias = "auto-compaction-retention", Order = 20)] public string? AutoCompactionRetention { get; set; }
            [YamlMember(Alias = "logger", Order = 21)] public string? Logger { get; set; }
            [YamlMember(Alias = "log-level", Order = 22)] public string? LogLevel { get; set; }
            [YamlMember(Alias = "log-outputs", Order = 23)] public List<string>? LogOutputs { get; set; }
            [YamlMember(Alias = "tls-min-version", Order = 24)] public string? TlsMinVersion { get; set; }
            [YamlMember(Alias = "cipher-suites", Order = 25)] public List<string>? CipherSuites { get; set; }
            [YamlMember(Alias = "client-transport-security", Order = 26)] public ConfSecurity? ClientTransportSecurity { get; set; }
            [YamlMember(Alias = "peer-transport-security", Order = 27)] public ConfSecurity? PeerTransportSecurity { get; set; }
        }

        private sealed class ConfSecurity
        {
            [YamlMember(Alias = "cert-file", Order = 0)] public string? CertFile { get; set; }
            [YamlMember(Alias = "key-file", Order = 1)] public string? KeyFile { get; set; }
            [YamlMember(Alias = "client-cert-auth", Order = 2)] public bool? ClientCertAuth { get; set; }
            [YamlMember(Alias = "trusted-ca-file", Order = 3)] public string? TrustedCaFile { get; set; }
            [YamlMember(Alias = "auto-tls", Order = 4)] public bool? AutoTls { get; set; }
            [YamlMember(Alias = "allowed-cn", Order = 5)] public List<string>? AllowedCn { get; set; }
        }
    }
}
