BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:Dir = New-TestDirectory
    $script:Members = @(
        @{ Name = 'm1'; Address = '127.0.3.1' }
        @{ Name = 'm2'; Address = '127.0.3.2' }
        @{ Name = 'm3'; Address = '127.0.3.3' })
    $script:Cluster = New-EtcdCluster -Name pki -Member $Members
    $script:Clean = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'clean')

    function Copy-Set([string] $Name) {
        $target = Join-Path $Dir $Name
        Copy-Item $Clean.Path $target -Recurse
        Import-EtcdCertificateSet $target
    }
}
AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Test-EtcdCertificateSet' {
    It 'finds nothing in a fresh set, from the pipeline either way' {
        Test-EtcdCertificateSet -CertificateSet $Clean -Cluster $Cluster | Should -BeNullOrEmpty
        $Clean | Test-EtcdCertificateSet -Cluster $Cluster | Should -BeNullOrEmpty
        $Cluster | Test-EtcdCertificateSet -CertificateSet $Clean | Should -BeNullOrEmpty
    }

    It 'finds a member address that is not in its peer SANs nor the server SANs' {
        $moved = New-EtcdCluster -Name pki -Member @($Members[0], $Members[1], @{ Name = 'm3'; Address = '127.0.3.9' })
        $findings = Test-EtcdCertificateSet $Clean -Cluster $moved
        @($findings).Count | Should -Be 2
        $peer = $findings | Where-Object Rule -eq 'PeerSanMissing'
        $peer.GetType().FullName | Should -Be 'EtcdOps.Findings.EtcdFinding'
        $peer.Severity | Should -Be 'Error'
        $peer.Target | Should -Be 'm3.pem'
        $peer.Key | Should -Be 'SubjectAlternativeName'
        $peer.Message | Should -BeLike '*127.0.3.9*New-EtcdCertificateSet*'
        ($findings | Where-Object Rule -eq 'ServerSanMissing').Target | Should -Be 'server.pem'
    }

    It 'finds a client certificate used as the server certificate' {
        $broken = Copy-Set 'client-as-server'
        Copy-Item $broken.ClientCertificatePath $broken.ServerCertificatePath -Force
        Copy-Item $broken.ClientKeyPath $broken.ServerKeyPath -Force
        $findings = Test-EtcdCertificateSet $broken -Cluster $Cluster
        $eku = $findings | Where-Object Rule -eq 'ExtendedKeyUsage'
        $eku.Target | Should -Be 'server.pem'
        $eku.Message | Should -BeLike '*lacks ServerAuth*incompatible key usage*'
        @($findings | Where-Object Rule -eq 'ServerSanMissing').Count | Should -Be 3
    }

    It 'finds expired certificates as errors' {
        # Issued 400 days ago through Core's internal factory (no cmdlet back-dates certificates), reached by reflection.
        $core = $Clean.GetType().Assembly
        $request = [Activator]::CreateInstance($core.GetType('EtcdOps.Pki.CertificateSetRequest'))
        $request.IssuedAtUtc = [datetime]::UtcNow.AddDays(-400)
        $request.ValidityDays = 365
        $pending = $core.GetType('EtcdOps.Pki.CertificateSetFactory').GetMethod('Create').Invoke($null, @($Cluster.psobject.BaseObject, $request.psobject.BaseObject, [Threading.CancellationToken]::None))
        $old = $pending.WriteTo((Join-Path $Dir 'expired'), $false)
        & openssl x509 -in $old.ServerCertificatePath -noout -checkend 0 | Out-Null
        $LASTEXITCODE | Should -Be 1 -Because 'openssl agrees the certificate has expired'
        $findings = Test-EtcdCertificateSet $old -Cluster $Cluster
        @($findings | Where-Object { $_.Rule -eq 'Expired' -and $_.Severity -eq 'Error' }).Target | Sort-Object |
            Should -Be @('client.pem', 'm1.pem', 'm2.pem', 'm3.pem', 'server.pem')
    }

    It 'warns about certificates that expire within -WarningDays' {
        $soon = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'soon') -ValidityDays 10
        @(Test-EtcdCertificateSet $soon -WarningDays 30 | Where-Object { $_.Rule -eq 'Expiring' -and $_.Severity -eq 'Warning' }).Count | Should -Be 5
        Test-EtcdCertificateSet $soon -WarningDays 5 | Should -BeNullOrEmpty
    }

    It 'finds a certificate from a foreign CA and a key that does not match' {
        $broken = Copy-Set 'foreign'
        $other = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'other')
        Copy-Item $other.PeerCertificatePath('m1') $broken.PeerCertificatePath('m1') -Force
        Copy-Item $other.PeerKeyPath('m1') $broken.PeerKeyPath('m1') -Force
        Copy-Item $broken.PeerKeyPath('m3') $broken.PeerKeyPath('m2') -Force
        $findings = Test-EtcdCertificateSet $broken -Cluster $Cluster
        @($findings.Rule | Sort-Object) | Should -Be @('KeyMismatch', 'NotIssuedByCa')
        ($findings | Where-Object Rule -eq 'NotIssuedByCa').Target | Should -Be 'm1.pem'
        ($findings | Where-Object Rule -eq 'KeyMismatch').Target | Should -Be 'm2-key.pem'
        # openssl gives the same verdict.
        & openssl verify -CAfile $broken.CaCertificatePath $broken.PeerCertificatePath('m1') 2>&1 | Out-Null
        $LASTEXITCODE | Should -Not -Be 0
    }

    It 'warns about a key file others can read' {
        $broken = Copy-Set 'mode'
        & chmod 644 $broken.ServerKeyPath
        $finding = Test-EtcdCertificateSet $broken
        $finding.Rule | Should -Be 'KeyFileMode'
        $finding.Severity | Should -Be 'Warning'
        $finding.Message | Should -BeLike '*chmod 600*'
    }

    It 'shows findings as a table with severity, rule, target, key and message' {
        $moved = New-EtcdCluster -Name pki -Member @($Members[0], $Members[1], @{ Name = 'm3'; Address = '127.0.3.9' })
        $table = Test-EtcdCertificateSet $Clean -Cluster $moved | Format-Table | Out-String -Width 200
        $table | Should -Match 'Severity\s+Rule\s+Target\s+Key\s+Message'
        $table | Should -Match 'Error\s+PeerSanMissing\s+m3\.pem'
    }
}
