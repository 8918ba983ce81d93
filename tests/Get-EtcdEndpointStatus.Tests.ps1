BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"

    # Member IDs: etcdctl -w json prints decimal uint64, EtcdOps hex as etcdctl's tables do.
    function ConvertTo-Decimal([string] $Hex) { [Convert]::ToUInt64($Hex, 16).ToString() }
    # etcdctl's JSON carries uint64 values beyond Int64; read them as text so no digit is lost.
    function Get-JsonNumber([string] $Json, [string] $Endpoint, [string] $Field) {
        $entry = ($Json -split '\{"Endpoint":' | Where-Object { $_ -like "`"$Endpoint`"*" })
        if ($entry -match "`"$Field`":(\d+)") { $Matches[1] } else { $null }
    }

    $pki = New-TestDirectory
    $members = 1..3 | ForEach-Object { @{ Name = "m$_"; Address = "127.0.5.$_" } }
    & bash "$PSScriptRoot/tools/new-cfssl-pki.sh" $pki m1=127.0.5.1 m2=127.0.5.2 m3=127.0.5.3 m4=127.0.5.4 m5=127.0.5.5 m6=127.0.5.6 | Out-Null
    $local = Start-LocalEtcdCluster -Version 3.5.16 -CertificateDirectory $pki -Member $members
    $cluster = New-EtcdCluster -Name api -Member $members
    $setType = $cluster.GetType().Assembly.GetType('EtcdOps.Pki.EtcdCertificateSet')
    $set = $setType::new($pki, [string[]]@('m1', 'm2', 'm3'), 'client')
    $tls = @{ CaCertPath = "$pki/ca.pem"; CertPath = "$pki/client.pem"; KeyPath = "$pki/client-key.pem" }
}

AfterAll {
    if ($local) { Stop-LocalEtcdCluster $local }
    Remove-Item $pki -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-EtcdEndpointStatus' {
    It 'reports what etcdctl -w json reports for the same endpoints' {
        $before = Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')
        $before.ExitCode | Should -Be 0
        $rows = Get-EtcdEndpointStatus -Endpoint $local.Endpoints @tls
        $after = Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')
        $json = $before.Output | ConvertFrom-Json
        $later = $after.Output | ConvertFrom-Json
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $expected = ($json | Where-Object Endpoint -eq $row.Endpoint).Status
            $next = ($later | Where-Object Endpoint -eq $row.Endpoint).Status
            $expected | Should -Not -BeNullOrEmpty
            $row.Error | Should -BeNullOrEmpty
            ConvertTo-Decimal $row.ID | Should -Be (Get-JsonNumber $before.Output $row.Endpoint 'member_id')
            ConvertTo-Decimal $row.Leader | Should -Be (Get-JsonNumber $before.Output $row.Endpoint 'leader')
            ConvertTo-Decimal $row.ClusterID | Should -Be (Get-JsonNumber $before.Output $row.Endpoint 'cluster_id')
            $row.IsLeader | Should -Be ((Get-JsonNumber $before.Output $row.Endpoint 'member_id') -eq (Get-JsonNumber $before.Output $row.Endpoint 'leader'))
            $row.Version | Should -Be $expected.version
            $row.RaftTerm | Should -Be $expected.raftTerm
            # etcd may apply internal entries or grow its file between the calls: ours must lie between etcdctl's two answers.
            $row.RaftIndex | Should -BeGreaterOrEqual $expected.raftIndex
            $row.RaftIndex | Should -BeLessOrEqual $next.raftIndex
            $row.RaftAppliedIndex | Should -BeGreaterOrEqual $expected.raftAppliedIndex
            $row.RaftAppliedIndex | Should -BeLessOrEqual $next.raftAppliedIndex
            $row.DbSize | Should -BeGreaterOrEqual $expected.dbSize
            $row.DbSize | Should -BeLessOrEqual $next.dbSize
            # etcd 3.5 reports no quota (3.6 does, as dbSizeQuota): 0 where etcdctl shows none.
            $row.DbSizeQuota | Should -Be ([long]$(if ($expected.dbSizeQuota) { $expected.dbSizeQuota } else { 0 }))
        }
        @($rows | Where-Object IsLeader).Count | Should -Be 1
    }

    It 'reports DbSizeInUse as etcdctl does, below DbSize once deleted keys are compacted away' {
        # Garbage to give back: keys of 16 KB, deleted, then compacted physically.
        $value = 'x' * 16384
        foreach ($i in 1..40) { (Invoke-Etcdctl -Cluster $local -Arguments @('put', "/inuse/$i", $value)).ExitCode | Should -Be 0 }
        (Invoke-Etcdctl -Cluster $local -Arguments @('del', '--prefix', '/inuse/')).ExitCode | Should -Be 0
        $rev = ((Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')).Output | ConvertFrom-Json)[0].Status.header.revision
        (Invoke-Etcdctl -Cluster $local -Arguments @('compact', "$rev", '--physical')).ExitCode | Should -Be 0
        (Invoke-Etcdctl -Cluster $local -Arguments @('put', '/inuse-after', 'commit')).ExitCode | Should -Be 0   # etcd updates the figure when it next commits

        $before = (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')).Output | ConvertFrom-Json
        $rows = Get-EtcdEndpointStatus -Endpoint $local.Endpoints @tls
        $after = (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')).Output | ConvertFrom-Json
        foreach ($row in $rows) {
            $a = ($before | Where-Object Endpoint -eq $row.Endpoint).Status.dbSizeInUse
            $b = ($after | Where-Object Endpoint -eq $row.Endpoint).Status.dbSizeInUse
            $a | Should -Not -BeNullOrEmpty
            $row.DbSizeInUse | Should -BeGreaterOrEqual ([math]::Min($a, $b))
            $row.DbSizeInUse | Should -BeLessOrEqual ([math]::Max($a, $b))
            $row.DbSizeInUse | Should -BeLessThan $row.DbSize -Because 'the deleted values are free space inside the file'
        }
        ($rows | Format-Table | Out-String) | Should -Match 'DB SIZE IN USE'
    }

    It 'shows the columns and humanized DB size of etcdctl --write-out=table' {
        function Get-CtlSize {
            $ctl = Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[0] -Arguments @('endpoint', 'status', '-w', 'table')
            (($ctl.Output -split "`n" | Where-Object { $_ -like "*$($local.Endpoints[0])*" }) -split '\|')[4].Trim()
        }
        $before = Get-CtlSize
        $table = Get-EtcdEndpointStatus -Endpoint $local.Endpoints[0] @tls | Format-Table | Out-String -Width 250
        $after = Get-CtlSize
        foreach ($column in 'ENDPOINT', 'ID', 'VERSION', 'DB SIZE', 'DB SIZE IN USE', 'IS LEADER', 'IS LEARNER', 'RAFT TERM', 'RAFT INDEX', 'RAFT APPLIED INDEX', 'ERRORS') {
            $table | Should -Match ([regex]::Escape($column))
        }
        $before | Should -Match '^\d+(\.\d)? [kMG]?B$'
        # The file may grow between the calls; ours must read as one of etcdctl's two answers.
        $table -match " $([regex]::Escape($before)) " -or $table -match " $([regex]::Escape($after)) " | Should -BeTrue
    }

    It 'takes endpoints from a piped cluster and TLS files from -CertificateSet' {
        $rows = $cluster | Get-EtcdEndpointStatus -CertificateSet $set
        $rows.Endpoint | Should -Be $local.Endpoints
        @($rows | Where-Object Error).Count | Should -Be 0
    }

    It 'asks each endpoint once when several node configs of one cluster are piped' {
        $configs = 1..3 | ForEach-Object { [pscustomobject]@{ Name = "m$_"; Cluster = $cluster; CertificateSet = $set } }
        $rows = $configs | Get-EtcdEndpointStatus
        $rows.Count | Should -Be 3
        ($rows.Endpoint | Sort-Object -Unique).Count | Should -Be 3
    }

    It 'asks every member with -AllMembers, like etcdctl --cluster' {
        $rows = Get-EtcdEndpointStatus -Endpoint $local.Endpoints[1] @tls -AllMembers
        ($rows.Endpoint | Sort-Object) | Should -Be ($local.Endpoints | Sort-Object)
    }

    It 'uses the ETCDCTL_* environment when nothing else is given' {
        $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$env:ETCDCTL_ENDPOINTS = '$($local.Endpoints -join ',')'
`$env:ETCDCTL_CACERT = '$pki/ca.pem'; `$env:ETCDCTL_CERT = '$pki/client.pem'; `$env:ETCDCTL_KEY = '$pki/client-key.pem'
(Get-EtcdEndpointStatus | Where-Object { -not `$_.Error }).Count
"@
        $r.Output.Trim() | Should -Be '3'
    }

    It 'refuses a server certificate from another CA with a clear TLS error' {
        $other = New-TestDirectory
        try {
            & bash "$PSScriptRoot/tools/new-cfssl-pki.sh" $other m1=127.0.5.1 | Out-Null
            $rows = Get-EtcdEndpointStatus -Endpoint $local.Endpoints[0] -CaCertPath "$other/ca.pem" -CertPath "$pki/client.pem" -KeyPath "$pki/client-key.pem" -ErrorVariable err -ErrorAction SilentlyContinue
            $rows.Error | Should -BeLike '*not issued by the CA*'
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'EtcdTlsServerCertificateRejected,*'
            $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
            # etcdctl agrees that this CA does not verify the server.
            (Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[0] -CaCert "$other/ca.pem" -Arguments @('endpoint', 'status')).ExitCode | Should -Not -Be 0
        }
        finally { Remove-Item $other -Recurse -Force }
    }

    It 'reports a client certificate of another CA as refused by etcd, not as an unreachable host' {
        $other = New-TestDirectory
        try {
            & bash "$PSScriptRoot/tools/new-cfssl-pki.sh" $other m1=127.0.5.1 | Out-Null
            $rows = Get-EtcdEndpointStatus -Endpoint $local.Endpoints[0] -CaCertPath "$pki/ca.pem" -CertPath "$other/client.pem" -KeyPath "$other/client-key.pem" -ErrorVariable err -ErrorAction SilentlyContinue
            $rows.Error | Should -Not -BeNullOrEmpty
            $err.Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'EtcdTlsClientCertificateRejected,*'
            $err[0].CategoryInfo.Category | Should -Be 'SecurityError'
            $err[0].Exception.Message | Should -BeLike "*etcd refused the client certificate*$other/client.pem*not signed by this cluster's CA*-CertificateSet*"
            $err[0].Exception.Message | Should -Not -BeLike '*reachable*'
            # etcdctl agrees: etcd refuses that certificate, and the cluster's own one is accepted.
            (Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[0] -Cert "$other/client.pem" -Key "$other/client-key.pem" -Arguments @('endpoint', 'health')).ExitCode | Should -Not -Be 0
            (Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[0] -Arguments @('endpoint', 'health')).ExitCode | Should -Be 0
        }
        finally { Remove-Item $other -Recurse -Force }
    }

    It 'says a client certificate is needed when none is given' {
        $rows = Get-EtcdEndpointStatus -Endpoint $local.Endpoints[0] -CaCertPath "$pki/ca.pem" -ErrorVariable err -ErrorAction SilentlyContinue
        $rows.Error | Should -Not -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EtcdTlsHandshakeFailed,*'
        $err[0].Exception.Message | Should -BeLike '*requires a client certificate*-CertPath*'
    }

    It 'refuses https without a CA instead of trusting the system store' {
        { Get-EtcdEndpointStatus -Endpoint $local.Endpoints[0] -ErrorAction Stop } | Should -Throw -ErrorId 'MissingCaCertificate,*'
    }

    It 'works when other Google.Protobuf and Grpc.Net.Client versions are already loaded in the session (load isolation)' -Skip:($PSEdition -ne 'Core') {
        $foreign = @(
            Join-Path (Get-NuGetPackagePath 'Google.Protobuf' '3.25.1') 'lib/net5.0/Google.Protobuf.dll'
            Join-Path (Get-NuGetPackagePath 'Grpc.Core.Api' '2.65.0') 'lib/netstandard2.1/Grpc.Core.Api.dll'
            Join-Path (Get-NuGetPackagePath 'Grpc.Net.Common' '2.65.0') 'lib/net8.0/Grpc.Net.Common.dll'
            Join-Path (Get-NuGetPackagePath 'Grpc.Net.Client' '2.65.0') 'lib/net8.0/Grpc.Net.Client.dll')
        foreach ($f in $foreign) { Test-Path $f | Should -BeTrue }
        $r = Invoke-InNewSession @"
`$ErrorActionPreference = 'Stop'
foreach (`$f in '$($foreign -join "','")') { Add-Type -Path `$f }
'protobuf=' + [Google.Protobuf.ByteString].Assembly.GetName().Version
'grpc=' + [Grpc.Net.Client.GrpcChannel].Assembly.GetName().Version
Import-Module '$ModulePath'
`$rows = Get-EtcdEndpointStatus -Endpoint '$($local.Endpoints -join "','")' -CaCertPath '$pki/ca.pem' -CertPath '$pki/client.pem' -KeyPath '$pki/client-key.pem'
'answered=' + @(`$rows | Where-Object { -not `$_.Error }).Count
"@
        $r.Output | Should -Match 'protobuf=3\.25\.1\.0'
        $r.Output | Should -Match 'grpc=2\.0\.0\.0'
        $r.Output | Should -Match 'answered=3'
        $r.ExitCode | Should -Be 0
    }

    It 'gives a stopped member a row with its error and reports the others normally' {
        Stop-LocalEtcdMember -Cluster $local -Name m3
        $rows = $cluster | Get-EtcdEndpointStatus -CertificateSet $set -Timeout 3 -ErrorVariable err -ErrorAction SilentlyContinue
        $rows.Count | Should -Be 3
        $down = $rows | Where-Object Endpoint -eq 'https://127.0.5.3:2379'
        $down.Error | Should -BeLike '*connection refused*'
        $down.ID | Should -BeNullOrEmpty
        @($rows | Where-Object { -not $_.Error }).Count | Should -Be 2
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EtcdEndpointUnreachable,*'
        $err[0].TargetObject | Should -Be 'https://127.0.5.3:2379'
        ($rows | Format-Table | Out-String -Width 300) | Should -Match 'https://127\.0\.5\.3:2379.*connection refused'
    }
}

# The gRPC API serves every etcd, with or without the JSON gateway: any member may turn it off (and Debian's 3.4.23
# serves none when started from a config file, as Install-EtcdNode's lab test shows).
Describe 'Cluster API against etcd <_>, one member without the JSON gateway' -ForEach '3.4.23', '3.5.30' {
    BeforeAll {
        $version = $_
        $others = 4..6 | ForEach-Object { @{ Name = "m$_"; Address = "127.0.5.$_" } }
        $others[2].Arguments = @('--enable-grpc-gateway=false')
        $otherLocal = Start-LocalEtcdCluster -Version $version -CertificateDirectory $pki -Member $others
        $otherCluster = New-EtcdCluster -Name "api$($version -replace '\.')" -Version $version -Member ($others | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } })
    }
    AfterAll { if ($otherLocal) { Stop-LocalEtcdCluster $otherLocal } }

    It 'has no gateway on the member that turned it off' {
        $code = & curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.pem" --cert "$pki/client.pem" --key "$pki/client-key.pem" `
            -X POST -d '{}' https://127.0.5.6:2379/v3/maintenance/status
        $code | Should -Be '404'
    }

    It 'status, health and members equal etcdctl <_> for the same endpoints' {
        $ctl = Invoke-Etcdctl -Cluster $otherLocal -Arguments @('endpoint', 'status', '-w', 'json')
        $rows = $otherCluster | Get-EtcdEndpointStatus -CertificateSet $set
        $after = Invoke-Etcdctl -Cluster $otherLocal -Arguments @('endpoint', 'status', '-w', 'json')
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $row.Error | Should -BeNullOrEmpty
            $row.Version | Should -Be $version
            ConvertTo-Decimal $row.ID | Should -Be (Get-JsonNumber $ctl.Output $row.Endpoint 'member_id')
            ConvertTo-Decimal $row.Leader | Should -Be (Get-JsonNumber $ctl.Output $row.Endpoint 'leader')
            ConvertTo-Decimal $row.ClusterID | Should -Be (Get-JsonNumber $ctl.Output $row.Endpoint 'cluster_id')
            $row.RaftIndex | Should -BeGreaterOrEqual ([uint64](Get-JsonNumber $ctl.Output $row.Endpoint 'raftIndex'))
            $row.RaftIndex | Should -BeLessOrEqual ([uint64](Get-JsonNumber $after.Output $row.Endpoint 'raftIndex'))
            $row.DbSizeInUse | Should -BeGreaterThan 0
        }
        @($otherCluster | Test-EtcdEndpointHealth -CertificateSet $set | Where-Object Health).Count | Should -Be 3
        $list = (Invoke-Etcdctl -Cluster $otherLocal -Arguments @('member', 'list', '-w', 'table')).Output
        $members = $otherCluster | Get-EtcdMember -CertificateSet $set
        $members.Count | Should -Be 3
        # etcdctl 3.5.30 draws its table with box characters.
        foreach ($m in $members) { $list | Should -Match "[|│] +$($m.ID) [|│] started [|│] +$($m.Name) [|│]" }
    }
}
