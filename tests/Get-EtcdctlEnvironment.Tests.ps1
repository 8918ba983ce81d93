BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $root = New-TestDirectory
    $members = 1..3 | ForEach-Object { @{ Name = "m$_"; Address = "127.0.5.$_" } }
    & bash "$PSScriptRoot/tools/new-cfssl-pki.sh" "$root/pki" m1=127.0.5.1 m2=127.0.5.2 m3=127.0.5.3 | Out-Null
    # The operator's copy lives under a path with a space and a quote: that proves the quoting, not just the happy case.
    $pki = Join-Path $root "it's pki"
    Copy-Item "$root/pki" $pki -Recurse
    $cluster = New-EtcdCluster -Name api -Member $members
    $set = $cluster.GetType().Assembly.GetType('EtcdOps.Pki.EtcdCertificateSet')::new($pki, [string[]]@('m1', 'm2', 'm3'), 'client')
    $local = Start-LocalEtcdCluster -Version 3.5.16 -CertificateDirectory "$root/pki" -Member $members
}

AfterAll {
    if ($local) { Stop-LocalEtcdCluster $local }
    Remove-Item $root -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Get-EtcdctlEnvironment' {
    It 'writes bash exports with every member and the set''s files' {
        $lines = $cluster | Get-EtcdctlEnvironment -CertificateSet $set
        $lines[0] | Should -Be "export ETCDCTL_API='3'"
        $lines[1] | Should -Be "export ETCDCTL_ENDPOINTS='https://127.0.5.1:2379,https://127.0.5.2:2379,https://127.0.5.3:2379'"
        $lines.Count | Should -Be 5
    }

    It 'bash lines, sourced, make plain etcdctl reach every member' {
        $file = Join-Path $root 'etcdctl.env'
        $cluster | Get-EtcdctlEnvironment -CertificateSet $set | Set-Content $file
        $etcdctl = Get-EtcdBinary -Version 3.5.16 -Name etcdctl
        $out = & bash -c "source '$file'; env | grep ^ETCDCTL_CACERT=; '$etcdctl' endpoint health" 2>&1
        $LASTEXITCODE | Should -Be 0
        ($out -join "`n") | Should -Match "ETCDCTL_CACERT=$([regex]::Escape("$pki/ca.pem"))"
        @($out | Where-Object { $_ -like '*is healthy*' }).Count | Should -Be 3
    }

    It 'PowerShell lines, evaluated, point EtcdOps itself at the cluster' {
        $lines = ($cluster | Get-EtcdctlEnvironment -CertificateSet $set -Shell PowerShell) -join "`n"
        $lines | Should -Match ([regex]::Escape("`$env:ETCDCTL_KEY = '$($pki.Replace("'", "''"))/client-key.pem'"))
        $file = Join-Path $root 'etcdctl.ps1'
        Set-Content $file $lines
        $r = Invoke-InNewSession "Import-Module '$ModulePath'; . '$file'; @(Test-EtcdEndpointHealth | Where-Object Health).Count"
        $r.Output.Trim() | Should -Be '3'
    }

    It 'writes the k3s datastore flags' {
        $lines = $cluster | Get-EtcdctlEnvironment -CertificateSet $set -Format K3s
        $lines[0] | Should -Be "--datastore-endpoint='https://127.0.5.1:2379,https://127.0.5.2:2379,https://127.0.5.3:2379'"
        $lines[1..3] | Should -Be @(
            "--datastore-cafile='$($pki.Replace("'", "'\''"))/ca.pem'"
            "--datastore-certfile='$($pki.Replace("'", "'\''"))/client.pem'"
            "--datastore-keyfile='$($pki.Replace("'", "'\''"))/client-key.pem'")
    }

    It 'takes explicit endpoints and resolves relative paths against the current location' {
        Push-Location $pki
        try { $lines = Get-EtcdctlEnvironment -Endpoint 10.0.0.1:2379 -CaCertPath ./ca.pem }
        finally { Pop-Location }
        $lines | Should -Contain "export ETCDCTL_ENDPOINTS='https://10.0.0.1:2379'"
        $lines | Should -Contain "export ETCDCTL_CACERT='$($pki.Replace("'", "'\''"))/ca.pem'"
        $lines | Where-Object { $_ -like '*ETCDCTL_CERT=*' } | Should -BeNullOrEmpty
    }
}
