BeforeDiscovery { . "$PSScriptRoot/tools/LocalEtcd.ps1" }

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"

    # This file's own loopback block, so parallel runs of other areas never collide.
    $script:Members = @(
        @{ Name = 'm1'; Address = '127.0.3.1' }
        @{ Name = 'm2'; Address = '127.0.3.2' }
        @{ Name = 'm3'; Address = '127.0.3.3' })
    $script:Cluster = New-EtcdCluster -Name pki -Member $Members

    function Get-OpensslText([string] $Path) { (& openssl x509 -in $Path -noout -text) -join "`n" }
    function Get-FileMode([string] $Path) { (& stat -c '%a' $Path).Trim() }
    function Get-Sha([string] $Path) { (Get-FileHash $Path -Algorithm SHA256).Hash }
}

Describe 'New-EtcdCertificateSet' {
    BeforeAll {
        $script:Dir = New-TestDirectory
        $script:Pki = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'pki') -DnsName etcd.pki.example -IPAddress 127.0.3.20
    }
    AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'returns the set with its paths and parsed certificates' {
        $Pki.GetType().FullName | Should -Be 'EtcdOps.Pki.EtcdCertificateSet'
        $Pki.PeerNames | Should -Be @('m1', 'm2', 'm3')
        $Pki.ServerCertificatePath | Should -Be (Join-Path $Dir 'pki/server.pem')
        @($Pki.Certificates.Role) | Should -Be @('CA', 'Server', 'Peer', 'Peer', 'Peer', 'Client')
        @($Pki.Certificates.KeyAlgorithm | Select-Object -Unique) | Should -Be 'EcdsaP256'
    }

    It 'writes the cfssl layout with private keys 0600' {
        @(Get-ChildItem $Pki.Path -Force | Sort-Object Name).Name | Should -Be @(
            'ca-key.pem', 'ca.pem', 'client-key.pem', 'client.pem', 'm1-key.pem', 'm1.pem', 'm2-key.pem', 'm2.pem', 'm3-key.pem', 'm3.pem', 'server-key.pem', 'server.pem')
        foreach ($key in Get-ChildItem $Pki.Path -Filter '*-key.pem') { Get-FileMode $key.FullName | Should -Be '600' -Because $key.Name }
        Get-FileMode $Pki.Path | Should -Be '700'
    }

    It 'passes openssl verify for every leaf, for the purpose it serves' {
        $ca = $Pki.CaCertificatePath
        $servers = @($Pki.ServerCertificatePath) + @($Pki.PeerNames | ForEach-Object { $Pki.PeerCertificatePath($_) })
        $out = & openssl verify -x509_strict -purpose sslserver -CAfile $ca @servers 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
        @($out | Where-Object { $_ -like '*: OK' }).Count | Should -Be 4
        $out = & openssl verify -x509_strict -purpose sslclient -CAfile $ca $Pki.ClientCertificatePath @servers 2>&1
        $LASTEXITCODE | Should -Be 0 -Because ($out -join "`n")
    }

    It 'makes a CA with CA:TRUE (critical), Certificate Sign and CRL Sign and no extended key usage' {
        $text = Get-OpensslText $Pki.CaCertificatePath
        $text | Should -Match 'X509v3 Basic Constraints: critical\s+CA:TRUE'
        $text | Should -Match 'X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign\s'
        $text | Should -Not -Match 'Extended Key Usage'
        $text | Should -Match 'X509v3 Subject Key Identifier'
    }

    It 'gives the server certificate every member, the extras and loopback' {
        $text = Get-OpensslText $Pki.ServerCertificatePath
        $text | Should -Match 'TLS Web Server Authentication, TLS Web Client Authentication'
        $text | Should -Match ([regex]::Escape('IP Address:127.0.3.1, IP Address:127.0.3.2, IP Address:127.0.3.3, DNS:m1, DNS:m2, DNS:m3, DNS:etcd.pki.example, IP Address:127.0.3.20, DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1'))
        $text | Should -Match 'X509v3 Key Usage: critical\s+Digital Signature\s'
        $text | Should -Match 'X509v3 Authority Key Identifier'
    }

    It 'gives each peer certificate only its own member and loopback' {
        $text = Get-OpensslText $Pki.PeerCertificatePath('m2')
        $text | Should -Match 'TLS Web Server Authentication, TLS Web Client Authentication'
        $text | Should -Match ([regex]::Escape('IP Address:127.0.3.2, DNS:m2, DNS:localhost, IP Address:127.0.0.1'))
        $text | Should -Not -Match '127\.0\.3\.1\b'
    }

    It 'gives the client certificate clientAuth only' {
        $text = Get-OpensslText $Pki.ClientCertificatePath
        $text | Should -Match 'Extended Key Usage:\s+TLS Web Client Authentication\s'
        $text | Should -Not -Match 'Server Authentication'
    }

    It 'backdates notBefore and uses a random 128-bit serial' {
        $notBefore = [datetime]::ParseExact(((& openssl x509 -in $Pki.ServerCertificatePath -noout -startdate) -replace 'notBefore=', '' -replace '\s+', ' '),
            'MMM d HH:mm:ss yyyy GMT', [cultureinfo]::InvariantCulture, 'AssumeUniversal,AdjustToUniversal')
        ([datetime]::UtcNow - $notBefore).TotalMinutes | Should -BeGreaterThan 4
        $serial = (& openssl x509 -in $Pki.ServerCertificatePath -noout -serial) -replace 'serial=', ''
        $serial.Length | Should -BeGreaterOrEqual 26
        $serial.Length | Should -BeLessOrEqual 32
    }

    It 'writes RSA keys with keyEncipherment that openssl reads' {
        $rsa = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'rsa') -KeyAlgorithm Rsa2048
        $text = Get-OpensslText $rsa.PeerCertificatePath('m1')
        $text | Should -Match 'Public-Key: \(2048 bit\)'
        $text | Should -Match 'X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment'
        & openssl pkey -in $rsa.PeerKeyPath('m1') -noout 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0
        & openssl verify -CAfile $rsa.CaCertificatePath $rsa.ServerCertificatePath | Out-Null
        $LASTEXITCODE | Should -Be 0
    }

    It 'writes nothing with -WhatIf' {
        $target = Join-Path $Dir 'whatif'
        $Cluster | New-EtcdCertificateSet -Path $target -WhatIf | Should -BeNullOrEmpty
        Test-Path $target | Should -BeFalse
    }

    It 'a re-run on its own folder writes nothing and returns the set; -Force re-issues every leaf from the same CA' {
        $copy = Join-Path $Dir 'rerun'
        Copy-Item $Pki.Path $copy -Recurse
        $before = @{}; Get-ChildItem $copy -File | ForEach-Object { $before[$_.Name] = Get-Sha $_.FullName }
        $again = $Cluster | New-EtcdCertificateSet -Path $copy
        $again.Path | Should -Be (Resolve-Path $copy).Path
        Get-ChildItem $copy -File | ForEach-Object { Get-Sha $_.FullName | Should -Be $before[$_.Name] -Because $_.Name }

        $verbose = $Cluster | New-EtcdCertificateSet -Path $copy -Force -Verbose 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }
        ($verbose.Message -join "`n") | Should -BeLike '*issued by the CA in the folder, which is kept*'
        Get-Sha (Join-Path $copy 'ca.pem') | Should -Be $before['ca.pem']
        Get-Sha (Join-Path $copy 'ca-key.pem') | Should -Be $before['ca-key.pem']
        foreach ($f in 'server.pem', 'm1.pem', 'm2.pem', 'm3.pem', 'client.pem') {
            Get-Sha (Join-Path $copy $f) | Should -Not -Be $before[$f]
            # openssl's verdict: the new leaves chain to the CA the members already have.
            & openssl verify -CAfile (Join-Path $Pki.Path 'ca.pem') (Join-Path $copy $f) | Should -Match ': OK$'
        }
    }

    It 'issues what a grown cluster needs from the folder''s CA without -Force: the new peer and a server certificate naming it, nothing else' {
        $copy = Join-Path $Dir 'grown'
        Copy-Item $Pki.Path $copy -Recurse
        $before = @{}; Get-ChildItem $copy -File | ForEach-Object { $before[$_.Name] = Get-Sha $_.FullName }
        $grown = New-EtcdCluster -Name pki -Member ($Members + @{ Name = 'm4'; Address = '127.0.3.4' }) -WarningAction SilentlyContinue
        $grown | New-EtcdCertificateSet -Path $copy -WhatIf | Should -BeNullOrEmpty
        Test-Path (Join-Path $copy 'm4.pem') | Should -BeFalse
        $set = $grown | New-EtcdCertificateSet -Path $copy -DnsName etcd.pki.example -IPAddress 127.0.3.20
        foreach ($f in 'ca.pem', 'ca-key.pem', 'm1.pem', 'm1-key.pem', 'm2.pem', 'm3.pem', 'client.pem', 'client-key.pem') {
            Get-Sha (Join-Path $copy $f) | Should -Be $before[$f] -Because "$f is still right"
        }
        Get-Sha (Join-Path $copy 'server.pem') | Should -Not -Be $before['server.pem']
        & openssl verify -CAfile (Join-Path $Pki.Path 'ca.pem') (Join-Path $copy 'm4.pem') (Join-Path $copy 'server.pem') | Should -Match ': OK$'
        Get-OpensslText (Join-Path $copy 'server.pem') | Should -Match 'IP Address:127\.0\.3\.4'
        Get-OpensslText (Join-Path $copy 'server.pem') | Should -Match 'DNS:etcd\.pki\.example'
        Get-FileMode (Join-Path $copy 'm4-key.pem') | Should -Be '600'
        $set.PeerCertificatePath('m4') | Should -Be (Join-Path (Resolve-Path $copy).Path 'm4.pem')
        ($set | Test-EtcdCertificateSet -Cluster $grown | Where-Object Severity -eq 'Error') | Should -BeNullOrEmpty
    }

    It 'refuses to replace existing files with a new CA or another CA without -Force' {
        $copy = Join-Path $Dir 'other-ca'
        Copy-Item $Pki.Path $copy -Recurse
        $server = Get-Sha (Join-Path $copy 'server.pem')
        $err = $null
        try { $Cluster | New-EtcdCertificateSet -Path $copy -NewAuthority -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'CertificateFilesExist,*'
        $err.CategoryInfo.Category | Should -Be 'ResourceExists'
        $err.Exception.Message | Should -BeLike '*-Force*'
        Get-Sha (Join-Path $copy 'server.pem') | Should -Be $server
    }

    It 'makes a new CA only with -NewAuthority, and warns when it replaces one' {
        $copy = Join-Path $Dir 'new-ca'
        Copy-Item $Pki.Path $copy -Recurse
        $ca = Get-Sha (Join-Path $copy 'ca.pem')
        $Cluster | New-EtcdCertificateSet -Path $copy -NewAuthority -Force -WarningVariable warn -WarningAction SilentlyContinue | Out-Null
        Get-Sha (Join-Path $copy 'ca.pem') | Should -Not -Be $ca
        ($warn -join ' ') | Should -BeLike '*Replacing the CA*lose quorum*rotate it*'
        & openssl verify -CAfile (Join-Path $Pki.Path 'ca.pem') (Join-Path $copy 'm1.pem') 2>&1 | Out-String | Should -Not -Match ': OK'
        { $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'both') -NewAuthority -CaCertificatePath $Pki.CaCertificatePath -CaKeyPath $Pki.CaKeyPath -ErrorAction Stop } |
            Should -Throw -ErrorId 'ConflictingCaRequest,*'
    }

    It 'stops when the folder holds ca.pem without its key instead of making a new CA' {
        $copy = Join-Path $Dir 'no-ca-key'
        Copy-Item $Pki.Path $copy -Recurse
        Remove-Item (Join-Path $copy 'ca-key.pem')
        $ca = Get-Sha (Join-Path $copy 'ca.pem')
        $server = Get-Sha (Join-Path $copy 'server.pem')
        { $Cluster | New-EtcdCertificateSet -Path $copy -Force -ErrorAction Stop } | Should -Throw -ErrorId 'CaKeyNotInPlace,*'
        Get-Sha (Join-Path $copy 'ca.pem') | Should -Be $ca
        Get-Sha (Join-Path $copy 'server.pem') | Should -Be $server
        Test-Path (Join-Path $copy 'ca-key.pem') | Should -BeFalse
    }

    It 'leaves no partial set when a write fails half-way' {
        $target = Join-Path $Dir 'partial'
        New-Item -ItemType Directory (Join-Path $target 'm2.pem') -Force | Out-Null   # m2.pem cannot be written
        { $Cluster | New-EtcdCertificateSet -Path $target -ErrorAction Stop } | Should -Throw -ErrorId 'CertificateSetWriteFailed,*'
        @(Get-ChildItem $target -Force).Name | Should -Be @('m2.pem')
    }

    It 'reuses a CA for a member added later without rewriting the CA' {
        $target = Join-Path $Dir 'grow'
        $first = $Cluster | New-EtcdCertificateSet -Path $target
        $caHash = Get-Sha $first.CaCertificatePath
        $caKeyHash = Get-Sha $first.CaKeyPath
        $grown = New-EtcdCluster -Name pki -Member ($Members + @{ Name = 'm4'; Address = '127.0.3.4' }) -WarningAction SilentlyContinue
        $second = $grown | New-EtcdCertificateSet -Path $target -CaCertificatePath $first.CaCertificatePath -CaKeyPath $first.CaKeyPath -Force
        Get-Sha $second.CaCertificatePath | Should -Be $caHash
        Get-Sha $second.CaKeyPath | Should -Be $caKeyHash
        & openssl verify -CAfile $first.CaCertificatePath $second.PeerCertificatePath('m4') | Out-Null
        $LASTEXITCODE | Should -Be 0
        Get-OpensslText $second.ServerCertificatePath | Should -Match 'IP Address:127\.0\.3\.4'
    }

    It 'refuses <Case> with error id <Id>' -TestCases @(
        @{ Case = 'an IP as DNS name'; Id = 'InvalidDnsName'; Extra = @{ DnsName = '10.0.0.1' } }
        @{ Case = 'a DNS name as IP'; Id = 'InvalidIPAddress'; Extra = @{ IPAddress = 'etcd.example' } }
        @{ Case = 'a client name that is a set file'; Id = 'InvalidClientName'; Extra = @{ ClientName = 'ca' } }
        @{ Case = 'a CA certificate without its key'; Id = 'IncompleteCa'; Extra = @{ CaCertificatePath = './ca.pem' } }
    ) {
        param($Id, $Extra)
        $target = Join-Path $Dir "bad-$Id"
        { $Cluster | New-EtcdCertificateSet -Path $target @Extra -ErrorAction Stop } | Should -Throw -ErrorId "$Id,*"
        Test-Path $target | Should -BeFalse
    }
}

Describe 'New-EtcdCertificateSet with a real etcd cluster' -Skip:(-not (Test-EtcdAvailable)) {
    BeforeAll {
        $script:Dir = New-TestDirectory
        $foreign = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'foreign')
        $script:ForeignCert = $foreign.ClientCertificatePath
        $script:ForeignKey = $foreign.ClientKeyPath
    }
    AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

    It 'runs etcd <Version> on <Algorithm> certificates: client.pem works, no or foreign client certificate is refused' -TestCases @(
        @{ Version = '3.5.16'; Algorithm = 'EcdsaP256' }
        @{ Version = '3.4.23'; Algorithm = 'EcdsaP256' }
        @{ Version = '3.5.16'; Algorithm = 'Rsa2048' }
        @{ Version = '3.4.23'; Algorithm = 'EcdsaP384' }
    ) {
        param($Version, $Algorithm)
        $pki = $Cluster | New-EtcdCertificateSet -Path (Join-Path $Dir "$Version-$Algorithm") -KeyAlgorithm $Algorithm
        $etcd = Start-LocalEtcdCluster -Version $Version -CertificateDirectory $pki.Path -Member $Members
        try {
            $put = Invoke-Etcdctl -Cluster $etcd -Arguments @('put', 'pki-test', $Algorithm)
            $put.ExitCode | Should -Be 0 -Because $put.Output
            $get = Invoke-Etcdctl -Cluster $etcd -Endpoints $etcd.Endpoints[2] -Arguments @('get', 'pki-test', '--print-value-only')
            $get.Output.Trim() | Should -Be $Algorithm
            $list = Invoke-Etcdctl -Cluster $etcd -Arguments @('member', 'list')
            @($list.Output.Trim() -split "`n").Count | Should -Be 3

            $anonymous = Invoke-Etcdctl -Cluster $etcd -Arguments @('get', 'pki-test') -NoClientCert
            $anonymous.ExitCode | Should -Not -Be 0
            $anonymous.Output | Should -Not -Match "pki-test`n$Algorithm"

            $foreign = Invoke-Etcdctl -Cluster $etcd -Arguments @('get', 'pki-test') -Cert $ForeignCert -Key $ForeignKey
            $foreign.ExitCode | Should -Not -Be 0
            $foreign.Output | Should -Not -Match "pki-test`n$Algorithm"
            # etcd drops the TLS handshake; etcdctl reports it as a connection failure, never a value.
            $foreign.Output | Should -Match 'Error: (context deadline exceeded|.*tls)'
        }
        finally { Stop-LocalEtcdCluster $etcd }
    }
}
