BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    . "$PSScriptRoot/tools/MaintenanceCluster.ps1"

    # A 1 MiB backend quota: a few puts of 100 kB raise NOSPACE for real.
    $fx = Start-MaintenanceTestCluster -First 1 -Spare 1 -Arguments @('--quota-backend-bytes=1048576')
    $tls = $fx.Tls
}

AfterAll { Stop-MaintenanceTestCluster $fx }

Describe 'Get-EtcdAlarm' {
    It 'returns nothing when etcdctl lists no alarm' {
        Get-CtlAlarm $fx | Should -BeNullOrEmpty
        @(Get-EtcdAlarm @tls -ErrorAction Stop).Count | Should -Be 0
    }

    It 'lists the NOSPACE alarm etcd raised when a put exceeded the quota, as etcdctl alarm list does' {
        $write = Write-EtcdTestKey -Fixture $fx -Count 40 -Size 100000
        $write.ExitCode | Should -Not -Be 0
        $write.Output | Should -Match 'database space exceeded'
        $expected = Get-CtlAlarm $fx
        $expected | Should -Not -BeNullOrEmpty
        $alarms = Get-EtcdAlarm @tls
        @($alarms | ForEach-Object { "$($_.MemberID) $($_.Alarm)" } | Sort-Object) | Should -Be $expected
        $names = Get-CtlMemberId $fx
        foreach ($a in $alarms) {
            $a.Alarm | Should -Be 'NOSPACE'
            $names[$a.Member] | Should -Be $a.MemberID
        }
    }

    It 'shows MEMBER, MEMBER ID and ALARM in its table' {
        $table = Get-EtcdAlarm @tls | Format-Table | Out-String -Width 200
        $table | Should -Match 'MEMBER\s+MEMBER ID\s+ALARM'
        $table | Should -Match 'm\d\s+[0-9a-f]+\s+NOSPACE'
    }

    It 'takes the endpoints from a piped cluster and the TLS files from -CertificateSet' {
        @($fx.Cluster | Get-EtcdAlarm -CertificateSet $fx.Set | ForEach-Object { "$($_.MemberID) $($_.Alarm)" } | Sort-Object) | Should -Be (Get-CtlAlarm $fx)
    }

    It 'asks a voting member, not a learner given first (etcd refuses alarm requests on learners)' {
        $learner = Add-LocalEtcdLearner -Fixture $fx
        $ctl = Invoke-Etcdctl -Cluster $fx.Local -Endpoints $learner.Endpoint -Arguments @('alarm', 'list')
        $ctl.ExitCode | Should -Not -Be 0
        $ctl.Output | Should -Match 'rpc not supported for learner'
        $alarms = Get-EtcdAlarm -Endpoint $learner.Endpoint, $fx.Local.Endpoints[1] -CaCertPath $tls.CaCertPath -CertPath $tls.CertPath -KeyPath $tls.KeyPath -ErrorAction Stop
        @($alarms | ForEach-Object { "$($_.MemberID) $($_.Alarm)" } | Sort-Object) | Should -Be (Get-CtlAlarm $fx)
        # A learner serves no member list either: alone it cannot name the voters.
        { Get-EtcdAlarm -Endpoint $learner.Endpoint -CaCertPath $tls.CaCertPath -CertPath $tls.CertPath -KeyPath $tls.KeyPath -ErrorAction Stop } |
            Should -Throw -ErrorId 'EtcdMemberListFailed,*' -ExpectedMessage '*rpc not supported for learner*voting member*'
    }

    It 'fails with EtcdMemberListFailed when no endpoint answers' {
        { Get-EtcdAlarm -Endpoint https://127.0.9.9:2379 -CaCertPath $tls.CaCertPath -CertPath $tls.CertPath -KeyPath $tls.KeyPath -Timeout 2 -ErrorAction Stop } |
            Should -Throw -ErrorId 'EtcdMemberListFailed,*'
    }
}
