# The fault suite: a running cluster on real systemd hosts of the lab under a steady write load
# (tests/tools/WriteLoad.ps1) while things go wrong: etcd killed, the leader cut off from its peers, the
# deploy itself killed at each phase, the backend quota filled; and the ports refusing what they must.
# "Lost" is an acknowledged write missing afterwards; every case expects 0.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
    . "$PSScriptRoot/tools/WriteLoad.ps1"
}

Describe 'Faults on a running cluster' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        $pki = $ctx.Pki
        Initialize-LabCluster -Context $ctx

        # Member name -> lab host, and the current leader's name as etcdctl reports it.
        $byName = @{}; foreach ($h in $ctx.Lab.Hosts) { $byName[$h.Name] = $h }
        function Get-Leader {
            $r = Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'status', '-w', 'json'
            $rows = @($r.Output | ConvertFrom-Json)
            $leaderId = @($rows | ForEach-Object { $_.Status.leader } | Where-Object { $_ } | Select-Object -Unique)
            if ($leaderId.Count -ne 1) { return $null }
            $row = @($rows | Where-Object { $_.Status.header.member_id -eq $leaderId[0] })[0]
            if (-not $row) { return $null }
            @($ctx.Lab.Hosts | Where-Object { $row.Endpoint -eq "https://$($_.Address):2379" })[0].Name
        }
        function Test-MemberHealthy([string] $Name) {
            (Invoke-LabEtcdctl -Context $ctx -Endpoints "https://$($byName[$Name].Address):2379" -Arguments 'endpoint', 'health').ExitCode -eq 0
        }
        # kill -9 of the etcd process, then: the time from systemd starting it again until it answers healthy.
        function Invoke-EtcdKill([string] $Name) {
            $before = (Get-LabInvocationId -Context $ctx -HostName $Name)[$Name]
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $Name -Command 'systemctl kill --signal=SIGKILL --kill-whom=main etcd').ExitCode | Should -Be 0
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do { Start-Sleep -Milliseconds 250; $now = (Get-LabInvocationId -Context $ctx -HostName $Name)[$Name] }
            while (($now -eq $before -or -not $now) -and [DateTime]::UtcNow -lt $deadline)
            $now | Should -Not -Be $before -Because 'systemd restarts etcd after it was killed (Restart=on-failure)'
            $clock = [Diagnostics.Stopwatch]::StartNew()
            while (-not (Test-MemberHealthy $Name) -and $clock.Elapsed.TotalSeconds -lt 30) { Start-Sleep -Milliseconds 200 }
            $clock.Elapsed.TotalSeconds
        }
    }

    Context 'etcd killed with SIGKILL' {
        It 'a follower, then the leader: each is healthy within 10 s of systemd restarting it, and no acknowledged write is lost' {
            $load = Start-EtcdWriteLoad -Endpoint $ctx.Cluster.ClientUrls -CertificateSet $pki
            try {
                Start-Sleep -Seconds 2
                $leader = Get-Leader
                $leader | Should -Not -BeNullOrEmpty
                $follower = @($ctx.Lab.Hosts.Name | Where-Object { $_ -ne $leader })[0]
                $followerBack = Invoke-EtcdKill $follower
                Write-Host "follower $follower healthy $([Math]::Round($followerBack, 1)) s after its restart"
                $followerBack | Should -BeLessThan 10
                $leaderBack = Invoke-EtcdKill $leader
                Write-Host "leader $leader healthy $([Math]::Round($leaderBack, 1)) s after its restart"
                $leaderBack | Should -BeLessThan 10
                Start-Sleep -Seconds 1
            }
            finally { $report = Stop-EtcdWriteLoad $load }
            Write-Host "write load: $($report.Acked) acked, $($report.Lost) lost, $($report.Errors) errors"
            $report.Acked | Should -BeGreaterThan 100
            $report.Lost | Should -Be 0 -Because ($report.LostKeys -join ', ')
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
        }
    }

    Context 'the leader cut off from its peers' {
        It 'acknowledges no write while isolated; after healing the members agree (Test-EtcdConsistency) and nothing is lost' {
            $leader = Get-Leader
            $leader | Should -Not -BeNullOrEmpty
            $ns = $byName[$leader].NetNs
            $address = $byName[$leader].Address
            $key = 'etcdops-fault/isolated-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
            $load = Start-EtcdWriteLoad -Endpoint $ctx.Cluster.ClientUrls -CertificateSet $pki
            try {
                Start-Sleep -Seconds 2
                & ip netns exec $ns ip link set eth0 down
                $LASTEXITCODE | Should -Be 0
                $cut = [Diagnostics.Stopwatch]::StartNew()
                try {
                    # From inside its namespace the isolated member is still reachable on its own address (the local route stays).
                    $tls = "--cacert=$($pki.CaCertificatePath)", "--cert=$($pki.ClientCertificatePath)", "--key=$($pki.ClientKeyPath)"
                    Start-Sleep -Seconds 2
                    $put = & ip netns exec $ns $ctx.Etcdctl "--endpoints=https://${address}:2379" @tls '--command-timeout=4s' put $key isolated 2>&1
                    $putExit = $LASTEXITCODE
                    while ($cut.Elapsed.TotalSeconds -lt 10) { Start-Sleep -Milliseconds 200 }
                }
                finally { & ip netns exec $ns ip link set eth0 up }
                $putExit | Should -Not -Be 0 -Because "the isolated side has no quorum and must not acknowledge a write: $put"
                Wait-EtcdCluster -Cluster $ctx.Cluster -CertificateSet $pki -Timeout 60
                Start-Sleep -Seconds 1
            }
            finally { $report = Stop-EtcdWriteLoad $load }
            Write-Host "write load: $($report.Acked) acked, $($report.Lost) lost, $($report.Errors) errors; new leader $(Get-Leader)"
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'get', $key, '--print-value-only').Output.Trim() | Should -BeNullOrEmpty
            Test-EtcdConsistency -Cluster $ctx.Cluster -CertificateSet $pki -Quiet | Should -BeTrue
            $report.Acked | Should -BeGreaterThan 100
            $report.Lost | Should -Be 0 -Because ($report.LostKeys -join ', ')
        }
    }

    Context 'the ports refuse what they must' {
        BeforeAll {
            $target = $ctx.Lab.Hosts[0]
            $foreign = New-EtcdCluster -Name foreign -Member @(@{ Name = $target.Name; Address = $target.Address }) -WarningAction SilentlyContinue |
                New-EtcdCertificateSet -Path (New-TestDirectory)
            # A TLS handshake with openssl, the same tool for both ports (the peer port answers no plain request a client
            # could send). stdin stays open a second: in TLS 1.3 the server's refusal of a client certificate comes after
            # the handshake, as an alert.
            function Invoke-TlsProbe([int] $Port, [string] $Cert, [string] $Key, [string[]] $Extra = @()) {
                $a = @('s_client', '-connect', "$($target.Address):$Port", '-CAfile', $pki.CaCertificatePath) + $Extra
                if ($Cert) { $a += '-cert', $Cert, '-key', $Key }
                $quoted = ($a | ForEach-Object { "'" + ($_ -replace "'", "'\''") + "'" }) -join ' '
                $out = & bash -c "sleep 1 | timeout 10 openssl $quoted 2>&1"
                [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
            }
            function Invoke-Curl([string[]] $Arguments) {
                $out = & curl -sS --max-time 5 @Arguments 2>&1
                [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
            }
            # Each port with a certificate it must accept: the client's on 2379, the member's peer certificate on 2380.
            $accepted = @{
                2379 = @{ Cert = $pki.ClientCertificatePath; Key = $pki.ClientKeyPath }
                2380 = @{ Cert = (Join-Path $pki.Path "$($target.Name).pem"); Key = (Join-Path $pki.Path "$($target.Name)-key.pem") }
            }
        }

        It 'port <Port> completes a handshake with a certificate of the cluster''s CA (the control)' -ForEach @(@{ Port = 2379 }, @{ Port = 2380 }) {
            $r = Invoke-TlsProbe -Port $Port -Cert $accepted[$Port].Cert -Key $accepted[$Port].Key
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $r.Output | Should -Match 'Verify return code: 0 \(ok\)'
            $r.Output | Should -Not -Match 'alert'
        }

        It 'port 2379 serves the health check to the client certificate (the control for the HTTP refusals)' {
            $r = Invoke-Curl @('--cacert', $pki.CaCertificatePath, '--cert', $pki.ClientCertificatePath, '--key', $pki.ClientKeyPath, "https://$($target.Address):2379/health")
            $r.Output | Should -Match '"health":"true"'
        }

        It 'port <Port> refuses a client without a certificate' -ForEach @(@{ Port = 2379 }, @{ Port = 2380 }) {
            $r = Invoke-TlsProbe -Port $Port
            $r.ExitCode | Should -Not -Be 0
            $r.Output | Should -Match 'alert certificate required'
        }

        It 'port <Port> refuses a certificate from a foreign CA' -ForEach @(@{ Port = 2379 }, @{ Port = 2380 }) {
            $r = Invoke-TlsProbe -Port $Port -Cert $foreign.ClientCertificatePath -Key $foreign.ClientKeyPath
            $r.ExitCode | Should -Not -Be 0
            $r.Output | Should -Match 'alert (bad certificate|unknown ca)'
        }

        It 'port <Port> refuses TLS 1.1' -ForEach @(@{ Port = 2379 }, @{ Port = 2380 }) {
            # SECLEVEL=0 lets this openssl offer TLS 1.1 at all: the refusal must come from the server.
            $r = Invoke-TlsProbe -Port $Port -Cert $accepted[$Port].Cert -Key $accepted[$Port].Key -Extra @('-tls1_1', '-cipher', 'DEFAULT:@SECLEVEL=0')
            $r.ExitCode | Should -Not -Be 0
            $r.Output | Should -Match 'alert protocol version'
        }

        It 'port <Port> refuses plain HTTP' -ForEach @(@{ Port = 2379 }, @{ Port = 2380 }) {
            $r = Invoke-Curl @("http://$($target.Address):$Port/health")
            # etcd closes the connection without a reply (curl: 52 empty reply, 56 reset).
            $r.ExitCode | Should -BeIn @(52, 56) -Because $r.Output
            $r.Output | Should -Not -Match '"health"'
        }

        It 'serves metrics on the host''s loopback only, not on its address' {
            $inside = & ip netns exec $target.NetNs curl -sS --max-time 5 'http://127.0.0.1:2381/metrics' 2>&1 | Out-String
            $inside | Should -Match 'etcd_server_has_leader'
            $r = Invoke-Curl @("http://$($target.Address):2381/metrics")
            $r.ExitCode | Should -Be 7 -Because "nothing may listen on the host address's metrics port: $($r.Output)"
        }
    }
}

Describe 'Faults around a deploy' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        $spares = @($ctx.SpareHosts | Select-Object -First 3)
        if ($spares.Count -lt 3) { throw "These tests need three spare lab hosts (Lab.ps1 -HostCount 6); the lab has $($ctx.FullLab.Hosts.Count) hosts." }
        $cluster = New-EtcdCluster -Name faults -Version 3.5.16 -Token 'etcdops-fault-tests' -Member @(
            $spares | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
        $pki = $cluster | New-EtcdCertificateSet -Path (New-TestDirectory) -CaCertificatePath $ctx.Pki.CaCertificatePath -CaKeyPath $ctx.Pki.CaKeyPath
        $inventory = Join-Path (New-TestDirectory) 'faults.yml'
        $cluster | Export-EtcdCluster -Path $inventory
        $faults = [pscustomobject]@{ Lab = $ctx.FullLab; Cluster = $cluster; Pki = $pki; Etcdctl = $ctx.Etcdctl }
        $endpoints = $cluster.ClientUrls
        function Invoke-FaultEtcdctl([string[]] $Arguments) { Invoke-LabEtcdctl -Context $faults -Endpoints $endpoints -Arguments $Arguments }
        function Get-ClusterId {
            $r = Invoke-FaultEtcdctl 'member', 'list', '-w', 'json'
            if ($r.ExitCode -ne 0) { return $null }
            [regex]::Match($r.Output, '"cluster_id":(\d+)').Groups[1].Value
        }
        function Get-HostFact([string] $Command) {
            $facts = @{}
            foreach ($h in $spares) { $facts[$h.Name] = (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command $Command).Output.Trim() }
            $facts
        }
        function Remove-FaultCluster { $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue | Out-Null }
        # Starts the deploy in a child pwsh, waits until -Until says the phase is reached, then kill -9 of that process.
        # With -Frozen the process is stopped (SIGSTOP) there first, and killed once -Frozen says so: the window
        # between the cluster forming and the flip is milliseconds, too short to hit by watching from outside.
        function Invoke-KilledDeploy([scriptblock] $Until, [scriptblock] $Frozen) {
            $pwsh = (Get-Process -Id $PID).Path
            [string[]] $pre = if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
            $marker = Join-Path (New-TestDirectory) 'started'
            $script = "Import-Module '$ModulePath'; `$c = Import-EtcdCluster '$inventory'; `$p = Import-EtcdCertificateSet '$($pki.Path)'; " +
                "Set-Content '$marker' x; `$c | Install-EtcdNode -CertificateSet `$p -ReleaseBaseUrl '$($ctx.ReleaseBaseUrl)' -SshKeyPath '$($ctx.Lab.KeyPath)' -KnownHostsPath '$($ctx.Lab.KnownHostsPath)'"
            $child = Start-Process -FilePath $pwsh -ArgumentList ($pre + @('-NoProfile', '-NonInteractive', '-Command', $script)) -PassThru -RedirectStandardOutput (Join-Path (Split-Path $marker) 'out.log') -RedirectStandardError (Join-Path (Split-Path $marker) 'err.log')
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            while (-not (Test-Path $marker) -and -not $child.HasExited -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 50 }
            while (-not $child.HasExited -and -not (& $Until) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $exitedEarly = $child.HasExited
            if (-not $exitedEarly -and $Frozen) {
                & kill -STOP $child.Id
                while (-not (& $Frozen) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            }
            if (-not $exitedEarly) { & kill -9 $child.Id; $child.WaitForExit() }
            $exitedEarly | Should -BeFalse -Because 'the deploy must still be running when it is killed, or the phase was not hit'
        }
        function Test-Tcp([string] $Address, [int] $Port) {
            $tcp = [Net.Sockets.TcpClient]::new()
            try { $tcp.ConnectAsync($Address, $Port).Wait(300) -and $tcp.Connected } catch { $false } finally { $tcp.Dispose() }
        }
        Remove-FaultCluster
    }
    AfterAll { Remove-FaultCluster }

    It 'a deploy killed at <Phase> converges on re-run: healthy, same cluster ID where one had formed, no temp file left on any host' -ForEach @(
        @{ Phase = 'connecting'; Until = { Start-Sleep -Milliseconds 600; $true } }
        @{ Phase = 'files written'; Until = { (Invoke-LabSsh -Lab $ctx.FullLab -HostName $spares[0].Name -Command 'test -f /etc/etcd/conf.yml').ExitCode -eq 0 } }
        @{ Phase = 'started'; Until = { Test-Tcp $spares[0].Address 2379 } }
        @{ Phase = 'before the flip'; Until = { @($spares | Where-Object { Test-Tcp $_.Address 2379 }).Count -eq 3 }; Frozen = { $null -ne (Get-ClusterId) } }
    ) {
        Remove-FaultCluster
        Invoke-KilledDeploy -Until $Until -Frozen $Frozen
        $idAtKill = Get-ClusterId
        $states = Get-HostFact 'grep -h "^initial-cluster-state" /etc/etcd/conf.yml 2>/dev/null || echo none'
        Write-Host "killed at $Phase; cluster ID then: $(if ($idAtKill) { $idAtKill } else { 'none' }); conf.yml: $(($states.GetEnumerator() | Sort-Object Name | ForEach-Object { "$($_.Name)=$($_.Value)" }) -join ' ')"
        if ($Phase -eq 'before the flip') {
            $idAtKill | Should -Not -BeNullOrEmpty -Because 'the cluster had formed'
            @($states.Values | Where-Object { $_ -match 'new$' }).Count | Should -BeGreaterThan 0 -Because 'the flip had not happened everywhere'
        }

        $cluster | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -WarningAction SilentlyContinue | Out-Null
        (Invoke-FaultEtcdctl 'endpoint', 'health').ExitCode | Should -Be 0
        @((Invoke-FaultEtcdctl 'member', 'list').Output -split "`n" | Where-Object { $_ -match ', started, ' }).Count | Should -Be 3
        if ($idAtKill) { Get-ClusterId | Should -Be $idAtKill }
        foreach ($s in (Get-HostFact 'grep -h "^initial-cluster-state" /etc/etcd/conf.yml').Values) { $s | Should -Match 'existing' }
        foreach ($left in (Get-HostFact 'find /etc /usr/local/bin /var/lib /tmp -xdev -name ".etcdops*" 2>/dev/null').GetEnumerator()) {
            $left.Value | Should -BeNullOrEmpty -Because "$($left.Name) keeps no temp file"
        }
    }

    It 'NOSPACE: a full backend refuses writes with an alarm; delete, compact, defragment (DbSize drops), clear: writes work again' {
        # Re-rendered with a 2 MiB quota: a rolling restart of the running cluster.
        $cluster | New-EtcdConfig -CertificateSet $pki -QuotaBackendBytes 2MB | Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -WarningAction SilentlyContinue | Out-Null
        $load = Start-EtcdWriteLoad -Endpoint $endpoints -CertificateSet $pki -Rate 20
        try {
            $value = 'x' * 100000
            for ($i = 0; $i -lt 60; $i++) {
                $put = Invoke-FaultEtcdctl 'put', "etcdops-fault/garbage/$i", $value
                if ($put.ExitCode -ne 0) { break }
            }
            $put.Output | Should -Match 'database space exceeded'
            $alarms = @(Get-EtcdAlarm -Cluster $cluster -CertificateSet $pki)
            $alarms.Alarm | Should -Contain 'NOSPACE'
            (Invoke-FaultEtcdctl 'del', '--prefix', 'etcdops-fault/garbage/').ExitCode | Should -Be 0
            Invoke-EtcdCompaction -Cluster $cluster -CertificateSet $pki -Confirm:$false | Should -Not -BeNullOrEmpty
            $defrag = @(Invoke-EtcdDefragmentation -Cluster $cluster -CertificateSet $pki -Confirm:$false)
            @($defrag | Where-Object Defragmented).Count | Should -Be 3
            $defrag | ForEach-Object { $_.DbSizeAfter | Should -BeLessThan $_.DbSizeBefore }
            Clear-EtcdAlarm -Cluster $cluster -CertificateSet $pki -Confirm:$false
            @(Get-EtcdAlarm -Cluster $cluster -CertificateSet $pki).Count | Should -Be 0
            (Invoke-FaultEtcdctl 'put', 'etcdops-fault/after', 'works').ExitCode | Should -Be 0
            Start-Sleep -Seconds 1
        }
        finally { $report = Stop-EtcdWriteLoad $load }
        Write-Host "write load: $($report.Acked) acked, $($report.Lost) lost, $($report.Errors) errors (refused while NOSPACE)"
        $report.Lost | Should -Be 0 -Because ($report.LostKeys -join ', ')
    }
}
