<#
.SYNOPSIS
    EtcdOps benchmarks: each area adds its measurements here. Prints a table; targets are reported, not asserted.
#>
param([Parameter(Mandatory)] [string] $ModulePath)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

function Measure-Median([scriptblock] $Block, [int] $Runs = 5) {
    & $Block | Out-Null   # warm-up: JIT and first-load costs are not what the target is about
    $times = foreach ($i in 1..$Runs) { (Measure-Command { & $Block | Out-Null }).TotalMilliseconds }
    ($times | Sort-Object)[[int][math]::Floor($Runs / 2)]
}

$rows = [Collections.Generic.List[object]]::new()
function Add-Row([string] $Area, [string] $Case, [double] $Ms, [string] $Target = '', [string] $Compare = '') {
    $rows.Add([pscustomobject]@{ Area = $Area; Case = $Case; 'Median ms' = [math]::Round($Ms, 1); Target = $Target; Comparison = $Compare })
}

$dir = Join-Path ([IO.Path]::GetTempPath()) "etcdops-bench-$PID"
New-Item -ItemType Directory $dir | Out-Null
try {
    $members = 1..7 | ForEach-Object { @{ Name = "etcd-$_"; Address = "10.231.0.$(10 + $_)" } }
    Add-Row 'Cluster' 'New-EtcdCluster, 7 members' (Measure-Median { New-EtcdCluster -Name bench -Member $members })
    $cluster = New-EtcdCluster -Name bench -Member $members
    $inv = Join-Path $dir 'bench.yml'
    Add-Row 'Cluster' 'Export + Import inventory, 7 members' (Measure-Median { $cluster | Export-EtcdCluster -Path $inv; Import-EtcdCluster $inv })

    $benchDir = Join-Path $PSScriptRoot 'bench'
    if (Test-Path $benchDir) {
        foreach ($script in Get-ChildItem $benchDir -Filter '*.ps1' | Sort-Object Name) {
            Write-Host "Running $($script.Name)"
            foreach ($row in & $script.FullName -WorkDir $dir) { $rows.Add($row) }
        }
    }
}
finally { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }
$rows | Format-Table -AutoSize | Out-String -Width 200 | Write-Host
