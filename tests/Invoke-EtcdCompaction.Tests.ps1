BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    . "$PSScriptRoot/tools/MaintenanceCluster.ps1"

    $fx = Start-MaintenanceTestCluster -First 21
    $tls = $fx.Tls

    # Writes one key ten times (v1..v10); the cluster's revision after the last write, as etcdctl put reports it.
    function Write-Revision([string] $Key) {
        foreach ($i in 1..10) {
            $put = Invoke-Etcdctl -Cluster $fx.Local -Arguments @('put', $Key, "v$i", '-w', 'json')
            $put.ExitCode | Should -Be 0
        }
        [long]($put.Output | ConvertFrom-Json).header.revision
    }

    # etcdctl get <key> --rev=<revision>: its exit code and output.
    function Get-AtRevision([string] $Key, [long] $Revision) {
        Invoke-Etcdctl -Cluster $fx.Local -Endpoints $fx.Local.Endpoints[1] -Arguments @('get', $Key, "--rev=$Revision")
    }
}

AfterAll { Stop-MaintenanceTestCluster $fx }

Describe 'Invoke-EtcdCompaction' {
    It 'changes nothing with -WhatIf' {
        $current = Write-Revision 'whatif'
        Invoke-EtcdCompaction @tls -WhatIf | Should -BeNullOrEmpty
        (Get-AtRevision 'whatif' ($current - 5)).ExitCode | Should -Be 0
    }

    It 'compacts to the current revision: etcdctl get at an older revision fails as compacted' {
        $current = Write-Revision 'all'
        (Get-AtRevision 'all' ($current - 1)).ExitCode | Should -Be 0
        $result = Invoke-EtcdCompaction @tls -Confirm:$false
        $result.Revision | Should -Be $current
        $result.CurrentRevision | Should -Be $current
        $result.Member | Should -BeIn @('m1', 'm2', 'm3')
        $old = Get-AtRevision 'all' ($current - 1)
        $old.ExitCode | Should -Not -Be 0
        $old.Output | Should -Match 'required revision has been compacted'
        (Get-AtRevision 'all' $current).Output | Should -Match 'v10'
        # Replicated: every member refuses the old revision.
        foreach ($e in $fx.Local.Endpoints) {
            (Invoke-Etcdctl -Cluster $fx.Local -Endpoints $e -Arguments @('get', 'all', "--rev=$($current - 1)", '--consistency=s')).Output | Should -Match 'compacted'
        }
    }

    It 'keeps the latest revisions with -KeepRevisions' {
        $current = Write-Revision 'keep'
        $result = Invoke-EtcdCompaction @tls -KeepRevisions 4 -Confirm:$false
        $result.Revision | Should -Be ($current - 4)
        (Get-AtRevision 'keep' ($current - 4)).Output | Should -Match 'v6'
        (Get-AtRevision 'keep' ($current - 5)).Output | Should -Match 'required revision has been compacted'
    }

    It 'compacts to -Revision' {
        $current = Write-Revision 'rev'
        (Invoke-EtcdCompaction @tls -Revision ($current - 2) -Confirm:$false).Revision | Should -Be ($current - 2)
        (Get-AtRevision 'rev' ($current - 3)).Output | Should -Match 'required revision has been compacted'
        (Get-AtRevision 'rev' ($current - 2)).ExitCode | Should -Be 0
    }

    It 'warns and does nothing when the history is compacted that far already' {
        $null = Invoke-EtcdCompaction @tls -Confirm:$false
        $result = Invoke-EtcdCompaction @tls -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $warned[0] | Should -BeLike '*compacted to revision * or beyond already*'
    }

    It 'warns and does nothing when -KeepRevisions keeps more than there are' {
        $result = Invoke-EtcdCompaction @tls -KeepRevisions 100000 -Confirm:$false -WarningVariable warned -WarningAction SilentlyContinue
        $result | Should -BeNullOrEmpty
        $warned[0] | Should -BeLike '*leaves nothing to compact*'
    }

    It 'refuses a revision ahead of the cluster before asking etcd' {
        $current = (Get-CtlStatus $fx | Select-Object -First 1).Revision
        { Invoke-EtcdCompaction @tls -Revision ($current + 1000) -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'EtcdRevisionOutOfRange,*' -ExpectedMessage "*ahead of the cluster's current revision*"
    }

    It 'takes the endpoints from a piped cluster and the TLS files from -CertificateSet' {
        $current = Write-Revision 'piped'
        ($fx.Cluster | Invoke-EtcdCompaction -CertificateSet $fx.Set -Confirm:$false).Revision | Should -Be $current
    }
}
