# Rolling upgrades on real systemd hosts of the lab: a cluster of its own on the three spare hosts (4-6), deployed
# at etcd 3.4.23 (Debian's build, no JSON gateway) and upgraded under a steady write load (tests/tools/WriteLoad.ps1)
# to 3.5.16, then 3.5.30, checked as an operator would: etcdctl's endpoint status (one version on every member, the
# leader), the cluster version etcd serves on /version, systemd's InvocationIDs and start times, the acknowledged
# writes read back. Refusals must leave every host as it was; an upgrade killed after its first member must finish
# when run again. The cluster is removed at the end, so other files find the spare hosts clean.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
    . "$PSScriptRoot/tools/WriteLoad.ps1"
}

Describe 'Update-EtcdNode: rolling upgrades 3.4.23 -> 3.5.16 -> 3.5.30 under write load' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        $spare = @($ctx.SpareHosts)
        if ($spare.Count -lt 3) { throw "These tests need the three spare lab hosts (Lab.ps1 -HostCount 6); the lab has $($ctx.FullLab.Hosts.Count) hosts." }
        $names = @($spare.Name)
        $cluster = New-EtcdCluster -Name upgrade -Version 3.4.23 -Token 'etcdops-upgrade-tests' -Member @(
            $spare | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
        $pki = $cluster | New-EtcdCertificateSet -Path (New-TestDirectory) -CaCertificatePath $ctx.Pki.CaCertificatePath -CaKeyPath $ctx.Pki.CaKeyPath
        $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
        $cluster | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null
        $snapshots = New-TestDirectory
        $upgrade = @{ CertificateSet = $pki; ReleaseBaseUrl = $ctx.ReleaseBaseUrl; SnapshotPath = $snapshots }
        $ctl = Get-EtcdBinary -Version 3.5.30 -Name etcdctl
        $run = @{ Load = $null; Child = $null }   # what AfterAll must stop when a test fails half-way

        # etcdctl endpoint status as a table, one row per member: Name, Version, IsLeader, RaftIndex.
        function Get-Status {
            $env:ETCDCTL_API = '3'
            $out = & $ctl "--endpoints=$($cluster.ClientUrls -join ',')" "--cacert=$($pki.CaCertificatePath)" "--cert=$($pki.ClientCertificatePath)" `
                "--key=$($pki.ClientKeyPath)" '--dial-timeout=3s' '--command-timeout=5s' 'endpoint' 'status' '-w' 'table' 2>&1
            $rows = foreach ($line in $out) {
                $cells = "$line".Split([char[]]"|$([char]0x2502)") | ForEach-Object { $_.Trim() }
                if ($cells.Count -lt 10 -or $cells[1] -notmatch '^https://') { continue }
                $address = ([uri]$cells[1]).Host
                [pscustomobject]@{ Name = ($spare | Where-Object Address -eq $address).Name; Version = $cells[3]; IsLeader = $cells[5] -eq 'true'; RaftIndex = [long]$cells[8] }
            }
            @($rows)
        }
        function Get-Versions { $s = Get-Status; $v = @{}; foreach ($r in $s) { $v[$r.Name] = $r.Version }; $v }
        function Get-Leader { (Get-Status | Where-Object IsLeader).Name }
        # The cluster version etcd serves on /version (the lowest any member runs, raised by the leader once all run a newer one).
        function Get-ClusterVersion {
            $h = $spare[0]
            $out = (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command "curl -s --cacert /etc/etcd/ca.pem --cert /etc/etcd/client.pem --key /etc/etcd/client-key.pem https://$($h.Address):2379/version").Output
            ([regex]::Match($out, '"etcdcluster":"([^"]*)"')).Groups[1].Value
        }
        function Wait-ClusterVersion([string] $Expected) {
            $deadline = [DateTime]::UtcNow.AddSeconds(30)
            do { $v = Get-ClusterVersion; if ($v -eq $Expected) { return $v }; Start-Sleep -Milliseconds 500 } while ([DateTime]::UtcNow -lt $deadline)
            $v
        }
        # Per member: systemd's InvocationID and when the unit last became active (monotonic, microseconds: one clock for every lab host).
        function Get-Starts {
            $s = @{}
            foreach ($n in $names) {
                $out = (Invoke-LabSsh -Lab $ctx.FullLab -HostName $n -Command 'systemctl show -p InvocationID -p ActiveEnterTimestampMonotonic etcd').Output
                $s[$n] = [pscustomobject]@{
                    Id      = [regex]::Match($out, 'InvocationID=(\S*)').Groups[1].Value
                    Entered = [long][regex]::Match($out, 'ActiveEnterTimestampMonotonic=(\d+)').Groups[1].Value
                }
            }
            $s
        }
        function Assert-Untouched($Before, $VersionsBefore) {
            $after = Get-Starts
            foreach ($n in $names) { $after[$n].Id | Should -Be $Before[$n].Id -Because "$n must not have been restarted" }
            $v = Get-Versions
            foreach ($n in $names) { $v[$n] | Should -Be $VersionsBefore[$n] -Because "$n must run what it ran" }
        }
        # The members restarted between two readings, in the order they became active.
        function Get-RestartOrder($Before, $After) {
            @($names | Where-Object { $After[$_].Id -ne $Before[$_].Id } | Sort-Object { $After[$_].Entered })
        }
    }
    AfterAll {
        if ($run.Load -and -not $run.Load.State.Stop) { $null = Stop-EtcdWriteLoad $run.Load }
        if ($run.Child -and -not $run.Child.HasExited) { $run.Child.Kill($true) }
        $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
    }

    It 'refuses a minor skip (3.4.23 -> 3.6.0) and shows the plan with -WhatIf, touching no host' {
        $before = Get-Starts; $versions = Get-Versions
        @($versions.Values | Sort-Object -Unique) | Should -Be @('3.4.23')
        $err = $null
        $r = $cluster | Update-EtcdNode -Version 3.6.0 @upgrade @ssh -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
        $r | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UpgradePathRefused*'
        "$($err[0])" | Should -Match 'skips 3\.5'
        # What -WhatIf prints goes to the host: a transcript catches it.
        $transcript = Join-Path (New-TestDirectory) 'whatif.txt'
        Start-Transcript -Path $transcript | Out-Null
        try { $cluster | Update-EtcdNode -Version 3.5.16 @upgrade @ssh -WhatIf -WarningAction SilentlyContinue | Out-Null }
        finally { Stop-Transcript | Out-Null }
        $what = Get-Content $transcript -Raw
        $leader = Get-Leader
        $what | Should -Match "step 3: \(the leader, last"
        $what | Should -Match "$leader \("
        @(Get-ChildItem $snapshots -Filter *.db).Count | Should -Be 0
        Assert-Untouched $before $versions
    }

    It '3.4.23 -> 3.5.16 under write load: followers first, the leader last, one version everywhere, the cluster version follows, no acknowledged write lost' {
        Get-ClusterVersion | Should -Be '3.4.0'
        $leader = Get-Leader
        $before = Get-Starts
        $load = $run.Load = Start-EtcdWriteLoad -Endpoint $cluster.ClientUrls -CertificateSet $pki
        Start-Sleep -Seconds 1
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $next = $cluster | Update-EtcdNode -Version 3.5.16 @upgrade @ssh -ErrorAction Stop -WarningAction SilentlyContinue -Verbose 4>&1 |
            Tee-Object -Variable log | Where-Object { $_ -isnot [Management.Automation.VerboseRecord] }
        $clock.Stop()
        Start-Sleep -Seconds 1
        $report = Stop-EtcdWriteLoad $load
        Write-Host "3.4.23 -> 3.5.16: $([Math]::Round($clock.Elapsed.TotalSeconds, 1)) s; write load: $($report.Acked) acked, $($report.Lost) lost, $($report.Errors) errors ($($report.LastError))"

        $next.Version | Should -Be '3.5.16'
        Test-Path $next.Snapshot.Path | Should -BeTrue
        $next.Snapshot.EtcdVersion | Should -Match '^3\.4\.'
        ($log | Where-Object { $_ -is [Management.Automation.VerboseRecord] } | Out-String) | Should -Match ([regex]::Escape($next.Snapshot.Path))
        $v = Get-Versions
        $v.Count | Should -Be 3
        @($v.Values | Sort-Object -Unique) | Should -Be @('3.5.16')
        Wait-ClusterVersion '3.5.0' | Should -Be '3.5.0'
        $order = Get-RestartOrder $before (Get-Starts)
        $order.Count | Should -Be 3
        $order[-1] | Should -Be $leader -Because 'the leader is restarted last'
        $report.Acked | Should -BeGreaterThan 100
        $report.Lost | Should -Be 0 -Because ($report.LostKeys -join ', ')
    }

    It 'refuses an upgrade while one member is stopped, touching no other host' {
        $stopped = $names[2]
        $cluster | Stop-EtcdNode -Member $stopped @ssh -Confirm:$false -ErrorAction Stop
        try {
            $before = Get-Starts; $versions = Get-Versions
            $versions.Count | Should -Be 2
            $err = $null
            $cluster | Update-EtcdNode -Version 3.5.30 @upgrade @ssh -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
            $err[0].FullyQualifiedErrorId | Should -BeLike 'UpgradePreflightFailed*'
            "$($err[0])" | Should -Match ([regex]::Escape($spare[2].Address))
            $after = Get-Starts
            foreach ($n in $names[0..1]) { $after[$n].Id | Should -Be $before[$n].Id }
            $after[$stopped].Id | Should -Be $before[$stopped].Id
            $v = Get-Versions
            foreach ($n in $names[0..1]) { $v[$n] | Should -Be '3.5.16' }
        }
        finally { $cluster | Start-EtcdNode -Member $stopped @ssh -ErrorAction Stop | Out-Null }
        $cluster | Wait-EtcdCluster -CertificateSet $pki -ErrorAction Stop | Out-Null
    }

    It '3.5.16 -> 3.5.30 killed after the first member, then Install-EtcdNode at 3.5.30 finishes it the same way: the first skipped, the leader last, no acknowledged write lost' {
        $leader = Get-Leader
        $before = Get-Starts
        $inventory = Join-Path (New-TestDirectory) 'upgrade.yml'
        $cluster | Export-EtcdCluster -Path $inventory
        $script = @"
Import-Module '$ModulePath'
`$VerbosePreference = 'Continue'
`$c = Import-EtcdCluster -Path '$inventory'
`$p = Import-EtcdCertificateSet -Path '$($pki.Path)'
`$c | Update-EtcdNode -Version 3.5.30 -CertificateSet `$p -ReleaseBaseUrl '$($ctx.ReleaseBaseUrl)' -SnapshotPath '$snapshots' -SshKeyPath '$($ssh.SshKeyPath)' -KnownHostsPath '$($ssh.KnownHostsPath)' -WarningAction SilentlyContinue
"@
        $scriptFile = Join-Path (New-TestDirectory) 'upgrade.ps1'
        Set-Content -Path $scriptFile -Value $script
        $load = $run.Load = Start-EtcdWriteLoad -Endpoint $cluster.ClientUrls -CertificateSet $pki
        $pwsh = (Get-Process -Id $PID).Path
        $info = [Diagnostics.ProcessStartInfo]::new($pwsh)
        if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { $info.ArgumentList.Add((Join-Path $PSHOME 'pwsh.dll')) }
        foreach ($a in '-NoProfile', '-NonInteractive', '-File', $scriptFile) { $info.ArgumentList.Add($a) }
        $info.RedirectStandardOutput = $true
        $info.UseShellExecute = $false
        $child = $run.Child = [Diagnostics.Process]::Start($info)
        # Kill the PowerShell process the moment it reports its first member done (its verbose timeline, live on stdout).
        $first = $null; $seen = @()
        $deadline = [DateTime]::UtcNow.AddSeconds(120)
        while ([DateTime]::UtcNow -lt $deadline) {
            $line = $child.StandardOutput.ReadLine()
            if ($null -eq $line) { break }
            $seen += $line
            if ($line -match '\s(\S+): Done: etcd 3\.5\.30') { $first = $Matches[1]; $child.Kill($true); break }
        }
        $child.WaitForExit(10000) | Out-Null
        $first | Should -Not -BeNullOrEmpty -Because ($seen -join "`n")
        $first | Should -Not -Be $leader
        $v = Get-Versions
        $v[$first] | Should -Be '3.5.30'
        @($names | Where-Object { $v[$_] -eq '3.5.16' }).Count | Should -Be 2 -Because 'the kill came before the second member'
        Get-ClusterVersion | Should -Be '3.5.0'

        # The re-run is Install-EtcdNode with the inventory at 3.5.30: it takes the same rolling path, and continues.
        $middle = Get-Starts
        $target = $cluster.Clone(); $target.Version = '3.5.30'
        $results = $target | Install-EtcdNode @upgrade @ssh -ErrorAction Stop -WarningAction SilentlyContinue
        Start-Sleep -Seconds 1
        $report = Stop-EtcdWriteLoad $load
        Write-Host "3.5.16 -> 3.5.30 (killed, re-run): write load: $($report.Acked) acked, $($report.Lost) lost, $($report.Errors) errors ($($report.LastError))"
        @($results | Where-Object { $_.Changes -match '^etcd 3\.5\.16 -> 3\.5\.30 \(rolling upgrade' }).Name | Sort-Object | Should -Be @($names | Where-Object { $_ -ne $first } | Sort-Object)
        ($results | Where-Object Name -eq $first).Changed | Should -BeFalse
        $after = Get-Starts
        $after[$first].Id | Should -Be $middle[$first].Id -Because 'the member upgraded before the kill is skipped'
        $order = Get-RestartOrder $middle $after
        $order.Count | Should -Be 2
        $order[-1] | Should -Be $leader -Because 'the leader is restarted last'
        @(Get-RestartOrder $before $after).Count | Should -Be 3
        @((Get-Versions).Values | Sort-Object -Unique) | Should -Be @('3.5.30')
        Wait-ClusterVersion '3.5.0' | Should -Be '3.5.0'
        $report.Acked | Should -BeGreaterThan 100
        $report.Lost | Should -Be 0 -Because ($report.LostKeys -join ', ')
    }

    It 'refuses a downgrade (3.5.30 -> 3.5.16) with the reason, touching no host' {
        $before = Get-Starts; $versions = Get-Versions
        $err = $null
        $cluster | Update-EtcdNode -Version 3.5.16 @upgrade @ssh -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UpgradePathRefused*'
        "$($err[0])" | Should -Match '3\.5\.16 would be a downgrade'
        # Install-EtcdNode with the old Version takes the same path, and refuses the same way.
        $old = $cluster.Clone(); $old.Version = '3.5.16'
        $err = $null
        $old | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'UpgradePathRefused*'
        Assert-Untouched $before $versions
    }
}
