# Cluster API benchmark: endpoint status and health over 3 and 7 endpoints of a real 7-member TLS cluster
# on loopback, in-session (the module is already imported, gRPC channels warm), next to etcdctl's time for the
# same call; and the cold Import-Module time in a fresh process.
param([string] $WorkDir)
. (Join-Path (Split-Path $PSScriptRoot) 'LocalEtcd.ps1')

function Measure-ApiMedian([scriptblock] $Block, [int] $Runs = 15) {
    & $Block | Out-Null   # warm-up: JIT, first TLS handshakes
    $times = foreach ($i in 1..$Runs) { (Measure-Command { & $Block | Out-Null }).TotalMilliseconds }
    ($times | Sort-Object)[[int][math]::Floor($Runs / 2)]
}

$pki = Join-Path $WorkDir 'api-pki'
$members = 1..7 | ForEach-Object { @{ Name = "m$_"; Address = "127.0.5.$_" } }
& bash (Join-Path (Split-Path $PSScriptRoot) 'new-cfssl-pki.sh') $pki @($members | ForEach-Object { "$($_.Name)=$($_.Address)" }) | Out-Null
$local = Start-LocalEtcdCluster -Version 3.5.16 -CertificateDirectory $pki -Member $members -TimeoutSeconds 60
try {
    $tls = @{ CaCertPath = "$pki/ca.pem"; CertPath = "$pki/client.pem"; KeyPath = "$pki/client-key.pem" }
    foreach ($count in 3, 7) {
        $endpoints = $local.Endpoints[0..($count - 1)]
        foreach ($case in @(
                @{ Name = 'status'; Ours = { Get-EtcdEndpointStatus -Endpoint $endpoints @tls }; Ctl = @('endpoint', 'status') }
                @{ Name = 'health'; Ours = { Test-EtcdEndpointHealth -Endpoint $endpoints @tls }; Ctl = @('endpoint', 'health') })) {
            $ours = Measure-ApiMedian $case.Ours
            $ctl = Measure-ApiMedian { Invoke-Etcdctl -Cluster $local -Endpoints $endpoints -Arguments $case.Ctl } -Runs 5
            [pscustomobject]@{
                Area        = 'Api'
                Case        = "endpoint $($case.Name), $count endpoints"
                'Median ms' = [math]::Round($ours, 1)
                Target      = $(if ($count -eq 7) { '<= 10 ms' } else { '' })
                Comparison  = "etcdctl $([math]::Round($ctl, 1)) ms"
            }
        }
    }
    # Snapshot of a ~32 MB database: in-process over gRPC next to etcdctl snapshot save, same member.
    $ctl = Get-EtcdBinary -Version 3.5.16 -Name etcdctl
    $blob = Join-Path $WorkDir 'blob.bin'
    [IO.File]::WriteAllBytes($blob, [byte[]]::new(1MB))
    foreach ($i in 1..32) {
        & bash -c "'$ctl' --endpoints=$($local.Endpoints[0]) --cacert=$pki/ca.pem --cert=$pki/client.pem --key=$pki/client-key.pem put blob/$i < '$blob'" | Out-Null
    }
    $snapDir = Join-Path $WorkDir 'snapshots'
    New-Item -ItemType Directory $snapDir -Force | Out-Null
    $ours = Measure-ApiMedian { Save-EtcdSnapshot -Endpoint $local.Endpoints[1] @tls -Path (Join-Path $snapDir 'ours.db') -Force } -Runs 5
    $theirs = Measure-ApiMedian {
        Remove-Item (Join-Path $snapDir 'ctl.db') -ErrorAction SilentlyContinue
        Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[1] -Arguments @('snapshot', 'save', (Join-Path $snapDir 'ctl.db'))
    } -Runs 5
    [pscustomobject]@{
        Area        = 'Api'
        Case        = "Save-EtcdSnapshot, $([math]::Round((Get-Item (Join-Path $snapDir 'ours.db')).Length / 1MB)) MB"
        'Median ms' = [math]::Round($ours, 1)
        Target      = '<= 1.2 x etcdctl'
        Comparison  = "etcdctl snapshot save $([math]::Round($theirs, 1)) ms"
    }

    # Every voter's hash at one revision, in-session.
    $consistency = Measure-ApiMedian { Test-EtcdConsistency -Endpoint $local.Endpoints[0..2] @tls -Quiet }
    [pscustomobject]@{ Area = 'Maintenance'; Case = 'Test-EtcdConsistency, 7 members'; 'Median ms' = [math]::Round($consistency, 1); Target = '<= 50 ms'; Comparison = '' }

    # Defragmentation of every member of the ~32 MB database (-Force: every member does the work, as etcdctl's
    # does): one member at a time, leader last, health between, next to etcdctl defrag --cluster.
    $ours = Measure-ApiMedian { Invoke-EtcdDefragmentation -Endpoint $local.Endpoints[0..2] @tls -Force -Confirm:$false } -Runs 3
    $theirs = Measure-ApiMedian { Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[0] -Arguments @('defrag', '--cluster') } -Runs 3
    [pscustomobject]@{
        Area        = 'Maintenance'
        Case        = 'Invoke-EtcdDefragmentation, 7 members, 32 MB database'
        'Median ms' = [math]::Round($ours, 1)
        Target      = ''
        Comparison  = "etcdctl defrag --cluster $([math]::Round($theirs, 1)) ms (no health checks, all at once)"
    }
}
finally { Stop-LocalEtcdCluster $local }

# Cold import: a fresh process each time, timed inside it (the process start is not the module's cost).
$module = (Get-Module EtcdOps).ModuleBase
$pwshArgs = @()
$pwsh = (Get-Process -Id $PID).Path
if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { $pwshArgs = @(Join-Path $PSHOME 'pwsh.dll') }
$imports = foreach ($i in 1..5) {
    [double](& $pwsh @pwshArgs -NoProfile -NonInteractive -Command "(Measure-Command { Import-Module '$module' }).TotalMilliseconds")
}
[pscustomobject]@{
    Area        = 'Api'
    Case        = 'Import-Module, cold (fresh process)'
    'Median ms' = [math]::Round(($imports | Sort-Object)[2], 1)
    Target      = '<= 400 ms'
    Comparison  = "min $([math]::Round(($imports | Measure-Object -Minimum).Minimum, 1)) ms"
}
