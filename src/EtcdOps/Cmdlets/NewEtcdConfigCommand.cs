using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.New, "EtcdConfig", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdNodeConfig))]
    public sealed class NewEtcdConfigCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true, Position = 0)]
        public EtcdCluster Cluster { get; set; } = new EtcdCluster();

        [Parameter(Position = 1)]
        public EtcdCertificateSet? CertificateSet { get; set; }

        [Parameter]
        public string? Path { get; set; }

        [Parameter]
        [ValidateSet(EtcdConfigOptions.StateNew, EtcdConfigOptions.StateExisting)]
        public string InitialClusterState { get; set; } = EtcdConfigOptions.StateNew;

        [Parameter]
        [ValidateRange(1, long.MaxValue)]
        public long SnapshotCount { get; set; } = EtcdConfigOptions.DefaultSnapshotCount;

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int HeartbeatInterval { get; set; } = EtcdConfigOptions.DefaultHeartbeatInterval;

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int ElectionTimeout { get; set; } = EtcdConfigOptions.DefaultElectionTimeout;

        [Parameter]
        [ValidateRange(0, long.MaxValue)]
        public long QuotaBackendBytes { get; set; }

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxSnapshots { get; set; } = EtcdConfigOptions.DefaultMaxSnapshots;

        [Parameter]
        [ValidateRange(0, int.MaxValue)]
        public int MaxWals { get; set; } = EtcdConfigOptions.DefaultMaxWals;

        [Parameter]
        [ValidateSet("periodic", "revision")]
        public string AutoCompactionMode { get; set; } = EtcdConfigOptions.DefaultAutoCompactionMode;

        [Parameter]
        public string AutoCompactionRetention { get; set; } = EtcdConfigOptions.DefaultAutoCompactionRetention;

        [Parameter]
        [ValidateSet("debug", "info", "warn", "error", "panic", "fatal")]
        public string LogLevel { get; set; } = EtcdConfigOptions.DefaultLogLevel;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] LogOutputs { get; set; } = { EtcdConfigOptions.DefaultLogOutput };

        [Parameter]
        public string? DataDir { get; set; }

        [Parameter]
        public string? WalDir { get; set; }

        [Parameter]
        [AllowEmptyCollection]
        public string[] ClientListenAddress { get; set; } = { EtcdConfigOptions.DefaultClientListenAddress };

        [Parameter]
        [AllowEmptyCollection]
        public string[] MetricsUrl { get; set; } = { EtcdConfigOptions.DefaultMetricsUrl };

        [Parameter]
        [ValidateSet("TLS1.2", "TLS1.3")]
        public string TlsMinVersion { get; set; } = EtcdConfigOptions.DefaultTlsMinVersion;

        [Parameter]
        public string[]? CipherSuites { get; set; }

        [Parameter]
        public SwitchParameter EnableV2 { get; set; }

        [Parameter]
        public string CertificateDirectory { get; set; } = EtcdConfigOptions.DefaultCertificateDirectory;

        [Parameter]
        public string BinaryDirectory { get; set; } = EtcdConfigOptions.DefaultBinaryDirectory;

        protected override void ProcessRecord()
        {
            IReadOnlyList<EtcdNodeConfig> configs;
            try
            {
                configs = EtcdConfigRenderer.Render(Cluster, CertificateSet, Options(), out var notes);
                foreach (var note in notes) WriteWarning(note);
                var findings = EtcdConfigValidator.Validate(configs);
                var errors = findings.Where(f => f.Is(FindingSeverity.Error)).ToList();
                if (errors.Count > 0)
                    throw new EtcdOpsException(ErrorIds.InvalidEtcdConfig, FailureKind.InvalidArgument,
                        $"etcd would refuse the config rendered for cluster '{Cluster.Name}': " +
                        string.Join(" ", errors.Select(e => $"{e.Target} [{e.Key}]: {e.Message}").Distinct()), Cluster);
                foreach (var message in findings.Select(f => $"{f.Rule} [{f.Key}]: {StripTarget(f.Message)}").Distinct())
                    WriteWarning(message);
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, Cluster);
                return;
            }

            foreach (var config in configs)
            {
                if (!string.IsNullOrEmpty(Path))
                {
                    var dir = System.IO.Path.Combine(ResolvePath(Path!), config.Member.Name);
                    if (!ShouldProcess(dir, $"Write conf.yml and etcd.service for member {config.Member.Name}")) continue;
                    try
                    {
                        AtomicFile.WriteAllText(System.IO.Path.Combine(dir, "conf.yml"), config.Yaml);
                        AtomicFile.WriteAllText(System.IO.Path.Combine(dir, "etcd.service"), config.SystemdUnit);
                        config.LocalDirectory = dir;
                    }
                    catch (System.Exception ex) when (ex is IOException || ex is System.UnauthorizedAccessException)
                    {
                        WriteFailure(new EtcdOpsException(ErrorIds.ConfigWriteFailed, FailureKind.WriteError,
                            $"Could not write the config of member '{config.Member.Name}' to '{dir}': {ex.Message}. Check that the folder is writable.", dir, ex), config);
                        continue;
                    }
                }
                WriteObject(config);
            }
        }

        // Findings name line positions, useless for rendered text; keep the rest.
        private static string StripTarget(string message)
        {
            var i = message.IndexOf(": ", System.StringComparison.Ordinal);
            return message.StartsWith("line ", System.StringComparison.Ordinal) && i > 0 ? message.Substring(i + 2) : message;
        }

        private EtcdConfigOptions Options() => new EtcdConfigOptions
        {
            SnapshotCount = SnapshotCount,
            HeartbeatInterval = HeartbeatInterval,
            ElectionTimeout = ElectionTimeout,
            QuotaBackendBytes = QuotaBackendBytes,
            MaxSnapshots = MaxSnapshots,
            MaxWals = MaxWals,
            AutoCompactionMode = AutoCompactionMode,
            AutoCompactionRetention = AutoCompactionRetention,
            LogLevel = LogLevel,
            LogOutputs = LogOutputs.ToList(),
            DataDir = DataDir,
            WalDir = WalDir,
            ClientListenAddresses = (ClientListenAddress ?? new string[0]).ToList(),
            MetricsUrls = (MetricsUrl ?? new string[0]).ToList(),
            TlsMinVersion = TlsMinVersion,
            CipherSuites = CipherSuites?.ToList(),
            InitialClusterState = InitialClusterState,
            EnableV2 = EnableV2.IsPresent,
            CertificateDirectory = CertificateDirectory,
            BinaryDirectory = BinaryDirectory,
            ConfigPath = CertificateDirectory.TrimEnd('/') + "/conf.yml",
        };
    }
}
