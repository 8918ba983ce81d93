<#
.SYNOPSIS
    The EtcdOps demo: brings up a lab of three real systemd hosts on this machine and deploys a TLS etcd
    cluster onto them with examples/Deploy-EtcdCluster.ps1, exactly as a user would onto their own hosts.
.DESCRIPTION
    Needs root on Linux (the lab uses network namespaces and systemd-nspawn). The lab stays up so you can
    look around; tear it down with: dotnet pwsh tests/lab/Lab.ps1 -Action Down   (or pass -TearDown).
#>
param(
    [string] $ModulePath = (Join-Path $PSScriptRoot '../output/EtcdOps'),
    [int] $HostCount = 3,
    [switch] $TearDown
)
$ErrorActionPreference = 'Stop'
$labScript = Join-Path $PSScriptRoot '../tests/lab/Lab.ps1'
. (Join-Path $PSScriptRoot '../tests/lab/LabInfo.ps1')
Import-Module $ModulePath

& $labScript -Action Up -HostCount $HostCount
try {
    $lab = Get-LabInfo -Require
    $work = Join-Path $lab.StateDir 'demo'
    New-Item -ItemType Directory -Force $work | Out-Null
    $inventory = Join-Path $work 'demo.yml'
    if (-not (Test-Path $inventory)) {
        New-EtcdCluster -Name demo -Version 3.5.16 -Member @($lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) |
            Export-EtcdCluster -Path $inventory
    }
    Write-Host "Inventory ($inventory):" -ForegroundColor Cyan
    Get-Content $inventory | Write-Host

    $elapsed = Measure-Command {
        & (Join-Path $PSScriptRoot 'Deploy-EtcdCluster.ps1') -InventoryPath $inventory -PkiPath (Join-Path $work 'pki') `
            -SshKeyPath $lab.KeyPath -KnownHostsPath $lab.KnownHostsPath -ReleaseBaseUrl $lab.ReleaseBaseUrl -ModulePath $ModulePath | Out-Host
    }
    Write-Host ("Deployed and checked in {0:0.0} s. The lab stays up; tear it down with: dotnet pwsh tests/lab/Lab.ps1 -Action Down" -f $elapsed.TotalSeconds) -ForegroundColor Green
}
finally {
    if ($TearDown) { & $labScript -Action Down }
}
