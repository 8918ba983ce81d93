BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $script:Golden = Join-Path $PSScriptRoot 'config-corpus/golden'
    $script:Work = New-TestDirectory
    $script:Pki = Join-Path $Work 'pki'
    & bash (Join-Path $PSScriptRoot 'tools/new-cfssl-pki.sh') $Pki m1=127.0.4.1 m2=127.0.4.2 m3=127.0.4.3
    if ($LASTEXITCODE -ne 0) { throw 'new-cfssl-pki.sh failed' }
    # The module lives in its own load context, so its types are reached through an object it returned.
    function New-TestCertificateSet([string[]] $Names) {
        $core = (New-EtcdCluster -Name probe -Member @{ Name = 'a'; Address = '10.0.0.1' }).GetType().Assembly
        $type = $core.GetType('EtcdOps.Pki.EtcdCertificateSet')
        $type::new($Pki, $Names, 'client')
    }
    $script:Set = New-TestCertificateSet 'm1', 'm2', 'm3'

    function New-GuideCluster([string] $Version) {
        New-EtcdCluster -Name staging -Version $Version -Token 'etcd-staging-golden' -Member @(
            @{ Name = 'z-b-data-1'; Address = '192.168.6.204' }
            @{ Name = 'z-b-data-2'; Address = '192.168.6.205' }
            @{ Name = 'z-b-data-3'; Address = '192.168.6.206' })
    }
    function New-LoopbackCluster([string] $Version) {
        New-EtcdCluster -Name loop -Version $Version -Member @(
            @{ Name = 'm1'; Address = '127.0.4.1' }, @{ Name = 'm2'; Address = '127.0.4.2' }, @{ Name = 'm3'; Address = '127.0.4.3' })
    }
    # The rendered conf.yml with its own empty data dir: the only change the oracle makes.
    function Save-WithDataDir($Config) {
        $data = Join-Path $Work ('data-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $data | Out-Null
        & chmod 700 $data
        $file = "$data.yml"
        $Config.Yaml.Replace('/var/lib/etcd-rebase', $data) | Set-Content -Path $file -NoNewline
        $file
    }
}

BeforeDiscovery { . "$PSScriptRoot/tools/LocalEtcd.ps1" }

AfterAll { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'New-EtcdConfig' {
    It 'matches the golden files for etcd <Series>' -TestCases @(@{ Series = '3.4'; Version = '3.4.23' }, @{ Series = '3.5'; Version = '3.5.16' }) {
        param($Series, $Version)
        $configs = @(New-GuideCluster $Version | New-EtcdConfig)
        $configs.Count | Should -Be 3
        foreach ($c in $configs) {
            $dir = Join-Path $Golden "$Series/$($c.Member.Name)"
            $c.Yaml | Should -BeExactly (Get-Content (Join-Path $dir 'conf.yml') -Raw)
            $c.SystemdUnit | Should -BeExactly (Get-Content (Join-Path $dir 'etcd.service') -Raw)
        }
    }

    It 'returns one EtcdNodeConfig per member with host paths and certificate placements' {
        $configs = @(New-LoopbackCluster 3.5.16 | New-EtcdConfig -CertificateSet $Set)
        $c = $configs[1]
        $c.GetType().FullName | Should -Be 'EtcdOps.Config.EtcdNodeConfig'
        $c.Member.Name | Should -Be 'm2'
        $c.Cluster.Name | Should -Be 'loop'
        $c.CertificateSet.Path | Should -Be $Set.Path
        $c.ConfigPath | Should -Be '/etc/etcd/conf.yml'
        $c.UnitPath | Should -Be '/etc/systemd/system/etcd.service'
        $c.Settings.Name | Should -Be 'm2'
        $c.Settings.ListenClientUrls | Should -Be @('https://127.0.4.2:2379', 'https://127.0.0.1:2379')
        $c.Files.RemotePath | Should -Be @('/etc/etcd/ca.pem', '/etc/etcd/server.pem', '/etc/etcd/server-key.pem', '/etc/etcd/m2.pem',
            '/etc/etcd/m2-key.pem', '/etc/etcd/client.pem', '/etc/etcd/client-key.pem')
        ($c.Files | Where-Object IsPrivateKey).RemotePath | Should -Be @('/etc/etcd/server-key.pem', '/etc/etcd/m2-key.pem', '/etc/etcd/client-key.pem')
        $c.Files.LocalPath | Should -Not -Contain (Join-Path $Pki 'ca-key.pem')
        foreach ($f in $c.Files) { Test-Path $f.LocalPath | Should -BeTrue }
    }

    It 'is secure by default (CIS etcd 2.1-2.7) and writes the unit the guide asks for' {
        $c = (New-LoopbackCluster 3.5.16 | New-EtcdConfig)[0]
        foreach ($line in 'client-cert-auth: true', 'auto-tls: false', 'trusted-ca-file: /etc/etcd/ca.pem') {
            ([regex]::Matches($c.Yaml, "(?m)^  $([regex]::Escape($line))$")).Count | Should -Be 2 -Because "both transports need '$line'"
        }
        $c.Yaml | Should -Match '(?m)^tls-min-version: TLS1\.2$'
        $c.Yaml | Should -Match '(?m)^listen-metrics-urls: http://127\.0\.0\.1:2381$'
        $c.Yaml | Should -Match '(?m)^strict-reconfig-check: true$'
        $c.Yaml | Should -Match '(?m)^enable-v2: false$'
        foreach ($line in 'Type=notify', 'User=etcd', 'ExecStart=/usr/local/bin/etcd --config-file=/etc/etcd/conf.yml', 'Restart=on-failure',
            'RestartSec=5', 'LimitNOFILE=65536', 'After=network-online.target', 'Wants=network-online.target') {
            $c.SystemdUnit | Should -Match "(?m)^$([regex]::Escape($line))$"
        }
    }

    It 'renders only the keys etcd <Version> reads' -TestCases @(
        @{ Version = '3.4.23'; Has = 'logger: zap', 'enable-v2: false'; HasNot = 'tls-min-version' }
        @{ Version = '3.5.16'; Has = 'tls-min-version: TLS1.2', 'enable-v2: false'; HasNot = 'proxy' }
        @{ Version = '3.6.0'; Has = 'tls-min-version: TLS1.2'; HasNot = 'enable-v2' }
    ) {
        param($Version, $Has, $HasNot)
        $c = (New-LoopbackCluster $Version | New-EtcdConfig)[0]
        foreach ($h in $Has) { $c.Yaml | Should -Match "(?m)^$([regex]::Escape($h))$" }
        foreach ($n in $HasNot) { $c.Yaml | Should -Not -Match "(?m)^$([regex]::Escape($n)):" }
        $c | Test-EtcdConfig | Should -BeNullOrEmpty
    }

    It 'takes every tunable' {
        $c = (New-LoopbackCluster 3.5.16 | New-EtcdConfig -SnapshotCount 5000 -HeartbeatInterval 250 -ElectionTimeout 2500 `
                -QuotaBackendBytes 4GB -MaxSnapshots 3 -MaxWals 4 -AutoCompactionMode revision -AutoCompactionRetention 1000 `
                -LogLevel warn -LogOutputs stderr, /var/log/etcd/etcd.log -DataDir /data/etcd -WalDir /wal/etcd `
                -ClientListenAddress @() -MetricsUrl http://127.0.0.1:2382 -TlsMinVersion TLS1.3 -EnableV2 `
                -InitialClusterState existing -CertificateDirectory /etc/etcd/pki -BinaryDirectory /opt/etcd -WarningAction SilentlyContinue)[0]
        $expected = 'snapshot-count: 5000', 'heartbeat-interval: 250', 'election-timeout: 2500', 'quota-backend-bytes: 4294967296',
            'max-snapshots: 3', 'max-wals: 4', 'auto-compaction-mode: revision', 'auto-compaction-retention: "1000"', 'log-level: warn',
            'data-dir: /data/etcd', 'wal-dir: /wal/etcd', 'listen-client-urls: https://127.0.4.1:2379', 'listen-metrics-urls: http://127.0.0.1:2382',
            'tls-min-version: TLS1.3', 'enable-v2: true', 'initial-cluster-state: existing', '  cert-file: /etc/etcd/pki/server.pem'
        foreach ($e in $expected) { $c.Yaml | Should -Match "(?m)^$([regex]::Escape($e))$" }
        $c.Yaml | Should -Match "(?m)^log-outputs:\n  - stderr\n  - /var/log/etcd/etcd.log$"
        $c.SystemdUnit | Should -Match '(?m)^ExecStart=/opt/etcd/etcd --config-file=/etc/etcd/pki/conf.yml$'
        $c.ConfigPath | Should -Be '/etc/etcd/pki/conf.yml'
    }

    It 'flips a node config to initial-cluster-state existing' {
        $c = (New-LoopbackCluster 3.5.16 | New-EtcdConfig)[0]
        $e = $c.WithInitialClusterState('existing')
        $e.Yaml | Should -Match '(?m)^initial-cluster-state: existing$'
        $e.Settings.InitialClusterState | Should -Be 'existing'
        $c.Yaml | Should -Match '(?m)^initial-cluster-state: new$'
        { $c.WithInitialClusterState('neww') } | Should -Throw '*unexpected clusterState*'
    }

    It 'refuses settings etcd would refuse' {
        $err = $null
        New-LoopbackCluster 3.5.16 | New-EtcdConfig -HeartbeatInterval 300 -ElectionTimeout 1000 -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidEtcdConfig,*'
        $err[0].Exception.Message | Should -BeLike '*should be at least as 5 times as --heartbeat-interval*'
        { New-LoopbackCluster 3.5.16 | New-EtcdConfig -TlsMinVersion TLS1.3 -CipherSuites TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 -ErrorAction Stop } |
            Should -Throw '*cipher suites cannot be configured when only TLS1.3 is enabled*'
    }

    It 'refuses a certificate set without the member''s peer certificate' {
        $partial = New-TestCertificateSet 'm1', 'm2'
        { New-LoopbackCluster 3.5.16 | New-EtcdConfig -CertificateSet $partial -ErrorAction Stop } | Should -Throw -ErrorId 'MissingPeerCertificate,*'
    }

    It 'writes a folder per member with -Path, and nothing with -WhatIf' {
        $out = Join-Path $Work 'rendered'
        New-LoopbackCluster 3.5.16 | New-EtcdConfig -Path $out -WhatIf | Out-Null
        Test-Path $out | Should -BeFalse
        $configs = @(New-LoopbackCluster 3.5.16 | New-EtcdConfig -Path $out)
        foreach ($c in $configs) {
            $c.LocalDirectory | Should -Be (Join-Path $out $c.Member.Name)
            Get-Content (Join-Path $c.LocalDirectory 'conf.yml') -Raw | Should -BeExactly $c.Yaml
            Get-Content (Join-Path $c.LocalDirectory 'etcd.service') -Raw | Should -BeExactly $c.SystemdUnit
        }
        Test-EtcdConfig -Path (Join-Path $out '*/conf.yml') | Should -BeNullOrEmpty
    }
}

Describe 'New-EtcdConfig output on real etcd' -Skip:(-not (Test-EtcdAvailable)) {
    It 'etcd <Version> accepts every member''s rendered conf.yml (rebased onto loopback)' -TestCases @(@{ Version = '3.4.23' }, @{ Version = '3.5.16' }) {
        param($Version)
        $configs = New-LoopbackCluster $Version | New-EtcdConfig -CertificateSet $Set -CertificateDirectory $Pki -DataDir /var/lib/etcd-rebase `
            -ClientListenAddress 127.0.4.11 -MetricsUrl http://127.0.4.20:2381 -LogOutputs stderr
        foreach ($c in $configs) {
            $result = Test-EtcdAcceptsConfig -Version $Version -ConfigFile (Save-WithDataDir $c) -Seconds 3
            $result.Exited | Should -BeFalse -Because "etcd $Version should accept $($c.Member.Name)'s config; log:`n$($result.Log)"
        }
    }

    It 'a cluster started from the rendered configs of etcd 3.5 is healthy on every endpoint' {
        $configs = New-LoopbackCluster 3.5.16 | New-EtcdConfig -CertificateSet $Set -CertificateDirectory $Pki -DataDir /var/lib/etcd-rebase `
            -ClientListenAddress @() -MetricsUrl @()
        $procs = foreach ($c in $configs) { Start-EtcdProcess -Version 3.5.16 -ConfigFile (Save-WithDataDir $c) -LogPath (Join-Path $Work "$($c.Member.Name).log") }
        try {
            $local = [pscustomobject]@{ Version = '3.5.16'; CertificateDirectory = $Pki; Endpoints = @($configs.Settings.AdvertiseClientUrls) }
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do { Start-Sleep -Milliseconds 500; $health = Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'health') }
            while ($health.ExitCode -ne 0 -and [DateTime]::UtcNow -lt $deadline)
            $health.ExitCode | Should -Be 0 -Because $health.Output
            $members = (Invoke-Etcdctl -Cluster $local -Arguments @('member', 'list')).Output
            foreach ($m in 'm1', 'm2', 'm3') { $members | Should -Match ", started, $m, https://" }
            # The client certificate is required: without it etcd refuses the request.
            (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'health') -NoClientCert).ExitCode | Should -Not -Be 0
        }
        finally {
            foreach ($p in $procs) { if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force -ErrorAction SilentlyContinue }; $p.WaitForExit(5000) | Out-Null }
        }
    }
}

# With one CA for everything, only allowed-cn keeps the client certificate off the peer port: proven on real etcd.
Describe 'The peer port of a cluster from New-EtcdCertificateSet and New-EtcdConfig' -Skip:(-not (Test-EtcdAvailable)) {
    BeforeAll {
        $script:PeerCluster = New-EtcdCluster -Name peers -Version 3.5.16 -Member @(
            @{ Name = 'p1'; Address = '127.0.77.1' }, @{ Name = 'p2'; Address = '127.0.77.2' }, @{ Name = 'p3'; Address = '127.0.77.3' })
        $script:PeerSet = $PeerCluster | New-EtcdCertificateSet -Path (Join-Path $Work 'peer-pki')
        $p = $PeerSet.Path
        $script:PeerConfigs = $PeerCluster | New-EtcdConfig -CertificateSet $PeerSet -CertificateDirectory $p -DataDir /var/lib/etcd-rebase `
            -ClientListenAddress @() -MetricsUrl @() -LogLevel warn
        $script:PeerProcs = foreach ($c in $PeerConfigs) {
            Start-EtcdProcess -Version 3.5.16 -ConfigFile (Save-WithDataDir $c) -LogPath (Join-Path $Work "peer-$($c.Member.Name).log")
        }
        $script:PeerLocal = [pscustomobject]@{ Version = '3.5.16'; CertificateDirectory = $p; Endpoints = @($PeerConfigs.Settings.AdvertiseClientUrls) }
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        do { Start-Sleep -Milliseconds 500; $script:PeerHealth = Invoke-Etcdctl -Cluster $PeerLocal -Arguments @('endpoint', 'health') }
        while ($PeerHealth.ExitCode -ne 0 -and [DateTime]::UtcNow -lt $deadline)
        # curl's verdict on https://<member>:2380/members with a given certificate (HTTP/1.1: etcd's peer port speaks it).
        function Invoke-PeerCurl([string] $Name) {
            $out = & curl --http1.1 -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$p/ca.pem" --cert "$p/$Name.pem" --key "$p/$Name-key.pem" https://127.0.77.1:2380/members 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
    }

    AfterAll {
        foreach ($proc in $PeerProcs) { if (-not $proc.HasExited) { Stop-Process -Id $proc.Id -Force -ErrorAction SilentlyContinue }; $proc.WaitForExit(5000) | Out-Null }
    }

    It 'renders allowed-cn with the CN every peer certificate shares, and passes Test-EtcdConfig' {
        foreach ($c in $PeerConfigs) {
            $c.Yaml | Should -Match "peer-transport-security:[\s\S]*  allowed-cn:\n    - etcd-peer-peers\n"
            (& openssl x509 -in $PeerSet.PeerCertificatePath($c.Member.Name) -noout -subject) | Should -Match 'CN ?= ?etcd-peer-peers'
        }
        (& openssl x509 -in $PeerSet.ClientCertificatePath -noout -subject) | Should -Not -Match 'etcd-peer-peers'
        $PeerConfigs | Test-EtcdConfig | Should -BeNullOrEmpty
        $PeerSet | Test-EtcdCertificateSet -Cluster $PeerCluster | Should -BeNullOrEmpty
    }

    It 'is healthy: the members admit each other' {
        $PeerHealth.ExitCode | Should -Be 0 -Because $PeerHealth.Output
        $members = (Invoke-Etcdctl -Cluster $PeerLocal -Arguments @('member', 'list')).Output
        foreach ($m in 'p1', 'p2', 'p3') { $members | Should -Match ", started, $m, https://" }
        # A write reaches every member through the peers.
        (Invoke-Etcdctl -Cluster $PeerLocal -Endpoints $PeerLocal.Endpoints[0] -Arguments @('put', 'peer-proof', 'ok')).ExitCode | Should -Be 0
        (Invoke-Etcdctl -Cluster $PeerLocal -Endpoints $PeerLocal.Endpoints[2] -Arguments @('get', 'peer-proof', '--print-value-only')).Output.Trim() | Should -Be 'ok'
    }

    It 'refuses the client certificate on the peer port' {
        $r = Invoke-PeerCurl client
        $r.ExitCode | Should -Not -Be 0 -Because 'client.pem must not reach /members on 2380'
        $r.Output | Should -Match 'bad certificate'
        # The same certificate is welcome on the client port.
        (Invoke-Etcdctl -Cluster $PeerLocal -Arguments @('endpoint', 'health')).ExitCode | Should -Be 0
    }

    It 'admits a peer certificate on the peer port' {
        $r = Invoke-PeerCurl p2
        $r.ExitCode | Should -Be 0 -Because $r.Output
        $r.Output.Trim() | Should -Be '200'
    }
}


# The advice for a cfssl set (PeerPortOpenToCa) on a running cluster: re-issue from the same CA, render, restart one
# member at a time. Proven on real etcd: quorum holds at every step and the peer port ends closed to client.pem.
Describe 'Closing the peer port of a running cluster made from a cfssl set' -Skip:(-not (Test-EtcdAvailable)) {
    BeforeAll {
        $script:MigPki = Join-Path $Work 'migrate-pki'
        $mig = @(@{ Name = 'q1'; Address = '127.0.77.11' }, @{ Name = 'q2'; Address = '127.0.77.12' }, @{ Name = 'q3'; Address = '127.0.77.13' })
        & bash (Join-Path $PSScriptRoot 'tools/new-cfssl-pki.sh') $MigPki @($mig | ForEach-Object { "$($_.Name)=$($_.Address)" }) | Out-Null
        $script:MigCluster = New-EtcdCluster -Name mig -Version 3.5.16 -Member $mig
        $script:MigData = @{}
        foreach ($m in $mig) { $d = Join-Path $Work "mig-data-$($m.Name)"; New-Item -ItemType Directory $d | Out-Null; & chmod 700 $d; $MigData[$m.Name] = $d }
        $script:MigProcs = @{}
        function Start-MigMember($Config) {
            $file = Join-Path $Work "mig-$($Config.Member.Name).yml"
            $Config.Yaml.Replace('/var/lib/etcd-rebase', $MigData[$Config.Member.Name]) | Set-Content -Path $file -NoNewline
            $MigProcs[$Config.Member.Name] = Start-EtcdProcess -Version 3.5.16 -ConfigFile $file -LogPath "$file.log"
        }
        function Get-MigConfigs($Set) {
            $MigCluster | New-EtcdConfig -CertificateSet $Set -CertificateDirectory $MigPki -DataDir /var/lib/etcd-rebase -ClientListenAddress @() -MetricsUrl @() -LogLevel warn
        }
        $script:MigLocal = [pscustomobject]@{ Version = '3.5.16'; CertificateDirectory = $MigPki; Endpoints = @($mig | ForEach-Object { "https://$($_.Address):2379" }) }
        function Wait-MigHealthy {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do { Start-Sleep -Milliseconds 300; $h = Invoke-Etcdctl -Cluster $MigLocal -Arguments @('endpoint', 'health') }
            while ($h.ExitCode -ne 0 -and [DateTime]::UtcNow -lt $deadline)
            $h
        }
        function Invoke-MigCurl([string] $Name) {
            & curl --http1.1 -sS -o /dev/null -w '%{http_code}' --max-time 5 --cacert "$MigPki/ca.pem" --cert "$MigPki/$Name.pem" --key "$MigPki/$Name-key.pem" https://127.0.77.11:2380/members 2>&1 | Out-String
        }
    }

    AfterAll {
        foreach ($proc in $MigProcs.Values) { if (-not $proc.HasExited) { Stop-Process -Id $proc.Id -Force -ErrorAction SilentlyContinue }; $proc.WaitForExit(5000) | Out-Null }
    }

    It 're-issues from the same CA and restarts member by member with quorum at every step, ending with the peer port closed to client.pem' {
        $set = Import-EtcdCertificateSet -Path $MigPki
        $before = Get-MigConfigs $set
        $before[0].Yaml | Should -Not -Match 'allowed-cn'
        foreach ($c in $before) { Start-MigMember $c }
        (Wait-MigHealthy).ExitCode | Should -Be 0
        # Any certificate of the CA passes: server.pem (IP SANs, clientAuth) reads the member list on 2380. (cfssl's
        # client.pem is turned away here only by etcd's remote-address SAN check, which a client without SANs passes.)
        Invoke-MigCurl server | Should -Match '^200' -Because 'with cfssl CNs the peer port admits every certificate of the CA'
        $finding = Test-EtcdCertificateSet -CertificateSet $set -Cluster $MigCluster | Where-Object Rule -eq PeerPortOpenToCa
        $finding | Should -Not -BeNullOrEmpty

        # The advised command, run as the finding says: the CA stays, the leaves change on disk under the running members.
        $ca = (Get-FileHash "$MigPki/ca.pem").Hash
        $cluster = $MigCluster
        $fixed = $cluster | New-EtcdCertificateSet -Path $MigPki -Force
        (Get-FileHash "$MigPki/ca.pem").Hash | Should -Be $ca
        $after = Get-MigConfigs $fixed
        $after[0].Yaml | Should -Match 'allowed-cn:\n    - etcd-peer-mig'
        (Wait-MigHealthy).ExitCode | Should -Be 0

        # Rolling restart, one member at a time, each with its new conf.yml.
        foreach ($c in $after) {
            $p = $MigProcs[$c.Member.Name]
            Stop-Process -Id $p.Id; $p.WaitForExit(10000) | Out-Null
            Start-MigMember $c
            $h = Wait-MigHealthy
            $h.ExitCode | Should -Be 0 -Because "the cluster must stay healthy after restarting $($c.Member.Name): $($h.Output)"
        }
        $members = (Invoke-Etcdctl -Cluster $MigLocal -Arguments @('member', 'list')).Output
        foreach ($m in 'q1', 'q2', 'q3') { $members | Should -Match ", started, $m, https://" }
        Invoke-MigCurl client | Should -Match 'bad certificate'
        Invoke-MigCurl server | Should -Match 'bad certificate'
        Invoke-MigCurl q2 | Should -Match '^200'
        Test-EtcdCertificateSet -CertificateSet $fixed -Cluster $MigCluster | Should -BeNullOrEmpty
    }
}
