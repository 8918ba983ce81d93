BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    . "$PSScriptRoot/tools/MaintenanceCluster.ps1"

    $fx = Start-MaintenanceTestCluster -First 51 -Spare 1
    $tls = $fx.Tls
    (Write-EtcdTestKey -Fixture $fx -Count 20 -Size 100).Written | Should -Be 20

    # etcdctl endpoint hashkv --rev=<revision> -w json: endpoint -> (hash, compact revision).
    function Get-CtlHash([long] $Revision, [string[]] $Endpoints = $fx.Local.Endpoints) {
        $ctl = Invoke-Etcdctl -Cluster $fx.Local -Endpoints $Endpoints -Arguments @('endpoint', 'hashkv', "--rev=$Revision", '-w', 'json')
        $ctl.ExitCode | Should -Be 0
        $hashes = @{}
        foreach ($e in ($ctl.Output | ConvertFrom-Json)) { $hashes[$e.Endpoint] = "$($e.HashKV.hash) $($e.HashKV.compact_revision)" }
        $hashes
    }

    function Assert-SameAsEtcdctl($Rows) {
        $Rows.Count | Should -Be 3
        @($Rows.Revision | Sort-Object -Unique).Count | Should -Be 1
        $expected = Get-CtlHash $Rows[0].Revision
        $ids = Get-CtlMemberId $fx
        foreach ($row in $Rows) {
            "$($row.Hash) $($row.CompactRevision)" | Should -Be $expected[$row.Endpoint]
            $row.MemberID | Should -Be $ids[$row.Member]
            $row.Consistent | Should -BeTrue
        }
    }
}

AfterAll { Stop-MaintenanceTestCluster $fx }

Describe 'Test-EtcdConsistency' {
    It 'hashes every voting member at one revision, as etcdctl endpoint hashkv --rev does, and the verdict is $true' {
        $revision = (Get-CtlStatus $fx)[0].Revision
        $rows = Test-EtcdConsistency @tls -ErrorVariable err
        $err.Count | Should -Be 0
        $rows[0].Revision | Should -Be $revision
        $rows[0].CompactRevision | Should -Be -1
        Assert-SameAsEtcdctl $rows
        Test-EtcdConsistency @tls -Quiet | Should -BeTrue
    }

    It 'agrees with etcdctl after a compaction to the current revision (etcd answers the hash it stored then)' {
        $null = Invoke-EtcdCompaction @tls -Confirm:$false
        $rows = Test-EtcdConsistency @tls
        Assert-SameAsEtcdctl $rows
        (Write-EtcdTestKey -Fixture $fx -Count 2 -Prefix after).Written | Should -Be 2
        $rows = Test-EtcdConsistency @tls
        Assert-SameAsEtcdctl $rows
        $rows[0].CompactRevision | Should -Be ($rows[0].Revision - 2)
    }

    It 'compares a member restarted since a compaction with the others (it no longer has the hash etcd stored then)' {
        $compaction = (Invoke-EtcdCompaction @tls -Confirm:$false).Revision
        Restart-LocalEtcdMember -Fixture $fx -Name m2
        # etcdctl at the compaction's revision: the restarted member hashes afresh, the others answer what they stored.
        $ctl = Get-CtlHash $compaction
        @($ctl.Values | ForEach-Object { ($_ -split ' ')[1] } | Sort-Object -Unique).Count | Should -Be 2
        $rows = Test-EtcdConsistency @tls -ErrorVariable err
        $err.Count | Should -Be 0
        $rows.Count | Should -Be 3
        foreach ($row in $rows) {
            $row.Revision | Should -Be $compaction
            $row.CompactRevision | Should -Be $compaction
            $row.Consistent | Should -BeTrue
        }
        @($rows.Hash | Sort-Object -Unique).Count | Should -Be 1
        # Past the compaction's revision every member hashes afresh, etcdctl too.
        (Write-EtcdTestKey -Fixture $fx -Count 1 -Prefix later).Written | Should -Be 1
        Assert-SameAsEtcdctl (Test-EtcdConsistency @tls)
    }

    It 'shows MEMBER, ID, ENDPOINT, REVISION, COMPACT REVISION, HASH and CONSISTENT' {
        $table = Test-EtcdConsistency @tls | Format-Table | Out-String -Width 250
        $table | Should -Match 'MEMBER\s+ID\s+ENDPOINT\s+REVISION\s+COMPACT REVISION\s+HASH\s+CONSISTENT'
        $table | Should -Match 'm1\s+[0-9a-f]+\s+https://127\.0\.9\.51:2379\s+\d+\s+-?\d+\s+\d+\s+true'
    }

    It 'asks no learner (etcd serves them no hash)' {
        $learner = Add-LocalEtcdLearner -Fixture $fx
        (Invoke-Etcdctl -Cluster $fx.Local -Endpoints $learner.Endpoint -Arguments @('endpoint', 'hashkv')).Output | Should -Match 'rpc not supported for learner'
        $rows = Test-EtcdConsistency -Endpoint ($fx.Local.Endpoints + $learner.Endpoint) -CaCertPath $tls.CaCertPath -CertPath $tls.CertPath -KeyPath $tls.KeyPath -ErrorVariable err
        $err.Count | Should -Be 0
        $rows.Member | Should -Not -Contain $learner.Name
        Assert-SameAsEtcdctl $rows
    }

    It 'takes the endpoints from a piped cluster and the TLS files from -CertificateSet' {
        $fx.Cluster | Test-EtcdConsistency -CertificateSet $fx.Set -Quiet | Should -BeTrue
    }

    It 'says $false, and names the member, when a voting member is down' {
        Stop-LocalEtcdMember -Cluster $fx.Local -Name m3
        Test-EtcdConsistency @tls -Quiet | Should -BeFalse
        $rows = Test-EtcdConsistency @tls -ErrorVariable err -ErrorAction SilentlyContinue
        $rows.Count | Should -Be 2
        $rows.Member | Should -Not -Contain 'm3'
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'EtcdEndpointUnreachable,*'
        $err[0].Exception.Message | Should -BeLike '*127.0.9.53:2379*'
    }
}

# etcd 3.4 refuses a hash at the compaction's revision itself; 3.5 answers the hash it stored during the compaction.
Describe 'Test-EtcdConsistency against etcd 3.4.23' {
    BeforeAll {
        $old = Start-MaintenanceTestCluster -First 56 -Version 3.4.23
        $oldTls = $old.Tls
        (Write-EtcdTestKey -Fixture $old -Count 5).Written | Should -Be 5
    }
    AfterAll { Stop-MaintenanceTestCluster $old }

    It 'compares the members right after a compaction to the current revision, as etcdctl endpoint hashkv does' {
        $compaction = (Invoke-EtcdCompaction @oldTls -Confirm:$false).Revision
        (Invoke-Etcdctl -Cluster $old.Local -Arguments @('endpoint', 'hashkv', "--rev=$compaction")).Output | Should -Match 'required revision has been compacted'
        $rows = Test-EtcdConsistency @oldTls -ErrorVariable err
        $err.Count | Should -Be 0
        $rows.Count | Should -Be 3
        $ctl = (Invoke-Etcdctl -Cluster $old.Local -Arguments @('endpoint', 'hashkv', '-w', 'json')).Output | ConvertFrom-Json
        foreach ($row in $rows) {
            $row.Revision | Should -Be $compaction
            $row.CompactRevision | Should -Be $compaction
            $row.Consistent | Should -BeTrue
            $row.Hash | Should -Be ($ctl | Where-Object Endpoint -eq $row.Endpoint).HashKV.hash
        }
        Test-EtcdConsistency @oldTls -Quiet | Should -BeTrue
    }
}
