# Restore-EtcdSnapshot on real systemd hosts of the lab, checked as an operator would: etcdctl's keys, cluster ID,
# member list and health; etcdutl's view of the file; systemd's InvocationIDs; the data dirs on the hosts.
# The shared cluster "lab" (hosts 1-3) is only read from (a snapshot) and refused on; every restore runs on the
# spare hosts (4-6), so the shared cluster keeps its identity for the files after this one.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
    . "$PSScriptRoot/tools/WriteLoad.ps1"
}

Describe 'Restore-EtcdSnapshot' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        $spare = @($ctx.SpareHosts)
        if ($spare.Count -lt 3) { throw "These tests need six lab hosts (Lab.ps1 -HostCount 6); the lab has $($ctx.FullLab.Hosts.Count)." }
        Initialize-LabCluster -Context $ctx
        $work = New-TestDirectory
        $copy = New-EtcdCluster -Name lab-copy -Version 3.5.16 -Member @($spare | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
        $copyPki = $copy | New-EtcdCertificateSet -Path (Join-Path $work 'pki') -CaCertificatePath $ctx.Pki.CaCertificatePath -CaKeyPath $ctx.Pki.CaKeyPath
        # The spare hosts start bare: no etcd, no data (the restore prepares them as Install-EtcdNode does).
        $copy | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
        foreach ($h in $spare) { $null = Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'rm -rf /var/lib/etcd.before-restore-* /var/lib/etcd.restoring* /var/lib/etcd-snapshots' }
        $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl $ctx.ReleaseBaseUrl
        $etcdutl = Get-EtcdBinary -Version 3.5.16 -Name etcdutl

        function Invoke-Ctl([object] $Cluster, [object] $Pki, [string[]] $Arguments) {
            $env:ETCDCTL_API = '3'
            $out = & $ctx.Etcdctl "--endpoints=$($Cluster.ClientUrls -join ',')" "--cacert=$($Pki.CaCertificatePath)" "--cert=$($Pki.ClientCertificatePath)" "--key=$($Pki.ClientKeyPath)" '--dial-timeout=3s' '--command-timeout=10s' @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
        # Every key of the cluster, sorted (the whole keyspace: "exactly the snapshot's keys").
        function Get-Keys([object] $Cluster, [object] $Pki) {
            $r = Invoke-Ctl $Cluster $Pki @('get', '', '--from-key', '--keys-only')
            $r.ExitCode | Should -Be 0 -Because $r.Output
            @($r.Output -split "`n" | ForEach-Object Trim | Where-Object { $_ }) | Sort-Object
        }
        function Get-ClusterId([object] $Cluster, [object] $Pki) {
            $r = Invoke-Ctl $Cluster $Pki @('member', 'list', '-w', 'json')
            $r.ExitCode | Should -Be 0 -Because $r.Output
            [regex]::Match($r.Output, '"cluster_id":(\d+)').Groups[1].Value
        }
        function Put-Big([object] $Cluster, [object] $Pki, [string] $Key) {
            $file = Join-Path $work 'big.bin'
            if (-not (Test-Path $file)) { $b = [byte[]]::new(1MB); [Random]::new(7).NextBytes($b); [IO.File]::WriteAllText($file, [Convert]::ToBase64String($b).Substring(0, 1000000)) }
            & bash -c "'$($ctx.Etcdctl)' --endpoints=$($Cluster.ClientUrls[0]) --cacert='$($Pki.CaCertificatePath)' --cert='$($Pki.ClientCertificatePath)' --key='$($Pki.ClientKeyPath)' put '$Key' < '$file'" | Out-Null
            $LASTEXITCODE | Should -Be 0
        }
        function Assert-Healthy([object] $Cluster, [object] $Pki) {
            $r = Invoke-Ctl $Cluster $Pki @('endpoint', 'health')
            $r.ExitCode | Should -Be 0 -Because $r.Output
            ([regex]::Matches($r.Output, 'is healthy')).Count | Should -Be $Cluster.Members.Count
        }
        function Get-Ids { Get-LabInvocationId -Context $ctx -HostName $spare.Name }

        # Data on the shared cluster: two values of ~1 MB and what the write load got acknowledged; then the snapshot.
        Invoke-Ctl $ctx.Cluster $ctx.Pki @('del', 'restore-test/', '--prefix') | Out-Null
        Put-Big $ctx.Cluster $ctx.Pki 'restore-test/big/1'
        Put-Big $ctx.Cluster $ctx.Pki 'restore-test/big/2'
        $load = Start-EtcdWriteLoad -Endpoint $ctx.Cluster.ClientUrls -CertificateSet $ctx.Pki -Prefix 'restore-test/load/'
        Start-Sleep -Seconds 3
        $loadReport = Stop-EtcdWriteLoad $load
        $acked = @($load.State.Acked.ToArray())
        $snap = $ctx.Cluster | Save-EtcdSnapshot -CertificateSet $ctx.Pki -Path $work
        $snapKeys = Get-Keys $ctx.Cluster $ctx.Pki
        $labId = Get-ClusterId $ctx.Cluster $ctx.Pki
    }

    AfterAll {
        if ($copy) { $copy | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue }
        if ($ctx) { Invoke-Ctl $ctx.Cluster $ctx.Pki @('del', 'restore-test/', '--prefix') | Out-Null }
        if ($work) { Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue }
    }

    It 'the snapshot holds the write load''s acknowledged keys, and etcdutl reports the revision the object reports' {
        $loadReport.Lost | Should -Be 0
        $acked.Count | Should -BeGreaterThan 50
        foreach ($k in $acked) { $snapKeys | Should -Contain $k }
        $status = (& $etcdutl snapshot status $snap.Path -w json 2>$null) | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $status.revision | Should -Be $snap.Revision
    }

    It 'refuses <Case> before any host is touched: same InvocationIDs, same data' -TestCases @(
        @{ Case = 'a snapshot with one byte flipped'; Damage = { param($f) $f.Position = 4096; $b = $f.ReadByte(); $f.Position = 4096; $f.WriteByte($b -bxor 0x01) } }
        @{ Case = 'a truncated snapshot'; Damage = { param($f) $f.SetLength($f.Length - 1000) } }
    ) {
        param($Case, $Damage)
        $bad = Join-Path $work ('bad-' + [guid]::NewGuid().ToString('N').Substring(0, 6) + '.db')
        Copy-Item $snap.Path $bad
        Copy-Item $snap.MetadataPath "$bad.json"
        $f = [IO.File]::Open($bad, 'Open', 'ReadWrite')
        try { & $Damage $f } finally { $f.Dispose() }
        $before = Get-LabInvocationId -Context $ctx
        $err = $null
        try { $ctx.Cluster | Restore-EtcdSnapshot -Path $bad -CertificateSet $ctx.Pki @ssh -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'SnapshotCorrupt,*'
        $err.Exception.Message | Should -Match 'No host was touched'
        $after = Get-LabInvocationId -Context $ctx
        foreach ($k in $before.Keys) { $after[$k] | Should -Be $before[$k] }
        Get-Keys $ctx.Cluster $ctx.Pki | Should -Be $snapKeys
        (Invoke-LabSsh -Lab $ctx.FullLab -HostName $ctx.Lab.Hosts[0].Name -Command 'ls -d /var/lib/etcd.before-restore-* /var/lib/etcd.restoring* 2>/dev/null | wc -l').Output | Should -Be '0'
    }

    It '-WhatIf prints each host''s plan and changes nothing' {
        $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$c = New-EtcdCluster -Name lab-copy -Version 3.5.16 -Member @($(($spare | ForEach-Object { "@{ Name = '$($_.Name)'; Address = '$($_.Address)' }" }) -join ', ')) -WarningAction SilentlyContinue
`$c | Restore-EtcdSnapshot -Path '$($snap.Path)' -CertificateSet (Import-EtcdCertificateSet '$($copyPki.Path)') -SshKeyPath '$($ctx.Lab.KeyPath)' -KnownHostsPath '$($ctx.Lab.KnownHostsPath)' -WhatIf
"@
        foreach ($h in $spare) { $r.Output | Should -Match "$([regex]::Escape($h.Name)) \(" }
        $r.Output | Should -Match 'etcdutl snapshot restore'
        $r.Output | Should -Match 'install etcd 3\.5\.16'
        foreach ($h in $spare) {
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'test -e /usr/local/bin/etcd || test -e /var/lib/etcd.restoring.db && echo present || echo absent').Output | Should -Be 'absent'
        }
    }

    It 'onto the three spare hosts (no etcd there yet): a second cluster with exactly the snapshot''s keys and its own cluster ID' {
        $clock = [Diagnostics.Stopwatch]::StartNew()
        $script:restored = $copy | Restore-EtcdSnapshot -Path $snap.Path -CertificateSet $copyPki -Release $release @ssh -Confirm:$false
        Write-Host "Restore-EtcdSnapshot onto 3 bare hosts: $([Math]::Round($clock.Elapsed.TotalSeconds, 2)) s"
        $restored.Token | Should -Not -Be $copy.Token
        $restored.Members.Name | Should -Be $copy.Members.Name
        Assert-Healthy $restored $copyPki
        Get-Keys $restored $copyPki | Should -Be $snapKeys
        (Invoke-Ctl $restored $copyPki @('get', 'restore-test/big/2', '--print-value-only')).Output.Trim().Length | Should -Be 1000000
        $script:copyId = Get-ClusterId $restored $copyPki
        $copyId | Should -Not -Be $labId
        foreach ($h in $spare) {
            $state = (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command "stat -c '%a %U %G' /var/lib/etcd; grep '^initial-cluster-state:' /etc/etcd/conf.yml; grep '^initial-cluster-token:' /etc/etcd/conf.yml; ls /var/lib/etcd.restoring* 2>/dev/null | wc -l").Output -split "`n"
            $state[0] | Should -Be '700 etcd etcd'
            $state[1] | Should -Be 'initial-cluster-state: existing'
            $state[2] | Should -Be "initial-cluster-token: $($restored.Token)"
            $state[3] | Should -Be '0' -Because 'the marker and the staged copy are removed once the restore is done'
        }
        # The shared cluster is untouched.
        Get-ClusterId $ctx.Cluster $ctx.Pki | Should -Be $labId
    }

    It 'in place, after keys were deleted and added: exactly the snapshot''s keys, every acknowledged write, a new cluster ID, the old data dir kept beside' {
        $load2 = Start-EtcdWriteLoad -Endpoint $restored.ClientUrls -CertificateSet $copyPki -Prefix 'restore-test/load2/'
        Start-Sleep -Seconds 2
        $report = Stop-EtcdWriteLoad $load2
        $report.Lost | Should -Be 0
        $acked2 = @($load2.State.Acked.ToArray())
        $script:snap2 = $restored | Save-EtcdSnapshot -CertificateSet $copyPki -Path (Join-Path $work 'copy.db')
        $script:keys2 = Get-Keys $restored $copyPki
        # After the snapshot: deletions and new keys, none of which may survive the restore.
        (Invoke-Ctl $restored $copyPki @('del', 'restore-test/big/1')).ExitCode | Should -Be 0
        (Invoke-Ctl $restored $copyPki @('del', 'restore-test/load/', '--prefix')).ExitCode | Should -Be 0
        $txn = "`n" + ((1..20 | ForEach-Object { "put restore-test/after/$_ x" }) -join "`n") + "`n`n"
        $txn | & $ctx.Etcdctl "--endpoints=$($restored.ClientUrls[0])" "--cacert=$($copyPki.CaCertificatePath)" "--cert=$($copyPki.ClientCertificatePath)" "--key=$($copyPki.ClientKeyPath)" txn | Out-Null
        $LASTEXITCODE | Should -Be 0
        @(Get-Keys $restored $copyPki | Where-Object { $_ -like 'restore-test/after/*' }).Count | Should -Be 20
        $idBefore = Get-ClusterId $restored $copyPki
        $ids = Get-Ids

        $clock = [Diagnostics.Stopwatch]::StartNew()
        $script:restored2 = $restored | Restore-EtcdSnapshot -Snapshot (Get-EtcdSnapshot $snap2.Path) -CertificateSet $copyPki @ssh -Confirm:$false
        Write-Host "Restore-EtcdSnapshot of 3 running members in place: $([Math]::Round($clock.Elapsed.TotalSeconds, 2)) s"
        Assert-Healthy $restored2 $copyPki
        $keys = Get-Keys $restored2 $copyPki
        $keys | Should -Be $keys2
        foreach ($k in $acked2 + $acked) { $keys | Should -Contain $k }
        @($keys | Where-Object { $_ -like 'restore-test/after/*' }).Count | Should -Be 0
        $newId = Get-ClusterId $restored2 $copyPki
        $newId | Should -Not -Be $idBefore
        $after = Get-Ids
        foreach ($k in $ids.Keys) { $after[$k] | Should -Not -Be $ids[$k] -Because 'every member was stopped and started again' }
        foreach ($h in $spare) {
            $aside = (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'ls -d /var/lib/etcd.before-restore-*/member').Output -split "`n"
            $aside.Count | Should -Be 1
            $aside[0] | Should -Match '^/var/lib/etcd\.before-restore-\d{8}T\d{6}Z/member$'
        }
    }

    It 'refuses a snapshot on a member''s host whose file changed, before any member is stopped' {
        $holder = $spare[0].Name
        $bytes = [IO.File]::ReadAllBytes($snap2.Path)
        $bytes[2000] = $bytes[2000] -bxor 0x01
        (Invoke-LabSsh -Lab $ctx.FullLab -HostName $holder -Command 'mkdir -p /var/lib/etcd-snapshots && base64 -d > /var/lib/etcd-snapshots/bad.db' -InputText ([Convert]::ToBase64String($bytes))).ExitCode | Should -Be 0
        $remote = [EtcdOps.Snapshot.EtcdSnapshot]@{ Path = '/var/lib/etcd-snapshots/bad.db'; Member = $holder; Size = $snap2.Size; Sha256 = $snap2.Sha256; Revision = $snap2.Revision; EtcdVersion = '3.5.16' }
        $ids = Get-Ids
        $err = $null
        try { $restored2 | Restore-EtcdSnapshot -Snapshot $remote -CertificateSet $copyPki @ssh -Confirm:$false -ErrorAction Stop } catch { $err = $_ }
        "$($err.FullyQualifiedErrorId)" | Should -BeLike 'SnapshotCorrupt,*'
        $err.Exception.Message | Should -Match 'trailer'
        $after = Get-Ids
        foreach ($k in $ids.Keys) { $after[$k] | Should -Be $ids[$k] }
    }

    It 'after quorum loss (two members stopped, their data dirs deleted), from a snapshot on the third member''s host, with -BumpRevision -MarkCompacted' {
        $holder = $spare[0].Name
        (Invoke-LabSsh -Lab $ctx.FullLab -HostName $holder -Command 'base64 -d > /var/lib/etcd-snapshots/copy.db' -InputText ([Convert]::ToBase64String([IO.File]::ReadAllBytes($snap2.Path)))).ExitCode | Should -Be 0
        foreach ($h in $spare[1..2]) { (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'systemctl stop etcd && rm -rf /var/lib/etcd').ExitCode | Should -Be 0 }
        (Invoke-Ctl $restored2 $copyPki @('put', 'restore-test/lost', 'x', '--command-timeout=2s')).ExitCode | Should -Not -Be 0 -Because 'the cluster has lost quorum'
        $remote = [EtcdOps.Snapshot.EtcdSnapshot]@{ Path = '/var/lib/etcd-snapshots/copy.db'; Member = $holder; Revision = $snap2.Revision; EtcdVersion = '3.5.16' }

        $script:back = $restored2 | Restore-EtcdSnapshot -Snapshot $remote -CertificateSet $copyPki -BumpRevision 1000 -MarkCompacted @ssh -Confirm:$false
        Assert-Healthy $back $copyPki
        Get-Keys $back $copyPki | Should -Be $keys2
        $status = (Invoke-Ctl $back $copyPki @('endpoint', 'status', '-w', 'json')).Output | ConvertFrom-Json
        @($status)[0].Status.header.revision | Should -BeGreaterOrEqual ($snap2.Revision + 1000)
        $old = Invoke-Ctl $back $copyPki @('get', 'restore-test/big/2', "--rev=$($snap2.Revision)")
        $old.Output | Should -Match 'compacted'
        (Invoke-LabSsh -Lab $ctx.FullLab -HostName $holder -Command 'test -f /var/lib/etcd-snapshots/copy.db && echo kept').Output | Should -Be 'kept'
    }

    It 'a re-run after an interruption (members stopped after their restore, markers left) continues: same token, nothing moved aside or restored again' {
        # What a run stopped after the restore step leaves: every member restored and stopped, its marker beside the data dir.
        (Invoke-Ctl $back $copyPki @('put', 'restore-test/written-after-restore', 'kept')).ExitCode | Should -Be 0
        $marker = "snapshot=$($snap2.Sha256)`ntoken=$($back.Token)`ninitial-cluster=$($back.InitialCluster)`n"
        $asideBefore = @{}
        foreach ($h in $spare) {
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'systemctl stop etcd && cat > /var/lib/etcd.restoring' -InputText $marker).ExitCode | Should -Be 0
            $asideBefore[$h.Name] = (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'ls -d /var/lib/etcd.before-restore-* | wc -l').Output
        }
        $remote = [EtcdOps.Snapshot.EtcdSnapshot]@{ Path = '/var/lib/etcd-snapshots/copy.db'; Member = $spare[0].Name; EtcdVersion = '3.5.16' }
        $again = $back | Restore-EtcdSnapshot -Snapshot $remote -CertificateSet $copyPki -BumpRevision 1000 -MarkCompacted @ssh -Confirm:$false
        $again.Token | Should -Be $back.Token
        Assert-Healthy $again $copyPki
        (Invoke-Ctl $again $copyPki @('get', 'restore-test/written-after-restore', '--print-value-only')).Output.Trim() | Should -Be 'kept' -Because 'the restored data dirs were kept, not restored again'
        foreach ($h in $spare) {
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'ls -d /var/lib/etcd.before-restore-* | wc -l').Output | Should -Be $asideBefore[$h.Name]
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'ls /var/lib/etcd.restoring* 2>/dev/null | wc -l; grep ^initial-cluster-state: /etc/etcd/conf.yml').Output | Should -Be "0`ninitial-cluster-state: existing"
        }
    }
}
