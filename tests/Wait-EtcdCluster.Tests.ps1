BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $fixture = Start-LocalTlsTestCluster -Block 5
    $pki, $members, $local, $tls = $fixture.Pki, $fixture.Members, $fixture.Local, $fixture.Tls
    $cluster = New-EtcdCluster -Name api -Member $members
}

AfterAll { Stop-LocalTlsTestCluster $fixture }

Describe 'Wait-EtcdCluster' {
    It 'returns nothing once every endpoint is healthy with one leader' {
        $cluster | Wait-EtcdCluster @tls -Timeout 20 | Should -BeNullOrEmpty
    }

    It 'with -PassThru returns the status rows, exactly one of them the leader etcdctl names' {
        $rows = $cluster | Wait-EtcdCluster @tls -Timeout 20 -PassThru
        $rows.Count | Should -Be 3
        $leader = @($rows | Where-Object IsLeader)
        $leader.Count | Should -Be 1
        $table = (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'table')).Output
        $table | Should -Match "$([regex]::Escape($leader[0].Endpoint)) \| +$($leader[0].ID) \|.*\| +true \|"
    }

    It 'follows the member list with -AllMembers' {
        $rows = Wait-EtcdCluster -Endpoint $local.Endpoints[0] @tls -AllMembers -Timeout 20 -PassThru
        ($rows.Endpoint | Sort-Object) | Should -Be ($local.Endpoints | Sort-Object)
    }

    It 'times out with a terminating error naming the stopped member and why' {
        # A follower, so the two left keep their leader and only the stopped member is named.
        $down = ($cluster | Get-EtcdEndpointStatus @tls | Where-Object { -not $_.IsLeader } | Select-Object -First 1).Endpoint
        Stop-LocalEtcdMember -Cluster $local -Name ($members | Where-Object { $down -eq "https://$($_.Address):2379" }).Name
        $err = $null
        try { $cluster | Wait-EtcdCluster @tls -Timeout 3 -ErrorAction Stop } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike 'EtcdClusterNotReady,*'
        $err.CategoryInfo.Category | Should -Be 'OperationTimeout'
        $err.Exception.Message | Should -BeLike "*${down}: connection refused*"
        foreach ($up in $local.Endpoints | Where-Object { $_ -ne $down }) { $err.Exception.Message | Should -Not -BeLike "*$up*" }
        $err.TargetObject.Problems.Count | Should -Be 1
    }

    It 'refuses a call without any endpoint' {
        $r = Invoke-InNewSession "Import-Module '$ModulePath'; Remove-Item Env:ETCDCTL_* -ErrorAction SilentlyContinue; try { Wait-EtcdCluster -ErrorAction Stop } catch { `$_.FullyQualifiedErrorId }"
        $r.Output | Should -BeLike 'NoEtcdEndpoint,*'
    }
}
