BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    . "$PSScriptRoot/tools/MaintenanceCluster.ps1"

    # A 1 MiB backend quota: a few puts of 100 kB raise NOSPACE for real.
    $fx = Start-MaintenanceTestCluster -First 11 -Arguments @('--quota-backend-bytes=1048576')
    $tls = $fx.Tls
    $write = Write-EtcdTestKey -Fixture $fx -Count 40 -Size 100000
}

AfterAll { Stop-MaintenanceTestCluster $fx }

Describe 'Clear-EtcdAlarm' {
    It 'has a NOSPACE alarm to clear: etcd refused a put over the quota' {
        $write.Output | Should -Match 'database space exceeded'
        Get-CtlAlarm $fx | Should -Match 'NOSPACE$'
    }

    It 'changes nothing with -WhatIf' {
        $before = Get-CtlAlarm $fx
        Clear-EtcdAlarm @tls -WhatIf -PassThru | Should -BeNullOrEmpty
        Get-CtlAlarm $fx | Should -Be $before
    }

    It 'clears nothing with -Alarm CORRUPT when only NOSPACE is active' {
        $before = Get-CtlAlarm $fx
        Clear-EtcdAlarm @tls -Alarm CORRUPT -PassThru -Confirm:$false | Should -BeNullOrEmpty
        Get-CtlAlarm $fx | Should -Be $before
    }

    It 'clears NOSPACE, which comes back at the next write while the file is still over the quota' {
        @(Clear-EtcdAlarm @tls -PassThru -Confirm:$false).Count | Should -BeGreaterThan 0
        Get-CtlAlarm $fx | Should -BeNullOrEmpty
        # Each member checks the quota against its own file when it applies a put, and the answer comes from the
        # member that took the request: its file may still have room for one more, never for five.
        $again = Write-EtcdTestKey -Fixture $fx -Count 5 -Size 100000 -Prefix still
        $again.Output | Should -Match 'database space exceeded'
        $again.Written | Should -BeLessThan 5
        Get-CtlAlarm $fx | Should -Match 'NOSPACE$'
    }

    It 'clears NOSPACE after compaction and defragmentation: etcdctl lists no alarm and writes work again' {
        $expected = Get-CtlAlarm $fx
        Invoke-EtcdCompaction @tls -Confirm:$false | Should -Not -BeNullOrEmpty
        # No -Force: under NOSPACE no member is skipped, though etcd's DbSizeInUse still counts the compacted space.
        $defrag = Invoke-EtcdDefragmentation @tls -Confirm:$false
        @($defrag | Where-Object Defragmented).Count | Should -Be 3
        foreach ($s in Get-CtlStatus $fx) { $s.DbSize | Should -BeLessThan 1048576 }
        $cleared = Clear-EtcdAlarm @tls -Alarm NOSPACE -PassThru -Confirm:$false
        @($cleared | ForEach-Object { "$($_.MemberID) $($_.Alarm)" } | Sort-Object) | Should -Be $expected
        Get-CtlAlarm $fx | Should -BeNullOrEmpty
        (Invoke-Etcdctl -Cluster $fx.Local -Arguments @('put', 'after', 'clear')).ExitCode | Should -Be 0
        Get-CtlAlarm $fx | Should -BeNullOrEmpty
    }

    It 'does nothing when no alarm is active' {
        Clear-EtcdAlarm @tls -PassThru -Confirm:$false | Should -BeNullOrEmpty
    }

    It 'refuses an alarm name etcd does not know' {
        { Clear-EtcdAlarm @tls -Alarm NOSUCH -Confirm:$false } | Should -Throw -ErrorId 'ParameterArgumentValidationError,*'
    }
}
