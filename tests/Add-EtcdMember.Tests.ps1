# Day 2 on real systemd hosts of the lab: grow, shrink and replace members of a running cluster under a steady
# write load (tests/tools/WriteLoad.ps1), one step after another on one cluster, checked as an operator would
# (etcdctl's member list, systemd's InvocationIDs, the hosts' files). Needs the lab's five hosts.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
    . "$PSScriptRoot/tools/WriteLoad.ps1"
}

Describe 'Add-EtcdMember, Remove-EtcdMember and Install-EtcdNode on a running cluster' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        $hosts = @($ctx.FullLab.Hosts)
        if ($hosts.Count -lt 5) { throw "These tests need five lab hosts (Lab.ps1 -HostCount 5); the lab has $($hosts.Count)." }
        function New-LabCluster([int] $Count, [string] $Token = 'etcdops-lab-tests') {
            # lab1-5 are real hosts; a sixth member is 'lab6' at an address no lab host has (unreachable).
            $m = @($hosts | Select-Object -First ([Math]::Min($Count, 5)) | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } })
            if ($Count -ge 6) { $m += @{ Name = 'lab6'; Address = ($hosts[0].Address -replace '\.\d+$', '.99') } }
            New-EtcdCluster -Name lab -Version 3.5.16 -Token $Token -Member $m -WarningAction SilentlyContinue
        }
        $everyHost = New-EtcdCluster -Name lab -Member @($hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
        $c3 = New-LabCluster 3; $c4 = New-LabCluster 4; $c5 = New-LabCluster 5
        # One set for every step, from the lab's CA: it holds lab4, lab5 and lab6 at an address no lab host has (unreachable).
        $pki = New-LabCluster 6 | New-EtcdCertificateSet -Path (New-TestDirectory) -CaCertificatePath $ctx.Pki.CaCertificatePath -CaKeyPath $ctx.Pki.CaKeyPath
        $everyHost | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
        $c3 | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop | Out-Null
        # A release for the new hosts, cached as Save-EtcdRelease leaves it (the bench's "release cached").
        $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl $ctx.ReleaseBaseUrl
        $load = Start-EtcdWriteLoad -Endpoint $c3.ClientUrls -CertificateSet $pki

        function Get-Members([object] $Cluster = $c5) {
            $r = Invoke-LabEtcdctl -Context $ctx -Endpoints $c3.ClientUrls -Arguments 'member', 'list', '-w', 'json'
            $r.ExitCode | Should -Be 0 -Because $r.Output
            $json = $r.Output | ConvertFrom-Json
            [pscustomobject]@{
                ClusterId = [regex]::Match($r.Output, '"cluster_id":(\d+)').Groups[1].Value
                Members   = @($json.members | ForEach-Object { [pscustomobject]@{ Name = "$($_.name)"; Learner = [bool]$_.isLearner; Peer = "$($_.peerURLs[0])" } })
            }
        }
        function Get-Ids([string[]] $Names) { Get-LabInvocationId -Context $ctx -HostName $Names }
        $clusterId = (Get-Members).ClusterId
    }
    AfterAll {
        if ($load -and -not $load.State.Stop) { $null = Stop-EtcdWriteLoad $load }
        # Every real lab host, not only lab1-5: a failed step may have left etcd anywhere, and the next files need clean hosts.
        $everyHost | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
    }

    It 'a re-run with a fresh token rewrites nothing and restarts nothing, and says the token differs' {
        $before = Get-Ids lab1, lab2, lab3
        $fresh = New-LabCluster 3 -Token ('fresh-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        $r = $fresh | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -WarningVariable warnings -WarningAction SilentlyContinue
        $r | ForEach-Object { $_.Changed | Should -BeFalse -Because ($_.Changes -join ', ') }
        @($warnings | Where-Object { "$_" -match 'bootstrapped with' }).Count | Should -Be 3
        $after = Get-Ids lab1, lab2, lab3
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
    }

    It 'grows 3 to 4 by re-running Install-EtcdNode with the grown inventory, restarting no member' {
        $before = Get-Ids lab1, lab2, lab3
        $r = $c4 | Install-EtcdNode -CertificateSet $pki -Release $release @ssh -WarningAction SilentlyContinue
        ($r | Where-Object Name -eq lab4).Started | Should -BeTrue
        ($r | Where-Object Name -eq lab4).Changes | Should -Contain 'promoted to voting member'
        $after = Get-Ids lab1, lab2, lab3
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
        $m = Get-Members
        $m.Members.Count | Should -Be 4
        @($m.Members | Where-Object { $_.Learner -or -not $_.Name }).Count | Should -Be 0
        (Invoke-LabSsh -Lab $ctx.FullLab -HostName lab4 -Command 'grep initial-cluster-state /etc/etcd/conf.yml').Output | Should -Match 'existing'
    }

    It 'grows 4 to 5 with Add-EtcdMember, restarting no member: 5 started voters, no learner' {
        $before = Get-Ids lab1, lab2, lab3, lab4
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $grown = $c4 | Add-EtcdMember -Member @{ Name = 'lab5'; Address = $hosts[4].Address } -CertificateSet $pki -Release $release @ssh -WarningAction SilentlyContinue
        $clock.Stop()
        Write-Host "Add-EtcdMember: $([Math]::Round($clock.Elapsed.TotalSeconds, 2)) s"
        $grown.Members.Name | Should -Be @('lab1', 'lab2', 'lab3', 'lab4', 'lab5')
        $after = Get-Ids lab1, lab2, lab3, lab4
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
        $m = Get-Members
        $m.Members.Count | Should -Be 5
        @($m.Members | Where-Object { $_.Learner -or -not $_.Name }).Count | Should -Be 0
        $m.ClusterId | Should -Be $clusterId
    }

    It 'refuses <Case> and changes nothing anywhere' -TestCases @(
        @{ Case = 'a name already in the cluster'; Member = { @{ Name = 'lab2'; Address = $hosts[0].Address -replace '\.\d+$', '.99' } }; Id = 'MemberNameInUse' }
        @{ Case = 'an address already in the cluster'; Member = { @{ Name = 'lab6'; Address = $hosts[1].Address } }; Id = 'MemberAddressInUse' }
        @{ Case = 'an unreachable new host'; Member = { @{ Name = 'lab6'; Address = $hosts[0].Address -replace '\.\d+$', '.99' } }; Id = 'Ssh*' }
    ) {
        param($Case, $Member, $Id)
        $before = Get-Members
        $err = $null
        try { $c5 | Add-EtcdMember -Member (& $Member) -CertificateSet $pki -Release $release @ssh -ErrorAction Stop -WarningAction SilentlyContinue } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*" -Because $err.Exception.Message
        ((Get-Members).Members | ConvertTo-Json) | Should -Be ($before.Members | ConvertTo-Json)
    }

    It 'Remove-EtcdMember takes 5 back to 4; the host no longer runs etcd and its data is aside' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $shrunk = $c5 | Remove-EtcdMember -Member lab5 -CertificateSet $pki @ssh -Confirm:$false
        $clock.Stop()
        Write-Host "Remove-EtcdMember: $([Math]::Round($clock.Elapsed.TotalSeconds, 2)) s"
        $shrunk.Members.Name | Should -Be @('lab1', 'lab2', 'lab3', 'lab4')
        (Get-Members).Members.Name | Should -Not -Contain 'lab5'
        $state = (Invoke-LabSsh -Lab $ctx.FullLab -HostName lab5 -Command 'systemctl is-active etcd; systemctl is-enabled etcd; ls -d /var/lib/etcd.removed-*; ls -A /var/lib/etcd').Output -split "`n"
        $state[0] | Should -Not -Be 'active'
        $state[1] | Should -Be 'disabled'
        $state[2] | Should -Match '^/var/lib/etcd\.removed-\d{8}T\d{6}Z$'
    }

    It 'a member whose data dir was deleted comes back from a plain Install-EtcdNode re-run, same cluster ID' {
        (Invoke-LabSsh -Lab $ctx.FullLab -HostName lab2 -Command 'systemctl stop etcd && rm -rf /var/lib/etcd/member').ExitCode | Should -Be 0
        $r = $c4 | Install-EtcdNode -CertificateSet $pki -Release $release @ssh -WarningAction SilentlyContinue
        ($r | Where-Object Name -eq lab2).Changes -join ', ' | Should -Match 'old member ID .* removed'
        $m = Get-Members
        $m.ClusterId | Should -Be $clusterId
        ($m.Members | Where-Object Name -eq lab2).Learner | Should -BeFalse
        $m.Members.Count | Should -Be 4
        (Invoke-LabEtcdctl -Context $ctx -Endpoints $c4.ClientUrls -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }

    It 'an Add interrupted after member add (the process killed) is finished by the next Install-EtcdNode run' {
        $pwsh = (Get-Process -Id $PID).Path
        [string[]] $pre = if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
        $inventory = Join-Path (New-TestDirectory) 'c4.yml'
        $c4 | Export-EtcdCluster -Path $inventory
        $script = "Import-Module '$ModulePath'; Import-EtcdCluster '$inventory' | Add-EtcdMember -Member @{ Name = 'lab5'; Address = '$($hosts[4].Address)' } -CertificateSet (Import-EtcdCertificateSet '$($pki.Path)') -Release (Save-EtcdRelease -Version 3.5.16 -BaseUrl '$($ctx.ReleaseBaseUrl)') -SshKeyPath '$($ctx.Lab.KeyPath)' -KnownHostsPath '$($ctx.Lab.KnownHostsPath)'"
        $p = Start-Process -FilePath $pwsh -ArgumentList ($pre + @('-NoProfile', '-NonInteractive', '-Command', $script)) -PassThru -RedirectStandardOutput (Join-Path (New-TestDirectory) 'out') -RedirectStandardError (Join-Path (New-TestDirectory) 'err')
        $deadline = [DateTime]::UtcNow.AddSeconds(60)
        while ([DateTime]::UtcNow -lt $deadline -and -not ((Get-Members).Members.Peer -contains "https://$($hosts[4].Address):2380")) { Start-Sleep -Milliseconds 50 }
        Stop-Process -Id $p.Id -Force
        (Get-Members).Members.Peer | Should -Contain "https://$($hosts[4].Address):2380"
        $r = $c5 | Install-EtcdNode -CertificateSet $pki -Release $release @ssh -WarningAction SilentlyContinue
        $m = Get-Members
        $m.Members.Count | Should -Be 5
        @($m.Members | Where-Object { $_.Learner -or -not $_.Name }).Count | Should -Be 0
        (Invoke-LabEtcdctl -Context $ctx -Endpoints $c5.ClientUrls -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }

    It 'the write load ran at 50 writes/s or more throughout, and not one acknowledged write was lost' {
        $report = Stop-EtcdWriteLoad $load -ReadEndpoint $c3.ClientUrls
        Write-Host ("write load: {0} acked, {1} lost, {2} errors, {3}/s over {4} s" -f $report.Acked, $report.Lost, $report.Errors, $report.Rate, $report.Seconds)
        $report.Failure | Should -BeNullOrEmpty
        $report.Lost | Should -Be 0 -Because ($report.LostKeys -join ', ')
        $report.Rate | Should -BeGreaterOrEqual 50
    }
}
