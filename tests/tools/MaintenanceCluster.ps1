# Fixtures for the maintenance cmdlets' tests. Dot-source after common.ps1 and LocalEtcd.ps1.
# Each test file gets its own TLS cluster on 127.0.9.<First>.. (a block of ten addresses per file), etcdctl's
# view of it with hex IDs, keys to write and a learner to add.

# A running cluster m1..mN on 127.0.9.<First>..; its certificates also name <Spare> further addresses for learners.
# Returns Pki, Local (for Invoke-Etcdctl and Stop-LocalEtcdCluster), Cluster (an EtcdCluster), Set (its
# EtcdCertificateSet) and Tls (-Endpoint and the TLS files, to splat into the API cmdlets).
function Start-MaintenanceTestCluster {
    param(
        [Parameter(Mandatory)] [int] $First,
        [int] $Count = 3,
        [int] $Spare = 0,
        [string] $Version = '3.5.16',
        # Added to every member's etcd command line, e.g. '--quota-backend-bytes=1048576'.
        [string[]] $Arguments = @()
    )
    $pki = New-TestDirectory
    $all = 0..($Count + $Spare - 1) | ForEach-Object { @{ Name = "m$($_ + 1)"; Address = "127.0.9.$($First + $_)" } }
    & bash "$PSScriptRoot/new-cfssl-pki.sh" $pki @($all | ForEach-Object { "$($_.Name)=$($_.Address)" }) | Out-Null
    $members = @($all | Select-Object -First $Count | ForEach-Object { @{ Name = $_.Name; Address = $_.Address; Arguments = $Arguments } })
    $local = Start-LocalEtcdCluster -Version $Version -CertificateDirectory $pki -Member $members
    $cluster = New-EtcdCluster -Name "maint$First" -Version $Version -Member @($members | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } })
    $setType = $cluster.GetType().Assembly.GetType('EtcdOps.Pki.EtcdCertificateSet')
    [pscustomobject]@{
        Pki     = $pki
        Local   = $local
        Cluster = $cluster
        Set     = $setType::new($pki, [string[]]@($all.Name), 'client')
        Tls     = @{ Endpoint = $local.Endpoints; CaCertPath = "$pki/ca.pem"; CertPath = "$pki/client.pem"; KeyPath = "$pki/client-key.pem" }
        Spare   = @($all | Select-Object -Skip $Count)
    }
}

function Stop-MaintenanceTestCluster {
    param($Fixture)
    if (-not $Fixture) { return }
    Stop-LocalEtcdCluster $Fixture.Local
    Remove-Item $Fixture.Pki -Recurse -Force -ErrorAction SilentlyContinue
}

# etcdctl endpoint status -w json, one row per endpoint with the IDs in hex (as EtcdOps and etcdctl's tables print them).
function Get-CtlStatus {
    param([Parameter(Mandatory)] $Fixture, [string[]] $Endpoints = $Fixture.Local.Endpoints)
    $ctl = Invoke-Etcdctl -Cluster $Fixture.Local -Endpoints $Endpoints -Arguments @('endpoint', 'status', '-w', 'json')
    if ($ctl.ExitCode -ne 0) { throw "etcdctl endpoint status failed: $($ctl.Output)" }
    foreach ($e in ($ctl.Output | ConvertFrom-Json)) {
        [pscustomobject]@{
            Endpoint    = $e.Endpoint
            ID          = ([uint64][string]$e.Status.header.member_id).ToString('x')
            Leader      = ([uint64][string]$e.Status.leader).ToString('x')
            DbSize      = [long]$e.Status.dbSize
            DbSizeInUse = [long]$e.Status.dbSizeInUse
            Revision    = [long]$e.Status.header.revision
            RaftTerm    = [long]$e.Status.raftTerm
            IsLearner   = [bool]$e.Status.isLearner
        }
    }
}

# etcdctl member list: name -> hex ID.
function Get-CtlMemberId {
    param([Parameter(Mandatory)] $Fixture)
    $ctl = Invoke-Etcdctl -Cluster $Fixture.Local -Arguments @('member', 'list', '-w', 'json')
    $ids = @{}
    foreach ($m in ($ctl.Output | ConvertFrom-Json).members) { $ids[$m.name] = ([uint64][string]$m.ID).ToString('x') }
    $ids
}

# Puts <Count> keys <Prefix>0.. with values of <Size> bytes through the first endpoint. Stops at the first refusal
# and returns etcdctl's last answer (ExitCode, Output, and Written: how many keys went in).
function Write-EtcdTestKey {
    param([Parameter(Mandatory)] $Fixture, [int] $Count = 10, [int] $Size = 10, [string] $Prefix = 'key')
    $value = 'v' * $Size
    for ($i = 0; $i -lt $Count; $i++) {
        $r = Invoke-Etcdctl -Cluster $Fixture.Local -Endpoints $Fixture.Local.Endpoints[0] -Arguments @('put', "$Prefix$i", $value)
        if ($r.ExitCode -ne 0) { break }
    }
    $r | Add-Member -NotePropertyName Written -NotePropertyValue $i -PassThru
}

# Adds the next spare address as a learner (etcdctl member add --learner), starts it, and waits until it answers.
# Returns its name and endpoint; Stop-LocalEtcdCluster stops it with the others.
function Add-LocalEtcdLearner {
    param([Parameter(Mandatory)] $Fixture, [int] $TimeoutSeconds = 30)
    $spare = $Fixture.Spare[0]
    $Fixture.Spare = @($Fixture.Spare | Select-Object -Skip 1)
    $peer = "https://$($spare.Address):2380"
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    # A freshly started cluster refuses new members until its peers have been connected for a while ("unhealthy cluster").
    do {
        $add = Invoke-Etcdctl -Cluster $Fixture.Local -Arguments @('member', 'add', $spare.Name, '--learner', "--peer-urls=$peer")
        if ($add.ExitCode -eq 0) { break }
        Start-Sleep -Milliseconds 500
    } while ([DateTime]::UtcNow -lt $deadline)
    if ($add.ExitCode -ne 0) { throw "etcdctl member add --learner failed: $($add.Output)" }
    $initial = [regex]::Match($add.Output, 'ETCD_INITIAL_CLUSTER="([^"]+)"').Groups[1].Value
    $data = Join-Path $Fixture.Local.WorkDir $spare.Name
    New-Item -ItemType Directory $data | Out-Null
    & chmod 700 $data
    $c = $Fixture.Pki
    $endpoint = "https://$($spare.Address):2379"
    $process = Start-EtcdProcess -Version $Fixture.Local.Version -LogPath (Join-Path $Fixture.Local.WorkDir "$($spare.Name).log") -Arguments @(
        "--name=$($spare.Name)", "--data-dir=$data", "--listen-client-urls=$endpoint", "--advertise-client-urls=$endpoint",
        "--listen-peer-urls=$peer", "--initial-advertise-peer-urls=$peer", "--initial-cluster=$initial", '--initial-cluster-state=existing',
        "--cert-file=$c/server.pem", "--key-file=$c/server-key.pem", "--trusted-ca-file=$c/ca.pem", '--client-cert-auth=true',
        "--peer-cert-file=$c/$($spare.Name).pem", "--peer-key-file=$c/$($spare.Name)-key.pem", "--peer-trusted-ca-file=$c/ca.pem",
        '--peer-client-cert-auth=true', '--listen-metrics-urls=', '--log-level=warn')
    $Fixture.Local.Processes = @($Fixture.Local.Processes) + $process
    do {
        Start-Sleep -Milliseconds 300
        $status = Invoke-Etcdctl -Cluster $Fixture.Local -Endpoints $endpoint -Arguments @('endpoint', 'status')
        if ($status.ExitCode -eq 0) { return [pscustomobject]@{ Name = $spare.Name; Endpoint = $endpoint } }
    } while ([DateTime]::UtcNow -lt $deadline -and -not $process.HasExited)
    throw "The learner $($spare.Name) did not start: $($status.Output)`n$(Get-Content (Join-Path $Fixture.Local.WorkDir "$($spare.Name).log") -Raw)"
}

# etcdctl alarm list ("memberID:<decimal> alarm:<NAME>" per line) as "<hex ID> <NAME>", sorted: etcdctl prints
# them in Go's map order, which changes from call to call.
function Get-CtlAlarm {
    param([Parameter(Mandatory)] $Fixture)
    $ctl = Invoke-Etcdctl -Cluster $Fixture.Local -Arguments @('alarm', 'list')
    if ($ctl.ExitCode -ne 0) { throw "etcdctl alarm list failed: $($ctl.Output)" }
    @([regex]::Matches($ctl.Output, 'memberID:(\d+) alarm:(\w+)') | ForEach-Object { "$(([uint64]$_.Groups[1].Value).ToString('x')) $($_.Groups[2].Value)" } | Sort-Object)
}

# Stops a member and starts it again with the same command line (its data directory kept); waits until it is healthy.
function Restart-LocalEtcdMember {
    param([Parameter(Mandatory)] $Fixture, [Parameter(Mandatory)] [string] $Name, [int] $TimeoutSeconds = 30)
    $local = $Fixture.Local
    $i = [array]::IndexOf(@($local.Member.Name), $Name)
    $old = $local.Processes[$i]
    $arguments = $old.StartInfo.Arguments
    Stop-LocalEtcdMember -Cluster $local -Name $Name
    $log = Join-Path $local.WorkDir "$Name.restarted.log"
    $new = Start-Process -FilePath (Get-EtcdBinary -Version $local.Version) -ArgumentList $arguments -RedirectStandardError $log -RedirectStandardOutput "$log.out" -PassThru
    $processes = @($local.Processes)
    $processes[$i] = $new
    $local.Processes = $processes
    $endpoint = $local.Endpoints[$i]
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    do {
        Start-Sleep -Milliseconds 300
        if ((Invoke-Etcdctl -Cluster $local -Endpoints $endpoint -Arguments @('endpoint', 'health')).ExitCode -eq 0) { return }
    } while ([DateTime]::UtcNow -lt $deadline -and -not $new.HasExited)
    throw "$Name did not come back: $(Get-Content $log -Raw)"
}
