using System;
using System.Collections.Generic;
using System.Linq;

namespace EtcdOps.Config
{
    /// <summary>How etcd decodes a conf.yml value (YAML is converted to JSON, then into a Go struct).</summary>
    internal enum ConfigValueType
    {
        Any,
        String,
        Bool,
        UInt,
        UInt32,
        UInt64,
        Int,
        Int64,
        StringList,
        Security,
    }

    /// <summary>
    /// The conf.yml keys each etcd series reads, with their Go types. Lists for 3.4 and 3.5 come from the
    /// configuration structs of etcd 3.4.23 and 3.5.16; 3.6 drops the v2 API and the v2 proxy.
    /// etcd ignores keys it does not know, so a typo silently falls back to the default.
    /// </summary>
    internal static class EtcdConfigSchema
    {
        public const string ClientSecurity = "client-transport-security";
        public const string PeerSecurity = "peer-transport-security";

        private static readonly Dictionary<string, ConfigValueType> Types = new Dictionary<string, ConfigValueType>(StringComparer.Ordinal)
        {
            ["name"] = ConfigValueType.String, ["data-dir"] = ConfigValueType.String, ["wal-dir"] = ConfigValueType.String,
            ["snapshot-count"] = ConfigValueType.UInt64, ["heartbeat-interval"] = ConfigValueType.UInt,
            ["election-timeout"] = ConfigValueType.UInt, ["max-snapshots"] = ConfigValueType.UInt, ["max-wals"] = ConfigValueType.UInt,
            ["quota-backend-bytes"] = ConfigValueType.Int64, ["max-txn-ops"] = ConfigValueType.UInt, ["max-request-bytes"] = ConfigValueType.UInt,
            ["max-concurrent-streams"] = ConfigValueType.UInt32, ["backend-batch-limit"] = ConfigValueType.Int,
            ["listen-peer-urls"] = ConfigValueType.String, ["listen-client-urls"] = ConfigValueType.String,
            ["listen-client-http-urls"] = ConfigValueType.String, ["initial-advertise-peer-urls"] = ConfigValueType.String,
            ["advertise-client-urls"] = ConfigValueType.String, ["listen-metrics-urls"] = ConfigValueType.String,
            ["initial-cluster"] = ConfigValueType.String, ["initial-cluster-token"] = ConfigValueType.String,
            ["initial-cluster-state"] = ConfigValueType.String, ["strict-reconfig-check"] = ConfigValueType.Bool,
            ["discovery"] = ConfigValueType.String, ["discovery-fallback"] = ConfigValueType.String, ["discovery-proxy"] = ConfigValueType.String,
            ["discovery-srv"] = ConfigValueType.String, ["discovery-srv-name"] = ConfigValueType.String,
            ["enable-v2"] = ConfigValueType.Bool, ["enable-pprof"] = ConfigValueType.Bool, ["force-new-cluster"] = ConfigValueType.Bool,
            ["pre-vote"] = ConfigValueType.Bool, ["initial-election-tick-advance"] = ConfigValueType.Bool, ["debug"] = ConfigValueType.Bool,
            ["auto-compaction-mode"] = ConfigValueType.String, ["auto-compaction-retention"] = ConfigValueType.String,
            ["cors"] = ConfigValueType.String, ["host-whitelist"] = ConfigValueType.String, ["auth-token"] = ConfigValueType.String,
            ["auth-token-ttl"] = ConfigValueType.UInt, ["bcrypt-cost"] = ConfigValueType.UInt,
            ["logger"] = ConfigValueType.String, ["log-level"] = ConfigValueType.String, ["log-outputs"] = ConfigValueType.StringList,
            ["metrics"] = ConfigValueType.String, ["cipher-suites"] = ConfigValueType.StringList,
            ["tls-min-version"] = ConfigValueType.String, ["tls-max-version"] = ConfigValueType.String,
            ["proxy-failure-wait"] = ConfigValueType.UInt, ["proxy-refresh-interval"] = ConfigValueType.UInt,
            ["proxy-dial-timeout"] = ConfigValueType.UInt, ["proxy-write-timeout"] = ConfigValueType.UInt, ["proxy-read-timeout"] = ConfigValueType.UInt,
            ["self-signed-cert-validity"] = ConfigValueType.UInt, ["enable-grpc-gateway"] = ConfigValueType.Bool,
            ["enable-log-rotation"] = ConfigValueType.Bool, ["unsafe-no-fsync"] = ConfigValueType.Bool,
            [ClientSecurity] = ConfigValueType.Security, [PeerSecurity] = ConfigValueType.Security,
        };

        private static readonly string[] Common =
        {
            "name", "data-dir", "wal-dir", "snapshot-count", "heartbeat-interval", "election-timeout", "max-snapshots", "max-wals",
            "quota-backend-bytes", "max-txn-ops", "max-request-bytes", "max-concurrent-streams", "backend-batch-interval", "backend-batch-limit",
            "listen-peer-urls", "listen-client-urls", "initial-advertise-peer-urls", "advertise-client-urls", "listen-metrics-urls",
            "initial-cluster", "initial-cluster-token", "initial-cluster-state", "strict-reconfig-check",
            "discovery", "discovery-proxy", "discovery-srv", "discovery-srv-name", "enable-pprof", "force-new-cluster", "pre-vote",
            "initial-election-tick-advance", "auto-compaction-mode", "auto-compaction-retention", "cors", "host-whitelist",
            "auth-token", "auth-token-ttl", "bcrypt-cost", "logger", "log-level", "log-outputs", "metrics", "cipher-suites",
            "grpc-keepalive-min-time", "grpc-keepalive-interval", "grpc-keepalive-timeout",
            "experimental-compaction-batch-limit", "experimental-corrupt-check-time", "experimental-enable-lease-checkpoint",
            "experimental-initial-corrupt-check", "experimental-warning-apply-duration", "experimental-watch-progress-notify-interval",
            ClientSecurity, PeerSecurity,
        };

        private static readonly string[] V2Era =
        {
            "enable-v2", "experimental-enable-v2v3", "discovery-fallback", "proxy", "proxy-failure-wait", "proxy-refresh-interval",
            "proxy-dial-timeout", "proxy-write-timeout", "proxy-read-timeout",
        };

        private static readonly string[] Only34 = { "debug", "log-package-levels", "experimental-backend-bbolt-freelist-type" };

        private static readonly string[] Since35 =
        {
            "backend-bbolt-freelist-type", "enable-grpc-gateway", "enable-log-rotation", "log-rotation-config-json", "listen-client-http-urls",
            "self-signed-cert-validity", "tls-min-version", "tls-max-version", "unsafe-no-fsync", "v2-deprecation",
            "experimental-bootstrap-defrag-threshold-megabytes", "experimental-compact-hash-check-enabled", "experimental-compact-hash-check-time",
            "experimental-compaction-sleep-interval", "experimental-distributed-tracing-address", "experimental-distributed-tracing-instance-id",
            "experimental-distributed-tracing-sampling-rate", "experimental-distributed-tracing-service-name", "experimental-downgrade-check-time",
            "experimental-enable-distributed-tracing", "experimental-enable-lease-checkpoint-persist", "experimental-memory-mlock",
            "experimental-stop-grpc-service-on-defrag", "experimental-txn-mode-write-with-shared-buffer",
        };

        private static readonly string[] Since36 =
        {
            "feature-gates", "snapshot-catchup-entries", "discovery-endpoints", "discovery-dial-timeout", "discovery-request-timeout",
            "discovery-keepalive-time", "discovery-keepalive-timeout", "discovery-insecure-transport", "discovery-insecure-skip-tls-verify",
            "discovery-cert", "discovery-key", "discovery-cacert", "discovery-user", "discovery-password", "discovery-token",
            "corrupt-check-time", "compact-hash-check-time", "compaction-batch-limit", "compaction-sleep-interval",
            "watch-progress-notify-interval", "warning-apply-duration", "warning-unary-request-duration", "downgrade-check-time",
            "memory-mlock", "bootstrap-defrag-threshold-megabytes", "max-learners", "distributed-tracing-address",
            "enable-distributed-tracing", "distributed-tracing-sampling-rate", "distributed-tracing-service-name",
            "distributed-tracing-instance-id", "log-format", "experimental-snapshot-catchup-entries",
        };

        private static readonly string[] SecurityCommon = { "cert-file", "key-file", "client-cert-auth", "trusted-ca-file", "auto-tls" };
        private static readonly string[] SecuritySince35 = { "client-cert-file", "client-key-file", "allowed-cn", "allowed-hostname" };

        private static readonly Dictionary<string, ConfigValueType> SecurityTypes = new Dictionary<string, ConfigValueType>(StringComparer.Ordinal)
        {
            ["cert-file"] = ConfigValueType.String, ["key-file"] = ConfigValueType.String, ["client-cert-file"] = ConfigValueType.String,
            ["client-key-file"] = ConfigValueType.String, ["client-cert-auth"] = ConfigValueType.Bool, ["trusted-ca-file"] = ConfigValueType.String,
            ["auto-tls"] = ConfigValueType.Bool, ["allowed-cn"] = ConfigValueType.StringList, ["allowed-hostname"] = ConfigValueType.StringList,
        };

        // Keys that etcd 3.5+ keeps in its configJSON struct (this shows in its unmarshal error messages).
        private static readonly HashSet<string> JsonShadowKeys = new HashSet<string>(StringComparer.Ordinal)
        {
            "listen-peer-urls", "listen-client-urls", "listen-client-http-urls", "initial-advertise-peer-urls", "advertise-client-urls",
            "listen-metrics-urls", "cors", "host-whitelist", ClientSecurity, PeerSecurity,
        };

        private static readonly HashSet<string> ProxyKeys = new HashSet<string>(StringComparer.Ordinal)
        {
            "proxy", "proxy-failure-wait", "proxy-refresh-interval", "proxy-dial-timeout", "proxy-write-timeout", "proxy-read-timeout", "discovery-fallback",
        };

        private static readonly HashSet<string> Keys34 = new HashSet<string>(Common.Concat(V2Era).Concat(Only34), StringComparer.Ordinal);
        private static readonly HashSet<string> Keys35 = new HashSet<string>(Common.Concat(V2Era).Concat(Since35), StringComparer.Ordinal);
        private static readonly HashSet<string> Keys36 = new HashSet<string>(Common.Concat(Since35).Concat(Since36), StringComparer.Ordinal);

        // etcd 3.6 renamed its experimental-* settings (the old names still work in 3.6 and go in 3.7), some into
        // feature gates; from etcd's 3.6 changelog and upgrade guide (https://etcd.io/docs/latest/upgrades/upgrade_3_6/).
        private static readonly Dictionary<string, string> RenamedIn36Keys = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["experimental-compact-hash-check-time"] = "compact-hash-check-time",
            ["experimental-corrupt-check-time"] = "corrupt-check-time",
            ["experimental-compaction-batch-limit"] = "compaction-batch-limit",
            ["experimental-compaction-sleep-interval"] = "compaction-sleep-interval",
            ["experimental-watch-progress-notify-interval"] = "watch-progress-notify-interval",
            ["experimental-warning-apply-duration"] = "warning-apply-duration",
            ["experimental-downgrade-check-time"] = "downgrade-check-time",
            ["experimental-memory-mlock"] = "memory-mlock",
            ["experimental-bootstrap-defrag-threshold-megabytes"] = "bootstrap-defrag-threshold-megabytes",
            ["experimental-snapshot-catchup-entries"] = "snapshot-catchup-entries",
            ["experimental-distributed-tracing-address"] = "distributed-tracing-address",
            ["experimental-distributed-tracing-instance-id"] = "distributed-tracing-instance-id",
            ["experimental-distributed-tracing-sampling-rate"] = "distributed-tracing-sampling-rate",
            ["experimental-distributed-tracing-service-name"] = "distributed-tracing-service-name",
            ["experimental-enable-distributed-tracing"] = "enable-distributed-tracing",
            ["experimental-initial-corrupt-check"] = "feature-gates: InitialCorruptCheck=true",
            ["experimental-compact-hash-check-enabled"] = "feature-gates: CompactHashCheck=true",
            ["experimental-enable-lease-checkpoint"] = "feature-gates: LeaseCheckpoint=true",
            ["experimental-enable-lease-checkpoint-persist"] = "feature-gates: LeaseCheckpointPersist=true",
            ["experimental-stop-grpc-service-on-defrag"] = "feature-gates: StopGRPCServiceOnDefrag=true",
            ["experimental-txn-mode-write-with-shared-buffer"] = "feature-gates: TxnModeWriteWithSharedBuffer=true",
        };

        /// <summary>For an experimental-* key etcd 3.6 renamed, what to write instead (a key, or a feature gate); null otherwise.</summary>
        public static string? RenamedIn36(string key) => RenamedIn36Keys.TryGetValue(key, out var to) ? to : null;

        public static bool IsKnown(string key, EtcdVersion version) => KeysOf(version).Contains(key);

        public static string SecurityKeyList(EtcdVersion version) =>
            string.Join(", ", version.AtLeast(3, 5) ? SecurityCommon.Concat(SecuritySince35) : SecurityCommon);

        public static bool IsKnownSecurityKey(string key, EtcdVersion version) =>
            SecurityCommon.Contains(key) || (version.AtLeast(3, 5) && SecuritySince35.Contains(key));

        /// <summary>The series (other than <paramref name="version"/>) that know the key, e.g. "3.5, 3.6"; empty when none.</summary>
        public static string SeriesKnowing(string key)
        {
            var series = new List<string>();
            if (Keys34.Contains(key)) series.Add("3.4");
            if (Keys35.Contains(key)) series.Add("3.5");
            if (Keys36.Contains(key)) series.Add("3.6");
            return string.Join(", ", series);
        }

        /// <summary>allowed-cn and allowed-hostname: lists etcd reads under a transport-security section from 3.5.14 on.</summary>
        public static bool IsAllowListKey(string key) => key == "allowed-cn" || key == "allowed-hostname";

        /// <summary>For a flag name written as a top-level key (peer-cert-allowed-cn), the nested key it means; null otherwise.</summary>
        public static string? FlagOnlyAllowList(string key) => key switch
        {
            "peer-cert-allowed-cn" => PeerSecurity + ".allowed-cn",
            "peer-cert-allowed-hostname" => PeerSecurity + ".allowed-hostname",
            "client-cert-allowed-hostname" => ClientSecurity + ".allowed-hostname",
            _ => null,
        };

        public static ConfigValueType TypeOf(string key) => Types.TryGetValue(key, out var t) ? t : ConfigValueType.Any;

        public static ConfigValueType SecurityTypeOf(string key, EtcdVersion version)
        {
            // The allow lists are read from the file (as []string) only from 3.5.14 on; earlier releases ignore them.
            if (IsAllowListKey(key) && !PeerIdentity.ConfigFileSupportsAllowedCn(version)) return ConfigValueType.Any;
            return SecurityTypes.TryGetValue(key, out var t) ? t : ConfigValueType.Any;
        }

        /// <summary>Go's struct path as it appears in etcd's "cannot unmarshal" errors for this version.</summary>
        public static string GoField(string key, EtcdVersion version, string? section = null)
        {
            if (section != null)
                return version.AtLeast(3, 5) ? $"securityConfig.configJSON.{section}.{key}" : $"securityConfig.{section}.{key}";
            if (ProxyKeys.Contains(key)) return "configProxy." + key;
            if (!version.AtLeast(3, 5)) return "configYAML." + key;
            return (JsonShadowKeys.Contains(key) ? "configYAML.configJSON." : "configYAML.Config.") + key;
        }

        public static string GoTypeName(ConfigValueType type) => type switch
        {
            ConfigValueType.String => "string",
            ConfigValueType.Bool => "bool",
            ConfigValueType.UInt => "uint",
            ConfigValueType.UInt32 => "uint32",
            ConfigValueType.UInt64 => "uint64",
            ConfigValueType.Int => "int",
            ConfigValueType.Int64 => "int64",
            ConfigValueType.StringList => "[]string",
            ConfigValueType.Security => "embed.securityConfig",
            _ => "value",
        };

        private static HashSet<string> KeysOf(EtcdVersion version) =>
            version.AtLeast(3, 6) ? Keys36 : version.AtLeast(3, 5) ? Keys35 : Keys34;
    }
}
