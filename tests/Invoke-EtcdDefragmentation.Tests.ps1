BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    . "$PSScriptRoot/tools/MaintenanceCluster.ps1"

    $fx = Start-MaintenanceTestCluster -First 31
    $tls = $fx.Tls

    # About 10 MB of values, deleted and compacted away: the files keep their size, with the space free inside.
    (Write-EtcdTestKey -Fixture $fx -Count 100 -Size 100000).Written | Should -Be 100
    (Invoke-Etcdctl -Cluster $fx.Local -Arguments @('del', 'key', '--prefix')).ExitCode | Should -Be 0
    $revision = (Get-CtlStatus $fx)[0].Revision
    (Invoke-Etcdctl -Cluster $fx.Local -Arguments @('compaction', '--physical', "$revision")).ExitCode | Should -Be 0
    # etcd updates DbSizeInUse when it next commits a write, as a cluster in use soon does; then every file reports the space free.
    (Invoke-Etcdctl -Cluster $fx.Local -Arguments @('put', 'settle', 'x')).ExitCode | Should -Be 0
    $deadline = [DateTime]::UtcNow.AddSeconds(20)
    while (@(Get-CtlStatus $fx | Where-Object { $_.DbSize - $_.DbSizeInUse -lt 5MB }).Count -gt 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 200 }

    function Get-CtlSize { $sizes = @{}; foreach ($s in Get-CtlStatus $fx) { $sizes[$s.ID] = $s.DbSize }; $sizes }
}

AfterAll { Stop-MaintenanceTestCluster $fx }

Describe 'Invoke-EtcdDefragmentation' {
    It 'has files with much free space inside (etcdctl endpoint status)' {
        foreach ($s in Get-CtlStatus $fx) { $s.DbSize - $s.DbSizeInUse | Should -BeGreaterThan 5MB }
    }

    It 'has Get-EtcdEndpointStatus show the space in use beside the file size' {
        $ctl = Get-CtlStatus $fx -Endpoints $fx.Local.Endpoints[0]
        $row = Get-EtcdEndpointStatus -Endpoint $fx.Local.Endpoints[0] -CaCertPath $tls.CaCertPath -CertPath $tls.CertPath -KeyPath $tls.KeyPath
        $row.DbSizeInUse | Should -Be $ctl.DbSizeInUse
        $table = $row | Format-Table | Out-String -Width 250
        $table | Should -Match 'DB SIZE\s+DB SIZE IN USE\s+IS LEADER'
        # etcdctl's humanized sizes (go-humanize): about 10 MB in the file, some kB of it in use.
        $table | Should -Match '127\.0\.9\.31:2379\s+[0-9a-f]+\s+3\.5\.16\s+1\d MB\s+\d+ kB\s'
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-CtlSize
        Invoke-EtcdDefragmentation @tls -MinimumFreeBytes 1MB -WhatIf | Should -BeNullOrEmpty
        $after = Get-CtlSize
        foreach ($id in $before.Keys) { $after[$id] | Should -Be $before[$id] }
    }

    It 'defragments the followers first and the leader last, and every file shrinks as etcdctl sees it' {
        $before = Get-CtlStatus $fx
        $leader = ($before | Select-Object -First 1).Leader
        $verbose = $null
        $rows = Invoke-EtcdDefragmentation @tls -MinimumFreeBytes 1MB -Confirm:$false -Verbose 4>&1 |
            Tee-Object -Variable verbose | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $rows.Count | Should -Be 3
        $rows[2].MemberID | Should -Be $leader
        $rows[2].IsLeader | Should -BeTrue
        @($rows[0..1] | Where-Object IsLeader).Count | Should -Be 0
        ($verbose | Where-Object { $_ -is [Management.Automation.VerboseRecord] -and $_.Message -like 'Order:*' }).Message |
            Should -Be "Order: $($rows[0].Member), $($rows[1].Member), $($rows[2].Member) (leader)."
        $after = Get-CtlStatus $fx
        foreach ($row in $rows) {
            $row.Defragmented | Should -BeTrue
            $row.Reason | Should -BeNullOrEmpty
            $was = $before | Where-Object ID -eq $row.MemberID
            $now = $after | Where-Object ID -eq $row.MemberID
            $row.DbSizeBefore | Should -Be $was.DbSize
            $row.DbSizeAfter | Should -Be $now.DbSize
            $now.DbSize | Should -BeLessThan ($was.DbSize - 5MB)
        }
        # etcdctl still sees one agreed leader and a healthy cluster.
        (Invoke-Etcdctl -Cluster $fx.Local -Arguments @('endpoint', 'health')).ExitCode | Should -Be 0
    }

    It 'skips a member with little free space unless -Force, and says why' {
        $before = Get-CtlSize
        $rows = Invoke-EtcdDefragmentation @tls -Confirm:$false
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $row.Defragmented | Should -BeFalse
            $row.Reason | Should -BeLike '*free in its * file, below the threshold of 17 MB*-Force*'
            $row.DbSizeAfter | Should -Be $row.DbSizeBefore
        }
        $after = Get-CtlSize
        foreach ($id in $before.Keys) { $after[$id] | Should -Be $before[$id] }
        $forced = Invoke-EtcdDefragmentation @tls -Member m2 -Force -Confirm:$false
        $forced.Member | Should -Be 'm2'
        $forced.Defragmented | Should -BeTrue
    }

    It 'shows one row per member with sizes humanized as etcdctl does' {
        $table = Invoke-EtcdDefragmentation @tls -Force -Confirm:$false | Format-Table | Out-String -Width 250
        $table | Should -Match 'MEMBER\s+ID\s+IS LEADER\s+DEFRAGMENTED\s+DB SIZE BEFORE\s+DB SIZE AFTER\s+TOOK'
        $table | Should -Match 'm1\s+[0-9a-f]+\s+(true|false)\s+true\s+\d+(\.\d)? kB\s+\d+(\.\d)? kB'
    }

    It 'refuses a member name that is not in the member list' {
        { Invoke-EtcdDefragmentation @tls -Member m9 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnknownMember,*' -ExpectedMessage "*'m9' is not a member*m1, m2, m3*"
    }

    It 'refuses to start while a voting member is down, and touches no member' {
        Stop-LocalEtcdMember -Cluster $fx.Local -Name m3
        $up = $fx.Local.Endpoints[0..1]
        $before = Get-CtlStatus $fx -Endpoints $up
        { Invoke-EtcdDefragmentation @tls -Force -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ClusterUnhealthy,*' -ExpectedMessage '*not healthy to defragment a member*https://127.0.9.33:2379*No further member was touched*'
        $after = Get-CtlStatus $fx -Endpoints $up
        foreach ($s in $after) { $s.DbSize | Should -Be ($before | Where-Object ID -eq $s.ID).DbSize }
    }
}
