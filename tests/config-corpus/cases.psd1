# The corpus: conf.yml files real etcd refuses (bad/) or accepts with a warning (warn/), with what Test-EtcdConfig
# must report and the fragment of etcd's own log line it must quote. New-EtcdConfig.Tests/Test-EtcdConfig.Tests run
# every case through Test-EtcdConfig and through the real etcd binaries. Add a case: a file plus an entry here.
@{
    Bad = @(
        @{ File = 'name-missing.yml'; Rule = 'NameNotInInitialCluster'; Etcd = 'couldn''t find local name "m9" in the initial cluster configuration' }
        @{ File = 'log-outputs-string.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal string into Go struct field', 'log-outputs of type []string' }
        @{ File = 'dns-in-listen-url.yml'; Rule = 'DnsNameInListenUrl'; Etcd = 'expected IP in URL for binding (https://etcd1.example.com:2379)' }
        @{ File = 'listen-urls-as-list.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal array into Go struct field', 'listen-client-urls of type string' }
        @{ File = 'token-unquoted-number.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal number into Go struct field', 'initial-cluster-token of type string' }
        @{ File = 'election-below-5-heartbeats.yml'; Rule = 'ElectionTimeoutTooShort'; Etcd = '--election-timeout[1000ms] should be at least as 5 times as --heartbeat-interval[300ms]' }
        @{ File = 'heartbeat-zero.yml'; Rule = 'HeartbeatInterval'; Etcd = '--heartbeat-interval must be >0 (set to 0ms)' }
        @{ File = 'heartbeat-negative.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal number -1 into Go struct field', 'heartbeat-interval of type uint' }
        @{ File = 'election-too-long.yml'; Rule = 'ElectionTimeoutTooLong'; Etcd = '--election-timeout[60000ms] is too long, and should be set less than 50000ms' }
        @{ File = 'advertise-peer-not-in-cluster.yml'; Rule = 'AdvertisePeerUrlMismatch'; Etcd = '--initial-cluster has m1=https://127.0.4.1:2380 but missing from --initial-advertise-peer-urls=https://127.0.4.1:2390' }
        @{ File = 'duplicate-url.yml'; Rule = 'DuplicateUrl'; Etcd = 'initial cluster m1=https://127.0.4.1:2380,m2=https://127.0.4.1:2380,m3=https://127.0.4.3:2380 has duplicate url' }
        @{ File = 'duplicate-name.yml'; Rule = 'DuplicateMemberName', 'AdvertisePeerUrlMismatch'; Etcd = '--initial-cluster has m1=https://127.0.4.2:2380 but missing from --initial-advertise-peer-urls=https://127.0.4.1:2380' }
        @{ File = 'url-without-scheme.yml'; Rule = 'UrlWithoutScheme'; Etcd = 'unexpected error setting up listen-client-urls: parse "127.0.4.1:2379": first path segment in URL cannot contain colon' }
        @{ File = 'url-without-port.yml'; Rule = 'UrlWithoutPort'; Etcd = 'URL address does not have the form "host:port": https://127.0.4.1' }
        @{ File = 'url-with-path.yml'; Rule = 'UrlWithPath'; Etcd = 'URL must not contain a path: https://127.0.4.1:2379/etcd' }
        @{ File = 'cluster-state-unknown.yml'; Rule = 'InvalidClusterState'; Etcd = 'unexpected clusterState "neww"' }
        @{ File = 'ciphers-with-tls13-only.yml'; Rule = 'CipherSuitesWithTls13'; Etcd = 'cipher suites cannot be configured when only TLS1.3 is enabled'; Versions = '3.5.16' }
        @{ File = 'cipher-suites-string.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal string into Go struct field', 'cipher-suites of type []string' }
        @{ File = 'cipher-suite-unknown.yml'; Rule = 'UnknownCipherSuite'; Etcd = 'unexpected TLS cipher suite "TLS_ECDHE_RSA_WITH_FOO"' }
        @{ File = 'log-default-mixed.yml'; Rule = 'LogOutputsDefaultMixed'; Etcd = 'multi logoutput for "default" is not supported yet' }
        @{ File = 'log-capnslog-two-outputs.yml'; Rule = 'LogOutputs'; Etcd = '--logger=capnslog supports only 1 value in ''--log-outputs'''; Versions = '3.4.23' }
        @{ File = 'log-capnslog-file.yml'; Rule = 'LogOutputs'; Etcd = 'unknown log-output "/var/log/etcd/etcd.log" (only supports "default", "stderr", "stdout")'; Versions = '3.4.23' }
        @{ File = 'yaml-syntax.yml'; Rule = 'YamlSyntax'; Etcd = 'error converting YAML to JSON' }
        @{ File = 'allowed-cn-string.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal string into Go struct field', 'allowed-cn of type []string'; Versions = '3.5.16' }
        @{ File = 'proxy-unquoted-off.yml'; Rule = 'ProxyValue'; Etcd = 'unexpected error setting up proxyFlag: invalid value' }
        @{ File = 'compaction-mode-unknown.yml'; Rule = 'AutoCompactionMode'; Etcd = 'unknown auto-compaction-mode "weekly"' }
        @{ File = 'compaction-retention-number.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal number into Go struct field', 'auto-compaction-retention of type string' }
        @{ File = 'compaction-retention-invalid.yml'; Rule = 'AutoCompactionRetention'; Etcd = 'error parsing CompactionRetention: time: invalid duration "abc"' }
        @{ File = 'log-level-unknown.yml'; Rule = 'LogLevel'; Etcd = 'panic: unrecognized level: "verbose"'; Versions = '3.5.16' }
        @{ File = 'log-level-unknown.yml'; Rule = 'LogLevel'; Etcd = 'panic: unknown level "verbose"'; Versions = '3.4.23' }
        @{ File = 'logger-capnslog.yml'; Rule = 'Logger'; Etcd = '--logger=capnslog is removed in v3.5'; Versions = '3.5.16' }
        @{ File = 'tls-version-unknown.yml'; Rule = 'TlsVersion'; Etcd = 'unexpected TLS version "TLS1.1" (must be one of: TLS1.2, TLS1.3)'; Versions = '3.5.16' }
        @{ File = 'client-cert-auth-string.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal string into Go struct field', 'client-cert-auth of type bool' }
        @{ File = 'snapshot-count-string.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal string into Go struct field', 'snapshot-count of type uint64' }
        @{ File = 'quota-with-unit.yml'; Rule = 'TypeMismatch'; Etcd = 'cannot unmarshal string into Go struct field', 'quota-backend-bytes of type int64' }
    )
    # etcd starts with these; Test-EtcdConfig warns and reports no Error.
    Warn = @(
        @{ File = 'auto-tls-on.yml'; Rule = 'AutoTlsOn' }
        @{ File = 'client-cert-auth-off.yml'; Rule = 'ClientCertAuthOff' }
        @{ File = 'advertise-client-missing.yml'; Rule = 'MissingAdvertiseClientUrls' }
        @{ File = 'plain-http-client.yml'; Rule = 'PlainHttpWithTls' }
        @{ File = 'strict-reconfig-off.yml'; Rule = 'StrictReconfigCheckOff' }
        @{ File = 'quota-above-8gib.yml'; Rule = 'QuotaAboveRecommended' }
        @{ File = 'unknown-key.yml'; Rule = 'UnknownKey' }
        @{ File = 'tls-min-version-on-3.4.yml'; Rule = 'UnknownKey'; Versions = '3.4.23' }
        @{ File = 'even-member-count.yml'; Rule = 'EvenMemberCount' }
    )
}
