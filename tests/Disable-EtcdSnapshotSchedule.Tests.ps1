# Disable-EtcdSnapshotSchedule on the shared lab cluster: systemctl no longer knows the units, the snapshots stay.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Disable-EtcdSnapshotSchedule' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $lab = $ctx.Lab
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        $hosts = @($lab.Hosts.Name)
        $dir = '/var/lib/etcd-snapshots'
        function OnAll([string] $Command) { Invoke-LabClusterSsh -Context $ctx -Command $Command }
        OnAll "rm -rf $dir" | Out-Null
        # The default schedule, and one snapshot on every host.
        $ctx.Cluster | Enable-EtcdSnapshotSchedule -Keep 2 @ssh -ErrorAction Stop | Out-Null
        $runs = Start-LabSnapshotService -Context $ctx
        $listing = OnAll "ls $dir/*.db"
        $snapshots = @{}
        foreach ($h in $hosts) { $snapshots[$h] = @($listing[$h] -split "`n" | Where-Object { $_ }) }
    }

    AfterAll {
        $ctx.Cluster | Disable-EtcdSnapshotSchedule @ssh -Confirm:$false | Out-Null
        OnAll "rm -rf $dir" | Out-Null
    }

    It '-WhatIf prints each host''s plan and removes nothing' {
        $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$c = Import-EtcdCluster '$($ctx.InventoryPath)'
`$c | Disable-EtcdSnapshotSchedule -SshKeyPath '$($lab.KeyPath)' -KnownHostsPath '$($lab.KnownHostsPath)' -WhatIf
"@
        foreach ($h in $lab.Hosts) { $r.Output | Should -Match "(?s)Stop and disable etcd-snapshot\.timer.*the snapshots already taken stay.*$([regex]::Escape($h.Name))" }
        $seen = OnAll 'systemctl is-active etcd-snapshot.timer; test -f /etc/systemd/system/etcd-snapshot.service && echo present'
        foreach ($h in $hosts) { $seen[$h] | Should -Be "active`npresent" }
    }

    It 'removes the timer, the service and its script so systemctl no longer knows them, and keeps the snapshots' {
        foreach ($h in $hosts) {
            $runs[$h] | Should -Match 'started-ok'
            $snapshots[$h].Count | Should -Be 1 -Because 'the service ran once before'
        }
        $removed = @($ctx.Cluster | Disable-EtcdSnapshotSchedule @ssh -Confirm:$false)
        $removed.Count | Should -Be 3
        foreach ($r in $removed) {
            $r.Changed | Should -BeTrue
            $r.Enabled | Should -BeFalse
            $r.Changes | Should -Contain 'etcd-snapshot.timer stopped and disabled'
            $r.Changes | Should -Contain '/etc/systemd/system/etcd-snapshot.service removed'
        }
        $seen = OnAll ("systemctl show -p LoadState --value etcd-snapshot.timer etcd-snapshot.service; systemctl list-timers --all --no-legend | grep -c etcd-snapshot; " +
            "ls -d /etc/systemd/system/etcd-snapshot.* /usr/local/lib/etcdops 2>/dev/null | wc -l; ls $dir/*.db")
        foreach ($h in $hosts) {
            $seen[$h] | Should -Be ((@('not-found', '', 'not-found', '0', '0') + $snapshots[$h]) -join "`n") -Because 'systemd knows neither unit, no file is left, and the snapshots stay'
        }
        # Still listed from the default folder.
        $listed = @(Get-EtcdSnapshot -Cluster $ctx.Cluster @ssh)
        ($listed.Path | Sort-Object) | Should -Be ($snapshots.Values | ForEach-Object { $_ } | Sort-Object)
    }

    It 'a second run changes nothing' {
        $again = @($ctx.Cluster | Disable-EtcdSnapshotSchedule @ssh -Confirm:$false)
        $again.Count | Should -Be 3
        $again | ForEach-Object { $_.Changed | Should -BeFalse }
    }
}
