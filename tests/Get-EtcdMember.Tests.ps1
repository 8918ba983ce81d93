BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $fixture = Start-LocalTlsTestCluster -Block 5
    $pki, $members, $local, $tls = $fixture.Pki, $fixture.Members, $fixture.Local, $fixture.Tls
    $cluster = New-EtcdCluster -Name api -Member $members
}

AfterAll { Stop-LocalTlsTestCluster $fixture }

Describe 'Get-EtcdMember' {
    It 'lists the members etcdctl member list -w json lists' {
        $json = (Invoke-Etcdctl -Cluster $local -Arguments @('member', 'list', '-w', 'json')).Output
        $expected = ($json | ConvertFrom-Json).members
        $ids = [regex]::Matches($json, '"ID":(\d+)') | ForEach-Object { $_.Groups[1].Value }
        $list = $cluster | Get-EtcdMember @tls
        $list.Count | Should -Be 3
        ($list | ForEach-Object { [Convert]::ToUInt64($_.ID, 16).ToString() } | Sort-Object) | Should -Be ($ids | Sort-Object)
        foreach ($m in $list) {
            $e = $expected | Where-Object name -eq $m.Name
            $m.PeerURLs | Should -Be $e.peerURLs
            $m.ClientURLs | Should -Be $e.clientURLs
            $m.Status | Should -Be 'started'
            $m.IsLearner | Should -BeFalse
        }
    }

    It 'shows etcdctl''s member table with hex IDs' {
        $ctl = (Invoke-Etcdctl -Cluster $local -Arguments @('member', 'list', '-w', 'table')).Output
        $table = $cluster | Get-EtcdMember @tls | Format-Table | Out-String -Width 200
        $table | Should -Match 'ID +STATUS +NAME +PEER ADDRS +CLIENT ADDRS +IS LEARNER'
        foreach ($m in $cluster | Get-EtcdMember @tls) {
            $ctl | Should -Match "\| +$($m.ID) \| started \| +$($m.Name) \| $([regex]::Escape($m.PeerURLs[0])) \| $([regex]::Escape($m.ClientURLs[0])) \| +false \|"
            $table | Should -Match "$($m.ID) +started +$($m.Name)"
        }
    }

    It 'uses another endpoint when the first cannot be reached' {
        $list = Get-EtcdMember -Endpoint 'https://127.0.5.9:2379', $local.Endpoints[1] @tls -ErrorVariable err
        $list.Count | Should -Be 3
        $err.Count | Should -Be 0
    }

    It 'writes one error per endpoint and no members when none answers' {
        Stop-LocalEtcdMember -Cluster $local -Name m3
        $list = Get-EtcdMember -Endpoint 'https://127.0.5.3:2379', 'https://127.0.5.9:2379' @tls -ErrorVariable err -ErrorAction SilentlyContinue
        $list | Should -BeNullOrEmpty
        $err.Count | Should -Be 2
        $err.TargetObject | Should -Be @('https://127.0.5.3:2379', 'https://127.0.5.9:2379')
        $err[0].CategoryInfo.Category | Should -Be 'ConnectionError'
    }
}
