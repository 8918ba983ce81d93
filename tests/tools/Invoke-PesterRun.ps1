<#
.SYNOPSIS
    Runs every tests/*.Tests.ps1 with Pester 5 against the built module and writes a pass/fail/skip summary.
.DESCRIPTION
    Runs in its own process (build.ps1 starts it) so the module is loaded fresh. Tests that need the lab
    read $env:ETCDOPS_LAB; when the lab cannot run here they are skipped, and counted as skipped.
#>
param(
    [Parameter(Mandatory)] [string] $PesterPath,
    [Parameter(Mandatory)] [string] $PackagesPath,
    [Parameter(Mandatory)] [string] $TestsPath,
    [Parameter(Mandatory)] [string] $SummaryPath,
    [switch] $Lab
)
$ErrorActionPreference = 'Stop'
Import-Module $PesterPath -Force

$env:ETCDOPS_NUGET_PACKAGES = $PackagesPath
$labScript = Join-Path $TestsPath 'lab/Lab.ps1'
$labUp = $false
try {
    if ($Lab -and (Test-Path $labScript)) {
        # Five hosts: the shared cluster uses the first three (tests/lab/LabCluster.ps1); membership tests grow it.
        & $labScript -Action Up -HostCount 6
        $labUp = $true
        $env:ETCDOPS_LAB = '1'
    }
    $config = New-PesterConfiguration
    $config.Run.Path = @(Get-ChildItem $TestsPath -Filter '*.Tests.ps1' | ForEach-Object FullName)
    $config.Run.PassThru = $true
    $config.Output.Verbosity = 'Detailed'
    $config.TestResult.Enabled = $true
    $config.TestResult.OutputPath = Join-Path (Split-Path $SummaryPath) 'pester.xml'
    $result = Invoke-Pester -Configuration $config
}
finally {
    if ($labUp) { & $labScript -Action Down }
}
[pscustomobject]@{
    Passed  = $result.PassedCount
    Failed  = $result.FailedCount + $result.FailedBlocksCount + $result.FailedContainersCount
    Skipped = $result.SkippedCount
} | ConvertTo-Json | Set-Content $SummaryPath
