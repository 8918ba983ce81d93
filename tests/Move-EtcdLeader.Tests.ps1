BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    . "$PSScriptRoot/tools/MaintenanceCluster.ps1"

    $fx = Start-MaintenanceTestCluster -First 41 -Spare 1
    $tls = $fx.Tls
    $ids = Get-CtlMemberId $fx

    # The leader's name as etcdctl endpoint status reports it (all members agree).
    function Get-CtlLeader {
        $leaders = @(Get-CtlStatus $fx | ForEach-Object Leader | Sort-Object -Unique)
        $leaders.Count | Should -Be 1
        ($ids.GetEnumerator() | Where-Object Value -eq $leaders[0]).Key
    }
    function Get-Follower { @('m1', 'm2', 'm3') | Where-Object { $_ -ne (Get-CtlLeader) } | Select-Object -First 1 }
}

AfterAll { Stop-MaintenanceTestCluster $fx }

Describe 'Move-EtcdLeader' {
    It 'changes nothing with -WhatIf' {
        $leader = Get-CtlLeader
        Move-EtcdLeader @tls -To (Get-Follower) -WhatIf | Should -BeNullOrEmpty
        Get-CtlLeader | Should -Be $leader
    }

    It 'moves leadership to a follower: etcdctl endpoint status shows the new leader' {
        $leader = Get-CtlLeader
        $target = Get-Follower
        $termBefore = (Get-CtlStatus $fx)[0].RaftTerm
        $change = Move-EtcdLeader @tls -To $target -Confirm:$false
        $change.PreviousLeader | Should -Be $leader
        $change.PreviousLeaderID | Should -Be $ids[$leader]
        $change.Leader | Should -Be $target
        $change.LeaderID | Should -Be $ids[$target]
        $change.RaftTerm | Should -BeGreaterThan $termBefore
        Get-CtlLeader | Should -Be $target
        (Get-CtlStatus $fx)[0].RaftTerm | Should -Be $change.RaftTerm
    }

    It 'reaches the leader from a follower''s endpoint alone (etcd serves move-leader only on the leader)' {
        $follower = Get-Follower
        $endpoint = "https://127.0.9.$(40 + [int]$follower.Substring(1)):2379"
        $ctl = Invoke-Etcdctl -Cluster $fx.Local -Endpoints $endpoint -Arguments @('move-leader', $ids[$follower])
        $ctl.ExitCode | Should -Not -Be 0
        $ctl.Output | Should -Match 'no leader endpoint given'
        $change = Move-EtcdLeader -Endpoint $endpoint -CaCertPath $tls.CaCertPath -CertPath $tls.CertPath -KeyPath $tls.KeyPath -To $follower -Confirm:$false
        $change.Leader | Should -Be $follower
        Get-CtlLeader | Should -Be $follower
    }

    It 'warns and does nothing when the target leads already' {
        $leader = Get-CtlLeader
        $term = (Get-CtlStatus $fx)[0].RaftTerm
        Move-EtcdLeader @tls -To $leader -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $warned[0] | Should -BeLike "*$leader is the leader already*"
        (Get-CtlStatus $fx)[0].RaftTerm | Should -Be $term
    }

    It 'takes the endpoints from a piped cluster and the TLS files from -CertificateSet' {
        $target = Get-Follower
        ($fx.Cluster | Move-EtcdLeader -CertificateSet $fx.Set -To $target -Confirm:$false).Leader | Should -Be $target
        Get-CtlLeader | Should -Be $target
    }

    It 'refuses a name that is not a member' {
        { Move-EtcdLeader @tls -To m9 -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownMember,*' -ExpectedMessage "*-To 'm9' is not a member*m1, m2, m3*"
    }

    It 'refuses a learner as the target, as etcd would (bad leader transferee)' {
        $learner = Add-LocalEtcdLearner -Fixture $fx
        $ids = Get-CtlMemberId $fx
        $leader = Get-CtlLeader
        (Invoke-Etcdctl -Cluster $fx.Local -Arguments @('move-leader', $ids[$learner.Name])).Output | Should -Match 'bad leader transferee'
        { Move-EtcdLeader @tls -To $learner.Name -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'EtcdLeaderTargetInvalid,*' -ExpectedMessage "*'$($learner.Name)' is a learner*Promote it*"
        Get-CtlLeader | Should -Be $leader
    }

    It 'refuses a member that is down at once, where etcd would wait and time out' {
        $target = Get-Follower
        Stop-LocalEtcdMember -Cluster $fx.Local -Name $target
        $clock = [Diagnostics.Stopwatch]::StartNew()
        { Move-EtcdLeader @tls -To $target -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'EtcdLeaderTargetInvalid,*' -ExpectedMessage "*'$target' did not answer*running voting member*connection refused*"
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 5
    }
}
