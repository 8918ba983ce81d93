BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
    . "$PSScriptRoot/tools/WriteLoad.ps1"
}

Describe 'Update-EtcdCertificate' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        # A copy of the lab's set is renewed, so the shared set stays as the other test files expect it.
        $work = New-TestDirectory
        Copy-Item $ctx.Pki.Path (Join-Path $work 'pki') -Recurse
        $set = Import-EtcdCertificateSet -Path (Join-Path $work 'pki')
        function Get-Serial([string] $File) { ((& openssl x509 -in $File -noout -serial) -replace '^serial=', '').TrimStart('0') }
        # What a TLS client sees on a port: openssl's verdict, not ours.
        function Get-ServedSerial([string] $Address, [int] $Port) {
            ((& bash -c "openssl s_client -connect ${Address}:$Port </dev/null 2>/dev/null | openssl x509 -noout -serial") -replace '^serial=', '').TrimStart('0')
        }
    }
    AfterAll {
        # Put the lab set's own leaves back (files only: no restart).
        Initialize-LabCluster -Context $ctx
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It '-WhatIf changes no file on the workstation or a host' {
        $before = Get-Serial $set.ServerCertificatePath
        $ctx.Cluster | Update-EtcdCertificate -CertificateSet $set @ssh -WhatIf
        Get-Serial $set.ServerCertificatePath | Should -Be $before
        Get-ChildItem $work -Filter 'pki.backup-*' | Should -BeNullOrEmpty
        Get-ServedSerial $ctx.Lab.Hosts[0].Address 2379 | Should -Be $before
    }

    It 'renews every leaf from the same CA, and every member serves them at once without a restart' {
        $ids = Get-LabInvocationId -Context $ctx
        $old = @{ server = Get-Serial $set.ServerCertificatePath; client = Get-Serial $set.ClientCertificatePath }
        $load = Start-EtcdWriteLoad -Endpoint $ctx.Cluster.ClientUrls -CertificateSet $ctx.Pki
        try { Start-Sleep -Seconds 1; $renewed = $ctx.Cluster | Update-EtcdCertificate -CertificateSet $set @ssh -Confirm:$false; Start-Sleep -Seconds 1 }
        finally { $report = Stop-EtcdWriteLoad $load }
        Write-Host "write load through the renewal: $($report.Acked) acked, $($report.Lost) lost, $($report.Errors) errors"
        $report.Lost | Should -Be 0
        $report.Errors | Should -Be 0 -Because 'writes keep succeeding while the leaves change'
        $report.Acked | Should -BeGreaterThan 50
        $renewed.Path | Should -Be $set.Path
        $new = Get-Serial $renewed.ServerCertificatePath
        $new | Should -Not -Be $old.server
        Get-Serial $renewed.ClientCertificatePath | Should -Not -Be $old.client
        & openssl verify -CAfile $renewed.CaCertificatePath $renewed.ServerCertificatePath $renewed.ClientCertificatePath | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'openssl: the new leaves chain to the same CA'
        foreach ($h in $ctx.Lab.Hosts) {
            Get-ServedSerial $h.Address 2379 | Should -Be $new -Because "$($h.Name)'s client port"
            Get-ServedSerial $h.Address 2380 | Should -Be (Get-Serial $renewed.PeerCertificatePath($h.Name)) -Because "$($h.Name)'s peer port"
            (Invoke-LabSsh -Lab $ctx.Lab -HostName $h.Name -Command "stat -c '%a %U' /etc/etcd/server-key.pem /etc/etcd/$($h.Name)-key.pem").Output -split "`n" |
                Where-Object { $_ } | ForEach-Object { $_.Trim() | Should -Be '600 etcd' }
        }
        $after = Get-LabInvocationId -Context $ctx
        foreach ($k in $ids.Keys) { $after[$k] | Should -Be $ids[$k] -Because "$k must not restart" }
        # The new client certificate works against the cluster, and the old files are kept.
        $env:ETCDCTL_API = '3'
        & $ctx.Etcdctl "--endpoints=$($ctx.Cluster.ClientUrls -join ',')" "--cacert=$($renewed.CaCertificatePath)" "--cert=$($renewed.ClientCertificatePath)" "--key=$($renewed.ClientKeyPath)" endpoint health 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        $backup = Get-ChildItem $work -Directory -Filter 'pki.backup-*' | Select-Object -First 1
        $backup | Should -Not -BeNullOrEmpty
        Get-Serial (Join-Path $backup.FullName 'server.pem') | Should -Be $old.server
        Test-Path (Join-Path $backup.FullName 'ca-key.pem') | Should -BeFalse -Because 'the CA is not replaced, so its key is not copied around'
    }

    It 'renews only the roles asked for' {
        $server = Get-Serial $set.ServerCertificatePath
        $peer = Get-Serial $set.PeerCertificatePath($ctx.Lab.Hosts[0].Name)
        $renewed = $ctx.Cluster | Update-EtcdCertificate -CertificateSet $set -Role Peer @ssh -Confirm:$false
        Get-Serial $renewed.ServerCertificatePath | Should -Be $server
        $newPeer = Get-Serial $renewed.PeerCertificatePath($ctx.Lab.Hosts[0].Name)
        $newPeer | Should -Not -Be $peer
        Get-ServedSerial $ctx.Lab.Hosts[0].Address 2380 | Should -Be $newPeer
        (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }
}

Describe 'Update-EtcdCertificate -NewAuthority' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        $spares = @($ctx.SpareHosts | Select-Object -First 3)
        $cluster = New-EtcdCluster -Name rotation -Version 3.5.16 -Member @($spares | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
        $work = New-TestDirectory
        $pki = $cluster | New-EtcdCertificateSet -Path (Join-Path $work 'pki')
        $inventory = Join-Path $work 'rotation.yml'
        $cluster | Export-EtcdCluster -Path $inventory
        $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue | Out-Null
        $cluster | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop | Out-Null
        $oldCa = (Get-FileHash $pki.CaCertificatePath).Hash
        $oldSet = Join-Path $work 'old-pki'
        Copy-Item $pki.Path $oldSet -Recurse
        function Invoke-Ctl([string] $Ca, [string] $Cert, [string] $Key, [string[]] $Arguments) {
            $env:ETCDCTL_API = '3'
            $out = & $ctx.Etcdctl "--endpoints=$($cluster.ClientUrls -join ',')" "--cacert=$Ca" "--cert=$Cert" "--key=$Key" '--dial-timeout=3s' '--command-timeout=5s' @Arguments 2>&1
            [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
        }
        # openssl's verdict on the chain a port presents, against one CA file.
        function Test-ServedChain([string] $Address, [int] $Port, [string] $Ca) {
            $out = & bash -c "sleep 1 | openssl s_client -connect ${Address}:$Port -CAfile '$Ca' 2>&1"
            ($out | Out-String) -match 'Verify return code: 0 \(ok\)'
        }
    }
    AfterAll {
        $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue | Out-Null
        Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
    }

    It '-WhatIf stages nothing and restarts nothing' {
        $ids = Get-LabInvocationId -Context $ctx -HostName $spares.Name
        $cluster | Update-EtcdCertificate -CertificateSet $pki -NewAuthority @ssh -WhatIf
        Test-Path "$($pki.Path).rotation" | Should -BeFalse
        (Get-FileHash $pki.CaCertificatePath).Hash | Should -Be $oldCa
        $after = Get-LabInvocationId -Context $ctx -HostName $spares.Name
        foreach ($k in $ids.Keys) { $after[$k] | Should -Be $ids[$k] }
    }

    It 'moves every member to a new CA with writes acknowledged throughout and none lost; old-CA clients are refused at the end' {
        $staging = "$($pki.Path).rotation"
        $job = Start-ThreadJob -ScriptBlock {
            param($ModulePath, $Inventory, $Pki, $Key, $KnownHosts)
            Import-Module $ModulePath
            Import-EtcdCluster $Inventory | Update-EtcdCertificate -CertificateSet (Import-EtcdCertificateSet $Pki) -NewAuthority -SshKeyPath $Key -KnownHostsPath $KnownHosts -Confirm:$false
        } -ArgumentList $ModulePath, $inventory, $pki.Path, $ctx.Lab.KeyPath, $ctx.Lab.KnownHostsPath
        $loads = @()
        try {
            # Clients as an operator would move them: the old client certificate while members may trust only the old CA,
            # then the new one before the last step; both trust the bundle of the two CAs.
            $deadline = [DateTime]::UtcNow.AddSeconds(60)
            while (-not (Test-Path "$staging/rotation.state") -and $job.State -in 'NotStarted', 'Running' -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
            $bundle = Join-Path $work 'bundle.pem'
            Copy-Item "$staging/ca-bundle.pem" $bundle
            $loads += Start-EtcdWriteLoad -Endpoint $cluster.ClientUrls -CertificateSet ([pscustomobject]@{ CaCertificatePath = $bundle; ClientCertificatePath = $pki.ClientCertificatePath; ClientKeyPath = $pki.ClientKeyPath }) -Rate 30
            $newClient = Join-Path $work 'new-client'
            while (-not ((Test-Path "$staging/rotation.state") -and (Get-Content "$staging/rotation.state" -Raw) -match 'phase=TrustNew') -and $job.State -in 'NotStarted', 'Running' -and [DateTime]::UtcNow -lt $deadline.AddSeconds(60)) { Start-Sleep -Milliseconds 100 }
            New-Item -ItemType Directory $newClient | Out-Null
            Copy-Item "$staging/client.pem", "$staging/client-key.pem" $newClient
            $loads += Start-EtcdWriteLoad -Endpoint $cluster.ClientUrls -CertificateSet ([pscustomobject]@{ CaCertificatePath = $bundle; ClientCertificatePath = "$newClient/client.pem"; ClientKeyPath = "$newClient/client-key.pem" }) -Rate 30
            $rotated = $job | Wait-Job -Timeout 300 | Receive-Job
            $job.State | Should -Be 'Completed' -Because ($job.ChildJobs[0].Error | Out-String)
            Start-Sleep -Seconds 1
        }
        finally {
            $reports = foreach ($l in $loads) {
                # Read the keys back with the new CA's client: the old one is refused now.
                $l.CertificateSet = [pscustomobject]@{ CaCertificatePath = $bundle; ClientCertificatePath = "$($pki.Path)/client.pem"; ClientKeyPath = "$($pki.Path)/client-key.pem" }
                Stop-EtcdWriteLoad $l
            }
            $job | Remove-Job -Force -ErrorAction SilentlyContinue
        }
        foreach ($r in $reports) { Write-Host "write load: $($r.Acked) acked, $($r.Lost) lost, $($r.Errors) errors"; $r.Lost | Should -Be 0 }
        @($reports).Count | Should -Be 2
        $reports[0].Acked | Should -BeGreaterThan 50 -Because 'the old client wrote through the first steps'
        $reports[1].Acked | Should -BeGreaterThan 20 -Because 'the new client wrote through the last step'

        $rotated.Path | Should -Be $pki.Path
        (Get-FileHash $rotated.CaCertificatePath).Hash | Should -Not -Be $oldCa
        Test-Path $staging | Should -BeFalse
        $backup = @(Get-ChildItem $work -Directory -Filter 'pki.backup-*')[0]
        (Get-FileHash (Join-Path $backup.FullName 'ca.pem')).Hash | Should -Be $oldCa
        Test-Path (Join-Path $backup.FullName 'ca-key.pem') | Should -BeTrue
        foreach ($h in $spares) {
            foreach ($port in 2379, 2380) {
                Test-ServedChain $h.Address $port $rotated.CaCertificatePath | Should -BeTrue -Because "$($h.Name):$port serves a certificate of the new CA"
                Test-ServedChain $h.Address $port (Join-Path $oldSet 'ca.pem') | Should -BeFalse -Because "$($h.Name):$port no longer serves one of the old CA"
            }
            (Invoke-LabSsh -Lab $ctx.FullLab -HostName $h.Name -Command 'cat /etc/etcd/ca.pem').Output.Trim() | Should -Be (Get-Content $rotated.CaCertificatePath -Raw).Trim()
        }
        (Invoke-Ctl $rotated.CaCertificatePath $rotated.ClientCertificatePath $rotated.ClientKeyPath 'endpoint', 'health').ExitCode | Should -Be 0
        (Invoke-Ctl $rotated.CaCertificatePath (Join-Path $oldSet 'client.pem') (Join-Path $oldSet 'client-key.pem') 'put', 'old-ca', 'refused').ExitCode | Should -Not -Be 0
        # The hosts and the set agree: a deploy with the rotated set changes nothing.
        $cluster | Install-EtcdNode -CertificateSet $rotated -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh | ForEach-Object { $_.Changed | Should -BeFalse -Because ($_.Changes -join ', ') }
    }
}
