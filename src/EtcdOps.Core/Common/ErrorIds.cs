namespace EtcdOps.Common
{
    /// <summary>
    /// Every stable identifier EtcdOps shows: the error IDs of its ErrorRecords (FullyQualifiedErrorId starts with
    /// one) and the rule names of its findings (<see cref="EtcdFinding.Rule"/>). Scripts match on them, so a value
    /// never changes once released. docs/about_EtcdOps.md lists each with its meaning and fix; a test keeps the two
    /// in step. A few names serve as both an error ID and a finding rule; they are listed once, with the errors.
    /// </summary>
    public static class ErrorIds
    {
        // ---- Cluster model and inventory (New-EtcdCluster, Import-EtcdCluster, Export-EtcdCluster, -Member) ----

        /// <summary>The cluster name is empty or has characters other than letters, digits, '.', '_' and '-'.</summary>
        public const string InvalidClusterName = nameof(InvalidClusterName);

        /// <summary>A version is not major.minor.patch.</summary>
        public const string InvalidEtcdVersion = nameof(InvalidEtcdVersion);

        /// <summary>The etcd version is outside 3.4, 3.5 and 3.6.</summary>
        public const string UnsupportedEtcdVersion = nameof(UnsupportedEtcdVersion);

        /// <summary>The initial-cluster-token is not 1-128 letters, digits, '.', '_' or '-'.</summary>
        public const string InvalidClusterToken = nameof(InvalidClusterToken);

        /// <summary>The client port and the peer port are the same.</summary>
        public const string PortConflict = nameof(PortConflict);

        /// <summary>A port (client, peer or SSH) is not 1-65535.</summary>
        public const string InvalidPort = nameof(InvalidPort);

        /// <summary>The cluster's data directory is not an absolute path other than /.</summary>
        public const string InvalidDataDir = nameof(InvalidDataDir);

        /// <summary>The cluster has no members.</summary>
        public const string NoMembers = nameof(NoMembers);

        /// <summary>A member entry is empty.</summary>
        public const string NullMember = nameof(NullMember);

        /// <summary>A member has no Name.</summary>
        public const string MissingMemberName = nameof(MissingMemberName);

        /// <summary>A member name is not a valid host label.</summary>
        public const string InvalidMemberName = nameof(InvalidMemberName);

        /// <summary>Two members share a name (also a finding rule: two configs or initial-cluster entries do).</summary>
        public const string DuplicateMemberName = nameof(DuplicateMemberName);

        /// <summary>A member has no Address.</summary>
        public const string MissingMemberAddress = nameof(MissingMemberAddress);

        /// <summary>A member's Address is not an IP address; etcd binds only to IPs.</summary>
        public const string InvalidMemberAddress = nameof(InvalidMemberAddress);

        /// <summary>Two members share an IP address.</summary>
        public const string DuplicateMemberAddress = nameof(DuplicateMemberAddress);

        /// <summary>A -Member entry is a plain string instead of a hashtable or object.</summary>
        public const string InvalidMember = nameof(InvalidMember);

        /// <summary>A -Member hashtable or object has a key other than Name, Address, SshHost, SshPort, SshUser.</summary>
        public const string UnknownMemberKey = nameof(UnknownMemberKey);

        /// <summary>A -Member name (or Move-EtcdLeader's -To) is not a member of the cluster.</summary>
        public const string UnknownMember = nameof(UnknownMember);

        /// <summary>The inventory file to import does not exist.</summary>
        public const string InventoryNotFound = nameof(InventoryNotFound);

        /// <summary>Export-EtcdCluster -NoClobber found the file already there.</summary>
        public const string InventoryExists = nameof(InventoryExists);

        /// <summary>The inventory file is empty.</summary>
        public const string EmptyInventory = nameof(EmptyInventory);

        /// <summary>The inventory file is not valid YAML (or is indented with tabs).</summary>
        public const string InvalidInventoryYaml = nameof(InvalidInventoryYaml);

        /// <summary>The inventory file has a key the format does not know.</summary>
        public const string UnknownInventoryKey = nameof(UnknownInventoryKey);

        // ---- Certificates (New-, Import-, Get-, Test-EtcdCertificateSet) ----

        /// <summary>The target folder holds ca.pem but not ca-key.pem, so its CA cannot issue certificates.</summary>
        public const string CaKeyNotInPlace = nameof(CaKeyNotInPlace);

        /// <summary>The -CaCertificatePath file is not a CA certificate.</summary>
        public const string NotACaCertificate = nameof(NotACaCertificate);

        /// <summary>The -CaKeyPath key does not belong to the CA certificate.</summary>
        public const string CaKeyMismatch = nameof(CaKeyMismatch);

        /// <summary>The CA to issue from has expired.</summary>
        public const string CaExpired = nameof(CaExpired);

        /// <summary>A validity of less than one day was asked for.</summary>
        public const string InvalidValidity = nameof(InvalidValidity);

        /// <summary>Only one of -CaCertificatePath and -CaKeyPath was given.</summary>
        public const string IncompleteCa = nameof(IncompleteCa);

        /// <summary>The -ClientName cannot name a file, would overwrite ca or server, or is the peers' common name.</summary>
        public const string InvalidClientName = nameof(InvalidClientName);

        /// <summary>-NewAuthority was given together with -CaCertificatePath/-CaKeyPath.</summary>
        public const string ConflictingCaRequest = nameof(ConflictingCaRequest);

        /// <summary>A member's certificate file name would be the file of the CA, the server or the client.</summary>
        public const string MemberNameClash = nameof(MemberNameClash);

        /// <summary>A -IPAddress value is not an IP address.</summary>
        public const string InvalidIPAddress = nameof(InvalidIPAddress);

        /// <summary>A -DnsName value is an IP address or not a valid DNS name.</summary>
        public const string InvalidDnsName = nameof(InvalidDnsName);

        /// <summary>The CA key is neither RSA nor ECDSA.</summary>
        public const string UnsupportedCaKey = nameof(UnsupportedCaKey);

        /// <summary>A certificate file cannot be read (also a finding rule of Test-EtcdCertificateSet).</summary>
        public const string CertificateUnreadable = nameof(CertificateUnreadable);

        /// <summary>A file holds no PEM certificate.</summary>
        public const string InvalidCertificateFile = nameof(InvalidCertificateFile);

        /// <summary>A private key file cannot be read (also a finding rule of Test-EtcdCertificateSet).</summary>
        public const string KeyUnreadable = nameof(KeyUnreadable);

        /// <summary>A private key file is encrypted; etcd cannot read encrypted keys.</summary>
        public const string EncryptedKey = nameof(EncryptedKey);

        /// <summary>A file holds no PEM private key.</summary>
        public const string InvalidKeyFile = nameof(InvalidKeyFile);

        /// <summary>The target folder already holds files of the set and -Force was not given.</summary>
        public const string CertificateFilesExist = nameof(CertificateFilesExist);

        /// <summary>Writing the certificate set failed; nothing was changed.</summary>
        public const string CertificateSetWriteFailed = nameof(CertificateSetWriteFailed);

        /// <summary>The folder to import a certificate set from does not exist.</summary>
        public const string CertificateDirectoryNotFound = nameof(CertificateDirectoryNotFound);

        /// <summary>The folder lacks files a certificate set needs.</summary>
        public const string IncompleteCertificateSet = nameof(IncompleteCertificateSet);

        /// <summary>A certificate path, or a wildcard pattern, matches no file.</summary>
        public const string CertificateNotFound = nameof(CertificateNotFound);

        /// <summary>A file mode could not be set on the workstation.</summary>
        public const string ChmodFailed = nameof(ChmodFailed);

        // ---- Configuration (New-EtcdConfig, Test-EtcdConfig) ----

        /// <summary>initial-cluster-state is neither new nor existing (also a finding rule of Test-EtcdConfig).</summary>
        public const string InvalidClusterState = nameof(InvalidClusterState);

        /// <summary>The certificate set has no peer certificate for a member.</summary>
        public const string MissingPeerCertificate = nameof(MissingPeerCertificate);

        /// <summary>etcd would refuse the config New-EtcdConfig rendered.</summary>
        public const string InvalidEtcdConfig = nameof(InvalidEtcdConfig);

        /// <summary>New-EtcdConfig -Path could not write a member's files.</summary>
        public const string ConfigWriteFailed = nameof(ConfigWriteFailed);

        /// <summary>A Test-EtcdConfig path matches no file.</summary>
        public const string ConfigFileNotFound = nameof(ConfigFileNotFound);

        /// <summary>A Test-EtcdConfig file cannot be read.</summary>
        public const string ConfigFileUnreadable = nameof(ConfigFileUnreadable);

        // ---- etcd releases (Save-EtcdRelease, Install-EtcdNode) ----

        /// <summary>An architecture other than amd64 and arm64, asked for or found on a host.</summary>
        public const string UnsupportedArchitecture = nameof(UnsupportedArchitecture);

        /// <summary>-BaseUrl is not an http(s) URL.</summary>
        public const string InvalidBaseUrl = nameof(InvalidBaseUrl);

        /// <summary>-Sha256 is not 64 hexadecimal digits.</summary>
        public const string InvalidSha256 = nameof(InvalidSha256);

        /// <summary>The -ArchivePath file does not exist.</summary>
        public const string ReleaseArchiveNotFound = nameof(ReleaseArchiveNotFound);

        /// <summary>The -ArchivePath file name is not that of the asked version and architecture.</summary>
        public const string ReleaseArchiveNameMismatch = nameof(ReleaseArchiveNameMismatch);

        /// <summary>No checksum to verify the archive against, so it is not used.</summary>
        public const string ReleaseChecksumMissing = nameof(ReleaseChecksumMissing);

        /// <summary>The archive's SHA-256 differs from the published one; it was discarded.</summary>
        public const string ReleaseChecksumMismatch = nameof(ReleaseChecksumMismatch);

        /// <summary>The download failed, stalled or timed out, or the server answered with an HTTP error.</summary>
        public const string ReleaseDownloadFailed = nameof(ReleaseDownloadFailed);

        /// <summary>The release archive does not exist at the source (HTTP 404).</summary>
        public const string ReleaseNotFound = nameof(ReleaseNotFound);

        /// <summary>The archive matches its checksum but is not an etcd release.</summary>
        public const string ReleaseArchiveNotEtcd = nameof(ReleaseArchiveNotEtcd);

        /// <summary>Install-EtcdNode -Release is another version than the cluster's.</summary>
        public const string ReleaseVersionMismatch = nameof(ReleaseVersionMismatch);

        /// <summary>Install-EtcdNode -Release is for another architecture than the hosts'.</summary>
        public const string ReleaseArchitectureMismatch = nameof(ReleaseArchitectureMismatch);

        // ---- SSH and hosts (every cmdlet that works on members' hosts) ----

        /// <summary>No SSH key, agent key or password to log in with.</summary>
        public const string SshNoCredential = nameof(SshNoCredential);

        /// <summary>The -SshKeyPath file does not exist.</summary>
        public const string SshKeyNotFound = nameof(SshKeyNotFound);

        /// <summary>The -SshKeyPath file cannot be read or is not a private key format SSH.NET knows.</summary>
        public const string SshKeyInvalid = nameof(SshKeyInvalid);

        /// <summary>The -SshKeyPath file is a public key (.pub).</summary>
        public const string SshKeyIsPublic = nameof(SshKeyIsPublic);

        /// <summary>The SSH key is encrypted and no -SshKeyPassphrase was given.</summary>
        public const string SshKeyPassphraseRequired = nameof(SshKeyPassphraseRequired);

        /// <summary>The -SshKeyPassphrase does not open the SSH key.</summary>
        public const string SshKeyPassphraseWrong = nameof(SshKeyPassphraseWrong);

        /// <summary>The host is not in known_hosts (policy Strict).</summary>
        public const string HostKeyUnknown = nameof(HostKeyUnknown);

        /// <summary>The host key differs from the one in known_hosts.</summary>
        public const string HostKeyChanged = nameof(HostKeyChanged);

        /// <summary>The host key is marked @revoked in known_hosts.</summary>
        public const string HostKeyRevoked = nameof(HostKeyRevoked);

        /// <summary>The SSH server refused the login.</summary>
        public const string SshAuthenticationFailed = nameof(SshAuthenticationFailed);

        /// <summary>The SSH server did not answer in time.</summary>
        public const string SshTimeout = nameof(SshTimeout);

        /// <summary>No SSH connection could be made.</summary>
        public const string SshConnectFailed = nameof(SshConnectFailed);

        /// <summary>An open SSH connection broke.</summary>
        public const string SshConnectionLost = nameof(SshConnectionLost);

        /// <summary>The SSH user needs a password for sudo and none was given.</summary>
        public const string SudoPasswordRequired = nameof(SudoPasswordRequired);

        /// <summary>sudo refused the given password.</summary>
        public const string SudoRefused = nameof(SudoRefused);

        /// <summary>A command on a host exited with an error.</summary>
        public const string RemoteCommandFailed = nameof(RemoteCommandFailed);

        /// <summary>An unexpected failure on one host (not one of EtcdOps' own errors).</summary>
        public const string HostOperationFailed = nameof(HostOperationFailed);

        // ---- Install and run (Install-, Start-, Stop-, Restart-EtcdNode) ----

        /// <summary>Install-EtcdNode got no certificate set.</summary>
        public const string CertificateSetRequired = nameof(CertificateSetRequired);

        /// <summary>Configs were piped to Install-EtcdNode, but not for every member to install.</summary>
        public const string NodeConfigMissing = nameof(NodeConfigMissing);

        /// <summary>Install-EtcdNode's pre-flight checks found errors; no host was touched.</summary>
        public const string PreflightFailed = nameof(PreflightFailed);

        /// <summary>The certificate set's CA differs from the one a running cluster trusts.</summary>
        public const string CertificateAuthorityChangeRefused = nameof(CertificateAuthorityChangeRefused);

        /// <summary>After the install the cluster did not become healthy in time.</summary>
        public const string ClusterDidNotStart = nameof(ClusterDidNotStart);

        /// <summary>Stopping or uninstalling the members asked for would lose quorum.</summary>
        public const string QuorumWouldBeLost = nameof(QuorumWouldBeLost);

        /// <summary>A rolling restart or a defragmentation stopped or did not start, or a membership change changed nothing, because the cluster was not healthy.</summary>
        public const string ClusterUnhealthy = nameof(ClusterUnhealthy);

        // ---- Rolling upgrade (Update-EtcdNode; Install-EtcdNode with a changed Version) ----

        /// <summary>The cluster is not fit for a rolling upgrade (a member stopped, unhealthy or a learner; inventory and cluster differ); no host was touched.</summary>
        public const string UpgradePreflightFailed = nameof(UpgradePreflightFailed);

        /// <summary>The version path is not one etcd supports (a downgrade, a skipped minor, 3.6 from a 3.5 patch below the guide's minimum); no host was touched.</summary>
        public const string UpgradePathRefused = nameof(UpgradePathRefused);

        /// <summary>A member's step of a rolling upgrade failed; the members after it were not touched.</summary>
        public const string UpgradeStopped = nameof(UpgradeStopped);

        // ---- The etcd API (Get-EtcdMember, Get-EtcdEndpointStatus, Test-EtcdEndpointHealth, Wait-EtcdCluster) ----

        /// <summary>No endpoint to ask.</summary>
        public const string NoEtcdEndpoint = nameof(NoEtcdEndpoint);

        /// <summary>An endpoint is not an etcd client URL.</summary>
        public const string InvalidEndpoint = nameof(InvalidEndpoint);

        /// <summary>An https endpoint without a CA certificate to verify etcd's server certificate.</summary>
        public const string MissingCaCertificate = nameof(MissingCaCertificate);

        /// <summary>A client certificate was given without its key.</summary>
        public const string MissingClientKey = nameof(MissingClientKey);

        /// <summary>A client key was given without its certificate.</summary>
        public const string MissingClientCertificate = nameof(MissingClientCertificate);

        /// <summary>The client key does not belong to the client certificate.</summary>
        public const string ClientKeyMismatch = nameof(ClientKeyMismatch);

        /// <summary>The client key is neither RSA nor EC.</summary>
        public const string UnsupportedClientKey = nameof(UnsupportedClientKey);


        /// <summary>Objects of different certificate sets arrived in one call.</summary>
        public const string ConflictingCertificateSets = nameof(ConflictingCertificateSets);

        /// <summary>An endpoint did not answer in time.</summary>
        public const string EtcdEndpointTimeout = nameof(EtcdEndpointTimeout);

        /// <summary>An endpoint cannot be reached (refused, no route, name not resolved).</summary>
        public const string EtcdEndpointUnreachable = nameof(EtcdEndpointUnreachable);

        /// <summary>The TLS handshake with an endpoint failed.</summary>
        public const string EtcdTlsHandshakeFailed = nameof(EtcdTlsHandshakeFailed);

        /// <summary>EtcdOps refused etcd's server certificate.</summary>
        public const string EtcdTlsServerCertificateRejected = nameof(EtcdTlsServerCertificateRejected);

        /// <summary>etcd refused the client certificate.</summary>
        public const string EtcdTlsClientCertificateRejected = nameof(EtcdTlsClientCertificateRejected);

        /// <summary>An endpoint answered, but not with etcd's v3 API (no gRPC, not etcd's JSON).</summary>
        public const string EtcdInvalidReply = nameof(EtcdInvalidReply);

        /// <summary>etcd refused a request.</summary>
        public const string EtcdRequestFailed = nameof(EtcdRequestFailed);

        /// <summary>An alarm name that etcd does not know (NOSPACE and CORRUPT exist).</summary>
        public const string EtcdUnknownAlarm = nameof(EtcdUnknownAlarm);

        /// <summary>An endpoint reports an alarm (NOSPACE, CORRUPT) or is otherwise unhealthy.</summary>
        public const string EtcdEndpointUnhealthy = nameof(EtcdEndpointUnhealthy);

        /// <summary>No endpoint gave the member list.</summary>
        public const string EtcdMemberListFailed = nameof(EtcdMemberListFailed);

        /// <summary>The member list names no client URLs.</summary>
        public const string EtcdNoMemberClientUrls = nameof(EtcdNoMemberClientUrls);

        /// <summary>The cluster did not become ready in time.</summary>
        public const string EtcdClusterNotReady = nameof(EtcdClusterNotReady);

        // ---- Maintenance (Get-, Clear-EtcdAlarm, Invoke-EtcdCompaction, Invoke-EtcdDefragmentation, Move-EtcdLeader, Test-EtcdConsistency) ----

        /// <summary>The revision to compact to is ahead of the cluster's current revision.</summary>
        public const string EtcdRevisionOutOfRange = nameof(EtcdRevisionOutOfRange);

        /// <summary>The member to move leadership to is a learner or does not answer.</summary>
        public const string EtcdLeaderTargetInvalid = nameof(EtcdLeaderTargetInvalid);

        /// <summary>There is no leader to hand leadership over from, or it does not answer.</summary>
        public const string EtcdNoLeader = nameof(EtcdNoLeader);

        /// <summary>The voting members' hashes differ at one revision.</summary>
        public const string EtcdHashMismatch = nameof(EtcdHashMismatch);

        // ---- Finding rules: certificate sets (Test-EtcdCertificateSet, Install-EtcdNode's pre-flight) ----

        /// <summary>A file of the set (or, in Install-EtcdNode's pre-flight, a file a config places) does not exist.</summary>
        public const string FileMissing = nameof(FileMissing);

        /// <summary>A certificate has expired.</summary>
        public const string Expired = nameof(Expired);

        /// <summary>A certificate is not valid yet.</summary>
        public const string NotYetValid = nameof(NotYetValid);

        /// <summary>A certificate expires within the warning period.</summary>
        public const string Expiring = nameof(Expiring);

        /// <summary>ca.pem lacks basicConstraints CA:true.</summary>
        public const string CaNotCa = nameof(CaNotCa);

        /// <summary>ca.pem's key usage lacks keyCertSign.</summary>
        public const string CaKeyUsage = nameof(CaKeyUsage);

        /// <summary>ca.pem carries extended key usages.</summary>
        public const string CaExtendedKeyUsage = nameof(CaExtendedKeyUsage);

        /// <summary>A certificate was not issued by the set's ca.pem.</summary>
        public const string NotIssuedByCa = nameof(NotIssuedByCa);

        /// <summary>A certificate lacks the extended key usage its role needs.</summary>
        public const string ExtendedKeyUsage = nameof(ExtendedKeyUsage);

        /// <summary>A CA certificate is used as a server, peer or client certificate.</summary>
        public const string LeafIsCa = nameof(LeafIsCa);

        /// <summary>A certificate's key file does not exist.</summary>
        public const string KeyMissing = nameof(KeyMissing);

        /// <summary>A key file does not belong to its certificate.</summary>
        public const string KeyMismatch = nameof(KeyMismatch);

        /// <summary>A private key file is readable by others than its owner.</summary>
        public const string KeyFileMode = nameof(KeyFileMode);

        /// <summary>A member of the cluster has no peer certificate in the set.</summary>
        public const string PeerCertificateMissing = nameof(PeerCertificateMissing);

        /// <summary>A peer certificate does not name its member's address.</summary>
        public const string PeerSanMissing = nameof(PeerSanMissing);

        /// <summary>server.pem does not name a member's address.</summary>
        public const string ServerSanMissing = nameof(ServerSanMissing);

        /// <summary>The peer port cannot be restricted to the peers' common name, so it admits any certificate of the CA.</summary>
        public const string PeerPortOpenToCa = nameof(PeerPortOpenToCa);

        // ---- Finding rules: conf.yml (Test-EtcdConfig, New-EtcdConfig, Install-EtcdNode's pre-flight) ----

        /// <summary>conf.yml is not valid YAML.</summary>
        public const string YamlSyntax = nameof(YamlSyntax);

        /// <summary>conf.yml is not one mapping of keys to values.</summary>
        public const string YamlShape = nameof(YamlShape);

        /// <summary>A key etcd does not read from conf.yml (at this version, or at all) and ignores silently.</summary>
        public const string UnknownKey = nameof(UnknownKey);

        /// <summary>An experimental-* key that etcd 3.6 renamed (to a key or a feature gate).</summary>
        public const string RenamedKey = nameof(RenamedKey);

        /// <summary>A value has the wrong YAML type for etcd's Go field.</summary>
        public const string TypeMismatch = nameof(TypeMismatch);

        /// <summary>allowed-cn and allowed-hostname are both set in one section.</summary>
        public const string AllowedCnWithHostname = nameof(AllowedCnWithHostname);

        /// <summary>name is not set.</summary>
        public const string MissingName = nameof(MissingName);

        /// <summary>initial-cluster is not set.</summary>
        public const string MissingInitialCluster = nameof(MissingInitialCluster);

        /// <summary>An initial-cluster entry is not name=peer-url.</summary>
        public const string InitialClusterSyntax = nameof(InitialClusterSyntax);

        /// <summary>A peer URL appears twice in initial-cluster, or two members advertise one URL.</summary>
        public const string DuplicateUrl = nameof(DuplicateUrl);

        /// <summary>The member's name is not in initial-cluster.</summary>
        public const string NameNotInInitialCluster = nameof(NameNotInInitialCluster);

        /// <summary>initial-advertise-peer-urls differs from the member's initial-cluster entry.</summary>
        public const string AdvertisePeerUrlMismatch = nameof(AdvertisePeerUrlMismatch);

        /// <summary>advertise-client-urls is not set.</summary>
        public const string MissingAdvertiseClientUrls = nameof(MissingAdvertiseClientUrls);

        /// <summary>A URL has no scheme.</summary>
        public const string UrlWithoutScheme = nameof(UrlWithoutScheme);

        /// <summary>A URL's scheme is not http, https, unix or unixs.</summary>
        public const string InvalidUrlScheme = nameof(InvalidUrlScheme);

        /// <summary>A URL has no port.</summary>
        public const string UrlWithoutPort = nameof(UrlWithoutPort);

        /// <summary>A URL has a path.</summary>
        public const string UrlWithPath = nameof(UrlWithPath);

        /// <summary>A listen URL names a host by DNS name.</summary>
        public const string DnsNameInListenUrl = nameof(DnsNameInListenUrl);

        /// <summary>A URL's port is not 1-65535.</summary>
        public const string InvalidUrlPort = nameof(InvalidUrlPort);

        /// <summary>heartbeat-interval is 0.</summary>
        public const string HeartbeatInterval = nameof(HeartbeatInterval);

        /// <summary>election-timeout is 0.</summary>
        public const string ElectionTimeout = nameof(ElectionTimeout);

        /// <summary>election-timeout is less than 5 times heartbeat-interval.</summary>
        public const string ElectionTimeoutTooShort = nameof(ElectionTimeoutTooShort);

        /// <summary>election-timeout is above etcd's maximum.</summary>
        public const string ElectionTimeoutTooLong = nameof(ElectionTimeoutTooLong);

        /// <summary>quota-backend-bytes is above the recommended 8 GiB.</summary>
        public const string QuotaAboveRecommended = nameof(QuotaAboveRecommended);

        /// <summary>auto-compaction-mode is neither periodic nor revision.</summary>
        public const string AutoCompactionMode = nameof(AutoCompactionMode);

        /// <summary>auto-compaction-retention is not a number or duration.</summary>
        public const string AutoCompactionRetention = nameof(AutoCompactionRetention);

        /// <summary>data-dir is not set.</summary>
        public const string MissingDataDir = nameof(MissingDataDir);

        /// <summary>log-level is not a level etcd knows.</summary>
        public const string LogLevel = nameof(LogLevel);

        /// <summary>logger is unknown, or capnslog on etcd 3.5 and later.</summary>
        public const string Logger = nameof(Logger);

        /// <summary>log-outputs is what etcd 3.4's default logger capnslog cannot take.</summary>
        public const string LogOutputs = nameof(LogOutputs);

        /// <summary>log-outputs mixes default with other outputs.</summary>
        public const string LogOutputsDefaultMixed = nameof(LogOutputsDefaultMixed);

        /// <summary>tls-min-version or tls-max-version is not TLS1.2 or TLS1.3, or the range is empty.</summary>
        public const string TlsVersion = nameof(TlsVersion);

        /// <summary>cipher-suites is set while only TLS 1.3 is enabled.</summary>
        public const string CipherSuitesWithTls13 = nameof(CipherSuitesWithTls13);

        /// <summary>A cipher suite is not one Go knows.</summary>
        public const string UnknownCipherSuite = nameof(UnknownCipherSuite);

        /// <summary>A TLS 1.3 suite in cipher-suites, where it has no effect.</summary>
        public const string Tls13CipherSuite = nameof(Tls13CipherSuite);

        /// <summary>A cipher suite is considered insecure.</summary>
        public const string WeakCipherSuite = nameof(WeakCipherSuite);

        /// <summary>proxy has a value etcd refuses (often an unquoted off).</summary>
        public const string ProxyValue = nameof(ProxyValue);

        /// <summary>proxy makes etcd a v2 proxy instead of a member.</summary>
        public const string ProxyEnabled = nameof(ProxyEnabled);

        /// <summary>enable-v2 serves the deprecated v2 API.</summary>
        public const string EnableV2 = nameof(EnableV2);

        /// <summary>strict-reconfig-check is off.</summary>
        public const string StrictReconfigCheckOff = nameof(StrictReconfigCheckOff);

        /// <summary>listen-metrics-urls serves plain HTTP beyond loopback.</summary>
        public const string MetricsNotLoopback = nameof(MetricsNotLoopback);

        /// <summary>A transport-security section has no cert-file and key-file.</summary>
        public const string TlsNotConfigured = nameof(TlsNotConfigured);

        /// <summary>client-cert-auth is not true in a transport-security section.</summary>
        public const string ClientCertAuthOff = nameof(ClientCertAuthOff);

        /// <summary>client-cert-auth is on without trusted-ca-file.</summary>
        public const string TrustedCaMissing = nameof(TrustedCaMissing);

        /// <summary>auto-tls is on.</summary>
        public const string AutoTlsOn = nameof(AutoTlsOn);

        /// <summary>A plain http:// URL on a port whose TLS is configured.</summary>
        public const string PlainHttpWithTls = nameof(PlainHttpWithTls);

        /// <summary>Members of one cluster have different initial-cluster values.</summary>
        public const string InitialClusterMismatch = nameof(InitialClusterMismatch);

        /// <summary>initial-cluster has an even number of members.</summary>
        public const string EvenMemberCount = nameof(EvenMemberCount);

        /// <summary>initial-cluster names a member whose config was not checked with the others.</summary>
        public const string MemberConfigMissing = nameof(MemberConfigMissing);

        /// <summary>Members have different initial-cluster-token values.</summary>
        public const string TokenMismatch = nameof(TokenMismatch);

        /// <summary>A member's host has no etcd unit with a conf.yml (etcd is not deployed there).</summary>
        public const string EtcdNotInstalled = nameof(EtcdNotInstalled);

        /// <summary>After a renewal, a member's port still presents the old certificate.</summary>
        public const string CertificateNotServed = nameof(CertificateNotServed);

        /// <summary>A CA rotation stopped at a member (its restart failed, or the cluster did not become healthy after it).</summary>
        public const string CaRotationStopped = nameof(CaRotationStopped);

        // Snapshots

        /// <summary>No healthy voting member to take a snapshot from.</summary>
        public const string NoSnapshotSource = nameof(NoSnapshotSource);

        /// <summary>A snapshot is not whole: wrong size, its SHA-256 trailer or its metadata does not match.</summary>
        public const string SnapshotCorrupt = nameof(SnapshotCorrupt);

        /// <summary>The snapshot path is not usable (a missing folder, a file where a folder was meant, an existing file).</summary>
        public const string InvalidSnapshotPath = nameof(InvalidSnapshotPath);

        // Snapshot schedule (Enable-, Disable-EtcdSnapshotSchedule)

        /// <summary>-OnCalendar, -Keep or -Directory cannot be used: systemd does not understand the calendar, or the path is not a plain absolute one.</summary>
        public const string InvalidSnapshotSchedule = nameof(InvalidSnapshotSchedule);

        /// <summary>A member's host lacks the CA, client certificate or client key the snapshot service would use.</summary>
        public const string SnapshotClientCertificateMissing = nameof(SnapshotClientCertificateMissing);

        /// <summary>Restore-EtcdSnapshot: the snapshot's etcd version does not fit the cluster's (a downgrade, or more than one minor up).</summary>
        public const string SnapshotVersionMismatch = nameof(SnapshotVersionMismatch);

        /// <summary>Restore-EtcdSnapshot: -BumpRevision/-MarkCompacted on an etcd older than 3.5.10, or one given without the other.</summary>
        public const string BumpRevisionUnsupported = nameof(BumpRevisionUnsupported);

        /// <summary>Restore-EtcdSnapshot: the snapshot lives on a member's host that the cluster does not name.</summary>
        public const string SnapshotHostNotInCluster = nameof(SnapshotHostNotInCluster);

        // ---- Membership (Add-EtcdMember, Remove-EtcdMember, Install-EtcdNode on a running cluster) ----

        /// <summary>No voting member of the cluster answered a membership request (member list, add, promote, remove) or a maintenance request.</summary>
        public const string NoVotingMemberAnswered = nameof(NoVotingMemberAnswered);

        /// <summary>A learner did not catch up with the leader in time, so it was not promoted.</summary>
        public const string LearnerNotInSync = nameof(LearnerNotInSync);

        /// <summary>The cluster already has a learner; etcd allows one at a time.</summary>
        public const string LearnerPending = nameof(LearnerPending);

        /// <summary>Add-EtcdMember: the name is already a member of the cluster or the inventory.</summary>
        public const string MemberNameInUse = nameof(MemberNameInUse);

        /// <summary>Add-EtcdMember: the address (peer URL) is already a member's.</summary>
        public const string MemberAddressInUse = nameof(MemberAddressInUse);

        /// <summary>Remove-EtcdMember: the member is neither in the inventory nor in the cluster's member list.</summary>
        public const string MemberNotInCluster = nameof(MemberNotInCluster);

        /// <summary>Remove-EtcdMember: the member is the cluster's last; removing it would end the cluster.</summary>
        public const string LastMemberRemovalRefused = nameof(LastMemberRemovalRefused);

        // ---- Node audit (Test-EtcdNode): finding rules, one per check ----

        /// <summary>CIS 2.1: client-transport-security has a cert-file and a key-file.</summary>
        public const string CisCertFile = nameof(CisCertFile);

        /// <summary>CIS 2.2: client-transport-security.client-cert-auth is true.</summary>
        public const string CisClientCertAuth = nameof(CisClientCertAuth);

        /// <summary>CIS 2.3: client-transport-security.auto-tls is not true.</summary>
        public const string CisAutoTls = nameof(CisAutoTls);

        /// <summary>CIS 2.4: peer-transport-security has a cert-file and a key-file.</summary>
        public const string CisPeerCertFile = nameof(CisPeerCertFile);

        /// <summary>CIS 2.5: peer-transport-security.client-cert-auth is true.</summary>
        public const string CisPeerClientCertAuth = nameof(CisPeerClientCertAuth);

        /// <summary>CIS 2.6: peer-transport-security.auto-tls is not true.</summary>
        public const string CisPeerAutoTls = nameof(CisPeerAutoTls);

        /// <summary>CIS 2.7: clients and peers are verified against a CA file of etcd's own (trusted-ca-file set in both sections, present on the host).</summary>
        public const string CisTrustedCa = nameof(CisTrustedCa);

        /// <summary>conf.yml is 600 (or stricter) and owned by root or etcd.</summary>
        public const string HostConfigFileMode = nameof(HostConfigFileMode);

        /// <summary>The data dir (and a separate wal-dir) is 700 etcd:etcd.</summary>
        public const string HostDataDirMode = nameof(HostDataDirMode);

        /// <summary>Every private key on the host (the key-files conf.yml names, and keys next to them) is 600 (or 400).</summary>
        public const string HostKeyFileMode = nameof(HostKeyFileMode);

        /// <summary>No CA private key next to etcd's files (the CA key stays on the workstation).</summary>
        public const string HostCaKey = nameof(HostCaKey);

        /// <summary>No plain-HTTP listener (metrics, client, client-http URLs) on a non-loopback address.</summary>
        public const string HostPlainTextMetrics = nameof(HostPlainTextMetrics);

        /// <summary>Warning: the running etcd started before conf.yml last changed, uses another conf.yml, or does not run.</summary>
        public const string HostStaleProcess = nameof(HostStaleProcess);

        // ---- Performance check (Test-EtcdPerformance) ----

        /// <summary>The performance check's keys could not all be deleted afterwards (or its new prefix held keys already).</summary>
        public const string PerformanceKeysLeft = nameof(PerformanceKeysLeft);
    }
}
