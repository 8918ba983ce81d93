BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $fixture = Start-LocalTlsTestCluster -Block 5
    $pki, $members, $local, $tls = $fixture.Pki, $fixture.Members, $fixture.Local, $fixture.Tls
    $cluster = New-EtcdCluster -Name api -Member $members
}

AfterAll { Stop-LocalTlsTestCluster $fixture }

Describe 'Test-EtcdEndpointHealth' {
    It 'agrees with etcdctl endpoint health -w json on a healthy cluster' {
        $ctl = (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'health', '-w', 'json')).Output | ConvertFrom-Json
        $rows = Test-EtcdEndpointHealth -Endpoint $local.Endpoints @tls
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $row.Health | Should -Be ($ctl | Where-Object endpoint -eq $row.Endpoint).health
            $row.Health | Should -BeTrue
            $row.Error | Should -BeNullOrEmpty
            $row.Took | Should -BeOfType [timespan]
        }
    }

    It 'shows etcdctl''s health table columns' {
        $table = $cluster | Test-EtcdEndpointHealth @tls | Format-Table | Out-String -Width 200
        $table | Should -Match 'ENDPOINT +HEALTH +TOOK +ERROR'
        $table | Should -Match 'https://127\.0\.5\.1:2379 +true +[\d.]+(ms|µs|s)'
    }

    It 'answers a single $true with -Quiet' {
        $cluster | Test-EtcdEndpointHealth @tls -Quiet | Should -BeExactly $true
    }

    It 'reports a stopped member unhealthy and the others healthy, like etcdctl' {
        # Stop a follower: stopping the leader would start an election that races the check.
        $status = $cluster | Get-EtcdEndpointStatus @tls
        $script:down = ($status | Where-Object { -not $_.IsLeader } | Select-Object -First 1).Endpoint
        $script:leader = ($status | Where-Object IsLeader).Endpoint
        Stop-LocalEtcdMember -Cluster $local -Name ($members | Where-Object { $down -eq "https://$($_.Address):2379" }).Name
        $rows = $cluster | Test-EtcdEndpointHealth @tls -Timeout 3 -ErrorVariable err -ErrorAction SilentlyContinue
        ($rows | Where-Object Endpoint -eq $down).Health | Should -BeFalse
        ($rows | Where-Object Endpoint -eq $down).Error | Should -BeLike '*connection refused*'
        @($rows | Where-Object Health).Endpoint | Should -Be @($local.Endpoints | Where-Object { $_ -ne $down })
        $err.Count | Should -Be 1
        $err[0].TargetObject | Should -Be $down
        $ctl = Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'health')
        $ctl.Output | Should -Match "$([regex]::Escape($down)) is unhealthy"
        $cluster | Test-EtcdEndpointHealth @tls -Timeout 3 -Quiet | Should -BeExactly $false
    }

    It 'needs a read through raft: a running member without quorum is unhealthy although it answers status' {
        $alone = $leader
        Stop-LocalEtcdMember -Cluster $local -Name ($members | Where-Object { "https://$($_.Address):2379" -notin $down, $alone }).Name
        # The member is up and answers a status request...
        (Get-EtcdEndpointStatus -Endpoint $alone @tls).Error | Should -BeNullOrEmpty
        # ...but cannot serve a linearizable read, so it is not healthy; etcdctl says the same.
        $row = Test-EtcdEndpointHealth -Endpoint $alone @tls -Timeout 2 -ErrorVariable err -ErrorAction SilentlyContinue
        $row.Health | Should -BeFalse
        $row.Error | Should -Not -BeNullOrEmpty
        $err.Count | Should -Be 1
        (Invoke-Etcdctl -Cluster $local -Endpoints $alone -Arguments @('endpoint', 'health')).ExitCode | Should -Not -Be 0
    }
}
