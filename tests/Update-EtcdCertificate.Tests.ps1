BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
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
        $renewed = $ctx.Cluster | Update-EtcdCertificate -CertificateSet $set @ssh -Confirm:$false
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
