BeforeDiscovery { $script:HasCfssl = [bool](Get-Command cfssl -ErrorAction SilentlyContinue) }

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:Members = @(
        @{ Name = 'm1'; Address = '127.0.3.1' }
        @{ Name = 'm2'; Address = '127.0.3.2' }
        @{ Name = 'm3'; Address = '127.0.3.3' })
    $script:Cluster = New-EtcdCluster -Name pki -Member $Members
}

Describe 'Import-EtcdCertificateSet' {
    BeforeAll { $script:Dir = New-TestDirectory }
    AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'imports a set made with cfssl as in the manual guide; Test-EtcdCertificateSet finds only its open peer port' -Skip:(-not $HasCfssl) {
        $cfssl = Join-Path $Dir 'cfssl'
        & bash (Join-Path $PSScriptRoot 'tools/new-cfssl-pki.sh') $cfssl @($Members | ForEach-Object { "$($_.Name)=$($_.Address)" }) | Out-Null
        $LASTEXITCODE | Should -Be 0
        $pki = Import-EtcdCertificateSet -Path $cfssl
        $pki.GetType().FullName | Should -Be 'EtcdOps.Pki.EtcdCertificateSet'
        $pki.PeerNames | Should -Be @('m1', 'm2', 'm3')
        $pki.CaKeyPath | Should -Be (Join-Path $cfssl 'ca-key.pem')
        @($pki.Certificates.Role) | Should -Be @('CA', 'Server', 'Peer', 'Peer', 'Peer', 'Client')
        @($pki.Certificates.KeyAlgorithm | Select-Object -Unique) | Should -Be 'Rsa2048'
        $pki.GetCertificate('Peer', 'm2').IPAddresses | Should -Contain '127.0.3.2'
        # cfssl gives each peer its own CN, so etcd cannot tell a peer from the client certificate on port 2380.
        $findings = @(Test-EtcdCertificateSet -CertificateSet $pki -Cluster $Cluster)
        $findings.Rule | Should -Be @('PeerPortOpenToCa')
        $findings[0].Severity | Should -Be 'Warning'
        $findings[0].Message | Should -BeLike '*client.pem included*different common names (m1: CN=m1, m2: CN=m2, m3: CN=m3)*'

        # The advised command keeps the CA (running members keep trusting it) and clears the finding.
        $findings[0].Message | Should -BeLike "*`$cluster | New-EtcdCertificateSet -Path '$cfssl' -Force*"
        $ca = Get-FileHash (Join-Path $cfssl 'ca.pem')
        $caKey = Get-FileHash (Join-Path $cfssl 'ca-key.pem')
        $cluster = $Cluster
        $fixed = $cluster | New-EtcdCertificateSet -Path $cfssl -Force
        (Get-FileHash (Join-Path $cfssl 'ca.pem')).Hash | Should -Be $ca.Hash
        (Get-FileHash (Join-Path $cfssl 'ca-key.pem')).Hash | Should -Be $caKey.Hash
        & openssl verify -CAfile (Join-Path $cfssl 'ca.pem') (Join-Path $cfssl 'm2.pem') | Should -Match ': OK$'
        Test-EtcdCertificateSet -CertificateSet $fixed -Cluster $Cluster | Should -BeNullOrEmpty
    }

    It 'imports what New-EtcdCertificateSet wrote, taking the directory from Get-Item' {
        $made = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'own')
        $pki = Get-Item $made.Path | Import-EtcdCertificateSet
        $pki.PeerNames | Should -Be $made.PeerNames
        @($pki.Certificates.Thumbprint) | Should -Be @($made.Certificates.Thumbprint)
    }

    It 'warns about a certificate without a key and does not take it as a peer' {
        $made = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'stray')
        Copy-Item $made.CaCertificatePath (Join-Path $made.Path 'old-ca.pem')
        $pki = Import-EtcdCertificateSet $made.Path -WarningVariable w -WarningAction SilentlyContinue
        $pki.PeerNames | Should -Not -Contain 'old-ca'
        "$w" | Should -BeLike '*old-ca.pem has no old-ca-key.pem*'
    }

    It 'names missing files and points to -ClientName' {
        $made = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'admin') -ClientName admin
        $err = $null
        try { Import-EtcdCertificateSet $made.Path -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'IncompleteCertificateSet,*'
        $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
        $err.Exception.Message | Should -BeLike '*client.pem*-ClientName*'
        (Import-EtcdCertificateSet $made.Path -ClientName admin).ClientCertificatePath | Should -Be (Join-Path $made.Path 'admin.pem')
    }

    It 'reports a missing directory and goes on with the next one' {
        $made = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'next')
        $sets = @((Join-Path $Dir 'nope'), $made.Path) | Import-EtcdCertificateSet -ErrorVariable e -ErrorAction SilentlyContinue
        @($sets).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'CertificateDirectoryNotFound,*'
    }
}
