# Enable-EtcdSnapshotSchedule on the shared lab cluster, checked as an operator would: systemctl's view of the
# timer and the service, the files on the hosts (modes, owners), etcdutl's verdict on each snapshot.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Enable-EtcdSnapshotSchedule' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $lab = $ctx.Lab
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        $hosts = @($lab.Hosts.Name)
        $dir = '/var/lib/etcd-snapshots-enable-test'
        $calendar = '*-*-* 04:10:00'
        # What an operator would look at on every host, in one round trip each (all hosts at once): the schedule's
        # files (path, inode, modification time, size: a rewrite is a new inode), systemd's view of the timer and the
        # service, the service's ExecStart and the journal's position.
        function Get-HostView {
            $command = 'stat -c "stamp=%n %i %Y %s" /etc/systemd/system/etcd-snapshot.service /etc/systemd/system/etcd-snapshot.timer /usr/local/lib/etcdops/etcd-snapshot.sh 2>&1; ' +
                'systemctl show etcd-snapshot.timer -p ActiveState -p UnitFileState -p TimersCalendar -p ActiveEnterTimestampMonotonic; ' +
                'systemctl show etcd-snapshot.service -p Type -p User -p Result; grep "^ExecStart=" /etc/systemd/system/etcd-snapshot.service; journalctl -q -n 0 --show-cursor'
            $views = @{}
            foreach ($entry in (Invoke-LabClusterSsh -Context $ctx -Command $command).GetEnumerator()) {
                $view = @{ Stamps = @() }
                foreach ($line in $entry.Value -split "`n") {
                    if ($line -match '^-- cursor: (\S+)') { $view.Cursor = $Matches[1]; continue }
                    $k, $v = $line -split '=', 2
                    if ($k -eq 'stamp') { $view.Stamps += $v } elseif ($k) { $view[$k] = $v }
                }
                $views[$entry.Key] = $view
            }
            $views
        }

        # From no schedule at all.
        $ctx.Cluster | Disable-EtcdSnapshotSchedule @ssh -Confirm:$false | Out-Null
        Invoke-LabClusterSsh -Context $ctx -Command "rm -rf $dir" | Out-Null

        $enabled = @($ctx.Cluster | Enable-EtcdSnapshotSchedule -OnCalendar $calendar -Keep 2 -Directory $dir -CertificateSet $ctx.Pki @ssh)

        # The service run three times on every host, a key written before each round so each snapshot has its own revision.
        $revisions = @()
        $runs = @{}
        foreach ($i in 1..3) {
            $put = Invoke-LabEtcdctl -Context $ctx -Arguments @('put', "schedule/round", "$i", '-w', 'json')
            $revisions += [long]($put.Output | ConvertFrom-Json).header.revision
            $round = Start-LabSnapshotService -Context $ctx
            foreach ($h in $hosts) { $runs[$h] += @($round[$h]) }
        }
    }

    AfterAll {
        # Leave the shared cluster as it was: no schedule, no test folder.
        $ctx.Cluster | Disable-EtcdSnapshotSchedule @ssh -Confirm:$false | Out-Null
        Invoke-LabClusterSsh -Context $ctx -Command "rm -rf $dir" | Out-Null
    }

    It 'installs a oneshot service run as etcd and a timer, active and enabled, on the calendar asked' {
        $enabled.Count | Should -Be 3
        ($enabled.Member | Sort-Object) | Should -Be ($hosts | Sort-Object)
        foreach ($r in $enabled) {
            $r.Changed | Should -BeTrue
            $r.Enabled | Should -BeTrue
            $r.Directory | Should -Be $dir
            $r.NextRun | Should -BeGreaterThan ([datetime]::UtcNow)
            $r.NextRun.Minute | Should -Be 10 -Because "the hosts run on UTC"
            $r.Endpoint | Should -Be $ctx.Cluster.ClientUrl($ctx.Cluster.FindMember($r.Member))
        }
        $views = Get-HostView
        foreach ($h in $hosts) {
            $views[$h].ActiveState | Should -Be 'active'
            $views[$h].UnitFileState | Should -Be 'enabled'
            $views[$h].TimersCalendar | Should -Match ([regex]::Escape("OnCalendar=$calendar"))
            $views[$h].Type | Should -Be 'oneshot'
            $views[$h].User | Should -Be 'etcd'
            $views[$h].Result | Should -Be 'success'
        }
    }

    It 'each run snapshots the local member; exactly the two newest stay, and etcdutl accepts each at the revision its name says' {
        $seen = Invoke-LabClusterSsh -Context $ctx -Command "for f in $dir/*.db; do echo ""--- `$f""; etcdutl snapshot status `$f -w json && echo accepted; sha256sum `$f; tr -d '\n' < `$f.json; echo; done"
        foreach ($h in $hosts) {
            @($runs[$h] | Where-Object { $_ -match 'started-ok' }).Count | Should -Be 3 -Because "every run on $h succeeded: $($runs[$h])"
            $files = @($seen[$h] -split '(?m)^--- ' | Where-Object { $_ })
            $files.Count | Should -Be 2
            $revisionsKept = foreach ($f in $files) {
                $path, $status, $accepted, $sum, $meta = $f -split "`n"
                Split-Path $path -Leaf | Should -Match '^lab-\d{8}T\d{6}Z-r\d+\.db$'
                $accepted | Should -Be 'accepted'
                $named = [long]($path -replace '^.*-r(\d+)\.db$', '$1')
                ($status | ConvertFrom-Json).revision | Should -Be $named
                $meta = $meta | ConvertFrom-Json
                $meta.Revision | Should -Be $named
                $meta.Sha256 | Should -Be ($sum -split ' ')[0]
                $meta.MemberID | Should -Not -BeNullOrEmpty
                $meta.Endpoint | Should -Be $ctx.Cluster.ClientUrl($ctx.Cluster.FindMember($h))
                $named
            }
            # The two newest rounds' revisions (etcd's revision after each round's write).
            [long[]]($revisionsKept | Sort-Object) | Should -Be ([long[]]$revisions[1, 2])
        }
    }

    It 'writes each snapshot and its metadata 0600 owned by etcd, in a 0700 folder of etcd, with no temporary file left' {
        $seen = Invoke-LabClusterSsh -Context $ctx -Command "stat -c '%a %U %G' $dir; ls -A $dir | wc -l; ls $dir | grep -c '\.db\.json$'; stat -c '%a %U %G' $dir/* | sort -u"
        foreach ($h in $hosts) { $seen[$h] | Should -Be "700 etcd etcd`n4`n2`n600 etcd etcd" }
    }

    It 'a second run with the same settings changes nothing: no file written, systemd not reloaded, the timer not restarted' {
        $before = Get-HostView
        $again = @($ctx.Cluster | Enable-EtcdSnapshotSchedule -OnCalendar $calendar -Keep 2 -Directory $dir -CertificateSet $ctx.Pki @ssh)
        $again.Count | Should -Be 3
        foreach ($r in $again) {
            $r.Changed | Should -BeFalse
            $r.Changes | Should -BeNullOrEmpty
            $r.Enabled | Should -BeTrue
        }
        $after = Get-HostView
        foreach ($h in $hosts) {
            $after[$h].Stamps | Should -Be $before[$h].Stamps
            $after[$h].ActiveEnterTimestampMonotonic | Should -Be $before[$h].ActiveEnterTimestampMonotonic
        }
        # systemd logs each daemon-reload.
        foreach ($h in $hosts) {
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h -Command "journalctl -q --no-pager --after-cursor='$($before[$h].Cursor)' | grep -c Reloading || true").Output | Should -Be '0'
        }
    }

    It '-WhatIf prints each host''s plan and changes nothing' {
        $before = Get-HostView
        # -WhatIf messages go straight to the host, so look at what a user's console shows.
        $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$c = Import-EtcdCluster '$($ctx.InventoryPath)'
`$c | Enable-EtcdSnapshotSchedule -Keep 7 -Directory '$dir' -OnCalendar '$calendar' -SshKeyPath '$($lab.KeyPath)' -KnownHostsPath '$($lab.KnownHostsPath)' -WhatIf
"@
        foreach ($h in $lab.Hosts) {
            $r.Output | Should -Match "(?s)write /etc/systemd/system/etcd-snapshot\.service: snapshots of https://$([regex]::Escape($h.Address)):2379 .*the newest 7 kept.*$([regex]::Escape($h.Name))"
        }
        $r.Output | Should -Not -Match 'etcd-snapshot\.timer;'
        $after = Get-HostView
        foreach ($h in $hosts) {
            $after[$h].Stamps | Should -Be $before[$h].Stamps
            $after[$h].ExecStart | Should -Match ' 2 lab$'
        }
    }

    It 'refuses a calendar systemd does not understand, on every host, and changes nothing' {
        $before = Get-HostView
        $out = $ctx.Cluster | Enable-EtcdSnapshotSchedule -OnCalendar 'every full moon' -Keep 2 -Directory $dir @ssh -ErrorVariable err -ErrorAction SilentlyContinue
        $out | Should -BeNullOrEmpty
        $err.Count | Should -Be 3
        $err | ForEach-Object { $_.FullyQualifiedErrorId | Should -BeLike 'InvalidSnapshotSchedule,*' }
        $err[0].Exception.Message | Should -Match "systemd does not understand -OnCalendar 'every full moon'"
        $after = Get-HostView
        foreach ($h in $hosts) { $after[$h].Stamps | Should -Be $before[$h].Stamps }
    }

    It 'other settings update the units in place: the new calendar and count hold, the script stays as it was' {
        $before = Get-HostView
        $updated = @($ctx.Cluster | Enable-EtcdSnapshotSchedule -OnCalendar '*-*-* 05:20:00' -Keep 3 -Directory $dir @ssh)
        foreach ($r in $updated) {
            $r.Changed | Should -BeTrue
            $r.Changes | Should -Contain '/etc/systemd/system/etcd-snapshot.service'
            $r.Changes | Should -Contain '/etc/systemd/system/etcd-snapshot.timer'
            $r.Changes | Should -Not -Contain '/usr/local/lib/etcdops/etcd-snapshot.sh'
            $r.NextRun.Minute | Should -Be 20 -Because "the hosts run on UTC"
        }
        $after = Get-HostView
        foreach ($h in $hosts) {
            $after[$h].TimersCalendar | Should -Match 'OnCalendar=\*-\*-\* 05:20:00'
            $after[$h].ExecStart | Should -Match ' 3 lab$'
            $after[$h].Stamps[2] | Should -Be $before[$h].Stamps[2] -Because 'the script did not change'
            $after[$h].Stamps[0] | Should -Not -Be $before[$h].Stamps[0]
        }
    }
}
