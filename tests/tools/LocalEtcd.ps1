# Real etcd processes on loopback for tests that need a cluster but not a host (PKI, config oracle, API).
# Binaries come from Debian's packages via tests/lab/get-etcd.sh (3.4.23 and 3.5.16). Dot-source this file.
# Every process started here is tracked by PID and stopped by PID.

$script:EtcdTestRoot = Split-Path (Split-Path $PSScriptRoot -Parent) -Parent

function Get-EtcdCachePath {
    if ($env:ETCDOPS_CACHE) { return $env:ETCDOPS_CACHE }
    Join-Path $script:EtcdTestRoot '.cache'
}

function Get-EtcdBinary {
    param([string] $Version = '3.5.16', [ValidateSet('etcd', 'etcdctl', 'etcdutl')] [string] $Name = 'etcd')
    $path = Join-Path (Get-EtcdCachePath) "etcd/$Version/$Name"
    if (-not (Test-Path $path)) {
        & bash (Join-Path $script:EtcdTestRoot 'tests/lab/get-etcd.sh') (Get-EtcdCachePath) | Out-Host
        if ($LASTEXITCODE -ne 0) { throw "get-etcd.sh failed; cannot provide etcd $Version." }
    }
    if (-not (Test-Path $path)) { throw "etcd $Version has no $Name binary (etcdutl exists from 3.5 on)." }
    $path
}

function Test-EtcdAvailable { [bool]($IsLinux -and (Get-Command dpkg-deb -ErrorAction SilentlyContinue)) }

# Starts one etcd process. Either -ConfigFile (etcd --config-file) or -Arguments (flags).
function Start-EtcdProcess {
    param(
        [string] $Version = '3.5.16',
        [string] $ConfigFile,
        [string[]] $Arguments = @(),
        [Parameter(Mandatory)] [string] $LogPath
    )
    $etcd = Get-EtcdBinary -Version $Version
    $argList = if ($ConfigFile) { @("--config-file=$ConfigFile") } else { $Arguments }
    # Start-Process joins arguments with spaces: quote the ones that contain any.
    $argList = @($argList | ForEach-Object { if ($_ -match '\s') { '"' + $_ + '"' } else { $_ } })
    Start-Process -FilePath $etcd -ArgumentList $argList -RedirectStandardError $LogPath `
        -RedirectStandardOutput "$LogPath.out" -PassThru
}

# Starts etcd with a config file and waits for it to exit or stay up: returns Exited, ExitCode and Log.
# The oracle for config tests: does real etcd accept this file?
function Test-EtcdAcceptsConfig {
    param([string] $Version = '3.5.16', [Parameter(Mandatory)] [string] $ConfigFile, [int] $Seconds = 4)
    $log = "$ConfigFile.log"
    $p = Start-EtcdProcess -Version $Version -ConfigFile $ConfigFile -LogPath $log
    try { $exited = $p.WaitForExit($Seconds * 1000) }
    finally { if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force -ErrorAction SilentlyContinue; $p.WaitForExit(5000) | Out-Null } }
    # Start-Process copies redirected output asynchronously: the parameterless wait returns once it is all written.
    $p.WaitForExit()
    [pscustomobject]@{
        Exited   = $exited
        ExitCode = if ($exited) { $p.ExitCode } else { $null }
        Log      = (Get-Content $log -Raw -ErrorAction SilentlyContinue) + (Get-Content "$log.out" -Raw -ErrorAction SilentlyContinue)
    }
}

# A TLS cluster on loopback from a certificate directory in the cfssl layout (ca.pem, server.pem,
# <member>.pem, client.pem and their -key.pem). Members: @(@{ Name = 'm1'; Address = '127.0.3.1' }, ...); a member's
# optional Arguments (a string array) are added to its etcd command line.
function Start-LocalEtcdCluster {
    param(
        [string] $Version = '3.5.16',
        [Parameter(Mandatory)] [string] $CertificateDirectory,
        [Parameter(Mandatory)] [hashtable[]] $Member,
        [int] $ClientPort = 2379,
        [int] $PeerPort = 2380,
        [string] $Token = ('test-' + [guid]::NewGuid().ToString('N').Substring(0, 8)),
        [int] $TimeoutSeconds = 30
    )
    $work = Join-Path ([IO.Path]::GetTempPath()) ("etcdops-local-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory $work | Out-Null
    $initial = ($Member | ForEach-Object { "$($_.Name)=https://$($_.Address):$PeerPort" }) -join ','
    $c = "$CertificateDirectory"
    $procs = foreach ($m in $Member) {
        $data = Join-Path $work $m.Name
        New-Item -ItemType Directory $data | Out-Null
        & chmod 700 $data
        Start-EtcdProcess -Version $Version -LogPath (Join-Path $work "$($m.Name).log") -Arguments @(
            "--name=$($m.Name)", "--data-dir=$data",
            "--listen-client-urls=https://$($m.Address):$ClientPort", "--advertise-client-urls=https://$($m.Address):$ClientPort",
            "--listen-peer-urls=https://$($m.Address):$PeerPort", "--initial-advertise-peer-urls=https://$($m.Address):$PeerPort",
            "--initial-cluster=$initial", "--initial-cluster-token=$Token", '--initial-cluster-state=new',
            "--cert-file=$c/server.pem", "--key-file=$c/server-key.pem", "--trusted-ca-file=$c/ca.pem", '--client-cert-auth=true',
            "--peer-cert-file=$c/$($m.Name).pem", "--peer-key-file=$c/$($m.Name)-key.pem", "--peer-trusted-ca-file=$c/ca.pem",
            '--peer-client-cert-auth=true', '--listen-metrics-urls=', '--log-level=warn' + @($m['Arguments'] | Where-Object { $_ }))
    }
    $cluster = [pscustomobject]@{
        Version = $Version; WorkDir = $work; Processes = @($procs); Member = $Member; CertificateDirectory = $c
        Endpoints = @($Member | ForEach-Object { "https://$($_.Address):$ClientPort" })
    }
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    do {
        Start-Sleep -Milliseconds 300
        $health = Invoke-Etcdctl -Cluster $cluster -Arguments @('endpoint', 'health')
        if ($health.ExitCode -eq 0) { return $cluster }
        if (@($cluster.Processes | Where-Object HasExited).Count -gt 0) { break }
    } while ([DateTime]::UtcNow -lt $deadline)
    $logs = Get-ChildItem $work -Filter '*.log' | ForEach-Object { "--- $($_.Name)`n" + (Get-Content $_ -Raw) }
    Stop-LocalEtcdCluster $cluster
    throw "Local etcd cluster did not become healthy:`n$($health.Output)`n$logs"
}

# etcdctl against a local cluster with its client certificate (or -NoClientCert / other files).
function Invoke-Etcdctl {
    param(
        [Parameter(Mandatory)] $Cluster,
        [Parameter(Mandatory)] [string[]] $Arguments,
        [string[]] $Endpoints = $Cluster.Endpoints,
        [string] $CaCert = "$($Cluster.CertificateDirectory)/ca.pem",
        [string] $Cert = "$($Cluster.CertificateDirectory)/client.pem",
        [string] $Key = "$($Cluster.CertificateDirectory)/client-key.pem",
        [switch] $NoClientCert
    )
    $ctl = Get-EtcdBinary -Version $Cluster.Version -Name etcdctl
    $tls = @("--cacert=$CaCert")
    if (-not $NoClientCert) { $tls += "--cert=$Cert", "--key=$Key" }
    $env:ETCDCTL_API = '3'
    $out = & $ctl "--endpoints=$($Endpoints -join ',')" @tls '--dial-timeout=2s' '--command-timeout=4s' @Arguments 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
}

function Stop-LocalEtcdCluster {
    param([Parameter(Mandatory)] $Cluster, [switch] $KeepFiles)
    foreach ($p in $Cluster.Processes) {
        if (-not $p.HasExited) { Stop-Process -Id $p.Id -Force -ErrorAction SilentlyContinue }
        $p.WaitForExit(5000) | Out-Null
    }
    if (-not $KeepFiles) { Remove-Item $Cluster.WorkDir -Recurse -Force -ErrorAction SilentlyContinue }
}

# Stops one member (by name) of a local cluster, e.g. to test how a down endpoint is reported.
function Stop-LocalEtcdMember {
    param([Parameter(Mandatory)] $Cluster, [Parameter(Mandatory)] [string] $Name)
    $i = [array]::IndexOf(@($Cluster.Member.Name), $Name)
    $p = $Cluster.Processes[$i]
    Stop-Process -Id $p.Id -Force
    $p.WaitForExit(5000) | Out-Null
}

# The usual test fixture: a cfssl certificate set for members m1..mN on 127.0.<Block>.1..N and a running
# TLS cluster of them. Returns Pki (directory), Members, Local (for Invoke-Etcdctl/Stop-LocalEtcdCluster)
# and Tls (etcdctl-named parameters for the API cmdlets). Stop it with Stop-LocalEtcdCluster $x.Local.
function Start-LocalTlsTestCluster {
    param([Parameter(Mandatory)] [int] $Block, [int] $Count = 3, [string] $Version = '3.5.16', [string] $Pki)
    if (-not $Pki) { $Pki = Join-Path ([IO.Path]::GetTempPath()) ("etcdops-pki-" + [guid]::NewGuid().ToString('N').Substring(0, 8)) }
    $members = 1..$Count | ForEach-Object { @{ Name = "m$_"; Address = "127.0.$Block.$_" } }
    & bash (Join-Path $PSScriptRoot 'new-cfssl-pki.sh') $Pki @($members | ForEach-Object { "$($_.Name)=$($_.Address)" }) | Out-Null
    [pscustomobject]@{
        Pki     = $Pki
        Members = $members
        Local   = Start-LocalEtcdCluster -Version $Version -CertificateDirectory $Pki -Member $members
        Tls     = @{ CaCertPath = "$Pki/ca.pem"; CertPath = "$Pki/client.pem"; KeyPath = "$Pki/client-key.pem" }
    }
}

# Stops what Start-LocalTlsTestCluster started and removes its certificates.
function Stop-LocalTlsTestCluster {
    param($Fixture)
    if (-not $Fixture) { return }
    if ($Fixture.Local) { Stop-LocalEtcdCluster $Fixture.Local }
    Remove-Item $Fixture.Pki -Recurse -Force -ErrorAction SilentlyContinue
}
