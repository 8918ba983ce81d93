BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $script:Dir = New-TestDirectory
    $cluster = New-EtcdCluster -Name pki -Member @(
        @{ Name = 'm1'; Address = '127.0.3.1' }
        @{ Name = 'm2'; Address = '127.0.3.2' }
        @{ Name = 'm3'; Address = '127.0.3.3' })
    $script:Pki = $cluster | New-EtcdCertificateSet -Path (Join-Path $Dir 'pki') -DnsName etcd.pki.example
}
AfterAll { Remove-Item $Dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Get-EtcdCertificate' {
    It 'returns one object per certificate of a directory, keys left out' {
        $certs = Get-EtcdCertificate -Path $Pki.Path
        @($certs.Name) | Should -Be @('ca', 'server', 'm1', 'm2', 'm3', 'client')
        @($certs.Role) | Should -Be @('CA', 'Server', 'Peer', 'Peer', 'Peer', 'Client')
        $certs[0].GetType().FullName | Should -Be 'EtcdOps.Pki.EtcdCertificateInfo'
    }

    It 'agrees with openssl on thumbprint, serial, validity, EKUs and SANs' {
        $server = Get-EtcdCertificate $Pki.ServerCertificatePath
        $fingerprint = ((& openssl x509 -in $Pki.ServerCertificatePath -noout -fingerprint -sha1) -replace '^.*=', '' -replace ':', '')
        $server.Thumbprint | Should -Be $fingerprint
        $serial = (& openssl x509 -in $Pki.ServerCertificatePath -noout -serial) -replace 'serial=', ''
        $server.SerialNumber | Should -Be ($serial.TrimStart('0'))
        $end = [datetime]::ParseExact(((& openssl x509 -in $Pki.ServerCertificatePath -noout -enddate) -replace 'notAfter=', '' -replace '\s+', ' '),
            'MMM d HH:mm:ss yyyy GMT', [cultureinfo]::InvariantCulture, 'AssumeUniversal,AdjustToUniversal')
        $server.NotAfter.ToUniversalTime() | Should -Be $end
        $server.DaysLeft | Should -BeIn 364, 365
        $server.EKUs | Should -Be @('ServerAuth', 'ClientAuth')
        $server.SANs | Should -Contain 'DNS:etcd.pki.example'
        $server.SANs | Should -Contain 'IP:::1'
        $server.KeyAlgorithm | Should -Be 'EcdsaP256'
        $server.Issuer | Should -BeLike '*CN=etcd-ca*'
    }

    It 'expands wildcards like any PowerShell path' {
        # m*.pem matches m1-key.pem too: like a directory read, keys are left out.
        @((Get-EtcdCertificate -Path (Join-Path $Pki.Path 'm*.pem') -ErrorAction Stop).Name) | Should -Be @('m1', 'm2', 'm3')
        $err = $null
        Get-EtcdCertificate -Path (Join-Path $Pki.Path 'nothing*.pem') -ErrorVariable err -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $err[0].FullyQualifiedErrorId | Should -BeLike 'CertificateNotFound,*'
    }

    It 'exports lists to CSV as joined text and roles to JSON as names' {
        $server = @(Get-EtcdCertificate -Path $Pki.ServerCertificatePath)[0]
        $row = @($server | ConvertTo-Csv -NoTypeInformation | ConvertFrom-Csv)[0]
        $row.SANs | Should -Be ($server.SANs -join ', ')
        $row.SANs | Should -Not -Match 'System\.'
        $json = $server | ConvertTo-Json -Depth 3 | ConvertFrom-Json
        $json.Role | Should -Be 'Server'
        @($json.SANs).Count | Should -Be @($server.SANs).Count
    }

    It 'takes a certificate set from the pipeline by its Path' {
        @($Pki | Get-EtcdCertificate).Count | Should -Be 6
    }

    It 'gives one object per certificate of a bundle' {
        $bundle = Join-Path $Dir 'chain.crt'
        (Get-Content $Pki.PeerCertificatePath('m1') -Raw) + (Get-Content $Pki.CaCertificatePath -Raw) | Set-Content $bundle -NoNewline
        @((Get-EtcdCertificate $bundle).Role) | Should -Be @('Peer', 'CA')
    }

    It 'shows a table with role, expiry, EKUs and SANs' {
        $table = Get-EtcdCertificate $Pki.Path | Format-Table | Out-String -Width 250
        $table | Should -Match 'Role\s+Name\s+KeyAlgorithm\s+NotAfter\s+DaysLeft\s+EKUs\s+SANs'
        $table | Should -Match 'Peer\s+m2\s+EcdsaP256\s+\d{4}-\d\d-\d\d\s+36\d\s+ServerAuth,ClientAuth\s+127\.0\.3\.2, m2, localhost, 127\.0\.0\.1'
    }

    It 'exposes no BouncyCastle type' {
        $cert = Get-EtcdCertificate $Pki.CaCertificatePath
        foreach ($p in $cert.PSObject.Properties) { "$($p.TypeNameOfValue)" | Should -Not -BeLike '*BouncyCastle*' }
        foreach ($p in $Pki.PSObject.Properties) { "$($p.TypeNameOfValue)" | Should -Not -BeLike '*BouncyCastle*' }
    }

    It 'reports a missing file and a non-certificate, and goes on' {
        $junk = Join-Path $Dir 'junk.pem'
        'not a certificate' | Set-Content $junk
        $out = Get-EtcdCertificate -Path (Join-Path $Dir 'none.pem'), $junk, $Pki.CaCertificatePath -ErrorVariable e -ErrorAction SilentlyContinue
        @($out).Count | Should -Be 1
        $e[0].FullyQualifiedErrorId | Should -BeLike 'CertificateNotFound,*'
        $e[1].FullyQualifiedErrorId | Should -BeLike 'InvalidCertificateFile,*'
    }
}

# What the hosts serve, read over SSH from the files each member's conf.yml names.
Describe 'Get-EtcdCertificate -Cluster' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        . "$PSScriptRoot/lab/LabCluster.ps1"
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
    }

    It 'returns the CA, server and peer certificate of every member, equal to the files openssl reads on the host' {
        $rows = $ctx.Cluster | Get-EtcdCertificate @ssh -WarningAction SilentlyContinue
        foreach ($h in $ctx.Lab.Hosts) {
            $mine = @($rows | Where-Object Member -eq $h.Name)
            ($mine.Role | Sort-Object) | Should -Be @('CA', 'Peer', 'Server')
            foreach ($row in $mine) {
                # openssl pads the hex serial to whole bytes; ours prints the number without leading zeros.
                $serial = ((Invoke-LabSsh -Lab $ctx.Lab -HostName $h.Name -Command "openssl x509 -in '$($row.Path)' -noout -serial").Output.Trim() -replace '^serial=', '').TrimStart('0')
                $serial | Should -Be $row.SerialNumber.TrimStart('0') -Because $row.Path
            }
            ($mine | Where-Object Role -eq 'Peer').IPAddresses | Should -Contain $h.Address
        }
        # Keys are never read back: only certificates come out, and no output names a key file.
        $rows.Path | Where-Object { $_ -like '*key*' } | Should -BeNullOrEmpty
    }

    It 'warns about certificates with fewer than -WarningDays left, naming the member' {
        $rows = $ctx.Cluster | Get-EtcdCertificate @ssh -Member $ctx.Lab.Hosts[0].Name -WarningDays 400 -WarningVariable warned -WarningAction SilentlyContinue
        # The leaves are valid for 365 days, the CA for ten years.
        @($warned).Count | Should -Be 2
        $warned | ForEach-Object { $_ | Should -BeLike "$($ctx.Lab.Hosts[0].Name):*expires in*" }
        @($rows).Count | Should -Be 3
    }

    It 'reports a certificate missing on one host and still reads the others' {
        $one = $ctx.Lab.Hosts[1].Name
        Invoke-LabSsh -Lab $ctx.Lab -HostName $one -Command "mv /etc/etcd/$one.pem /etc/etcd/$one.pem.away" | Out-Null
        try {
            $rows = $ctx.Cluster | Get-EtcdCertificate @ssh -ErrorVariable err -ErrorAction SilentlyContinue -WarningAction SilentlyContinue
            @($err).Count | Should -Be 1
            $err[0].FullyQualifiedErrorId | Should -BeLike 'CertificateUnreadable,*'
            "$($err[0])" | Should -BeLike "$one*"
            @($rows | Where-Object Member -eq $one).Count | Should -Be 2
            @($rows).Count | Should -Be 8
        }
        finally { Invoke-LabSsh -Lab $ctx.Lab -HostName $one -Command "mv /etc/etcd/$one.pem.away /etc/etcd/$one.pem" | Out-Null }
    }
}
