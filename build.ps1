<#
.SYNOPSIS
    Builds, tests, demonstrates, benchmarks and packages EtcdOps.
.EXAMPLE
    dotnet tool restore; dotnet pwsh ./build.ps1 -Task Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Test', 'Demo', 'Bench', 'Package', 'Clean')]
    [string] $Task = 'Build',

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release',

    # Test only: skip the lab integration tests even where they could run.
    [switch] $NoLab
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$root = $PSScriptRoot
$output = Join-Path $root 'output'
$moduleOut = Join-Path $output 'EtcdOps'
$manifest = Import-PowerShellDataFile (Join-Path $root 'EtcdOps.psd1')
$version = $manifest.ModuleVersion
# Child PowerShell processes: under 'dotnet pwsh' the process is the dotnet host, so run pwsh.dll through it.
$pwshDll = Join-Path $PSHOME 'pwsh.dll'
$pwsh = (Get-Process -Id $PID).Path
$pwshArgs = @()
if ((Split-Path $pwsh -Leaf) -like 'dotnet*' -and (Test-Path $pwshDll)) { $pwshArgs = @($pwshDll) }

function Invoke-Native {
    param([string] $File, [string[]] $Arguments)
    & $File @Arguments
    if ($LASTEXITCODE -ne 0) { throw "'$File $($Arguments -join ' ')' failed with exit code $LASTEXITCODE." }
}

function Invoke-Clean {
    foreach ($dir in @($output) + @(Get-ChildItem $root/src, $root/tests -Directory -Recurse -Include bin, obj | ForEach-Object FullName)) {
        if ($dir -and (Test-Path $dir)) { Remove-Item $dir -Recurse -Force }
    }
}

# The scripts EtcdOps runs on hosts (POSIX sh, embedded in Core) must pass shellcheck. Without shellcheck the
# build warns and goes on; the Test task installs it first, so every test run checks them.
function Test-RemoteScript {
    $scripts = @(Get-ChildItem "$root/src/EtcdOps.Core/Remote/Scripts" -Filter *.sh | Sort-Object Name)
    if (-not (Get-Command shellcheck -ErrorAction SilentlyContinue)) {
        Write-Warning "shellcheck is not installed: the $($scripts.Count) remote scripts were not checked (build.ps1 -Task Test installs it)."
        return
    }
    & shellcheck -s sh @($scripts.FullName)
    if ($LASTEXITCODE -ne 0) { throw "shellcheck found problems in the remote scripts (src/EtcdOps.Core/Remote/Scripts); see above." }
    Write-Host "shellcheck: $($scripts.Count) remote scripts clean"
}

function Invoke-Build {
    Test-RemoteScript
    if (Test-Path $moduleOut) { Remove-Item $moduleOut -Recurse -Force }
    $common = @('-c', $Configuration, '-nologo', '-v', 'q', "-p:ModuleVersion=$version")
    # Two builds: net8.0 (PowerShell 7.4+, with its dependencies' net8.0 assemblies and the loader) and
    # netstandard2.0 for Windows PowerShell 5.1.
    foreach ($framework in 'net8.0', 'netstandard2.0') {
        Invoke-Native dotnet (@('publish', "$root/src/EtcdOps/EtcdOps.csproj", '-f', $framework, '-o', "$moduleOut/bin/$framework") + $common)
    }
    Invoke-Native dotnet (@('publish', "$root/src/EtcdOps.Loader/EtcdOps.Loader.csproj", '-o', "$moduleOut/bin/net8.0") + $common)
    Get-ChildItem $moduleOut/bin -Recurse -Include *.pdb, *.deps.json | Remove-Item -Force

    Copy-Item $root/EtcdOps.psd1, $root/src/EtcdOps/EtcdOps.psm1, $root/CHANGELOG.md, $root/README.md, $root/LICENSE $moduleOut
    Copy-Item $root/src/EtcdOps/Formats $moduleOut -Recurse

    # MAML help is generated from docs/*.md against the built cmdlets' real parameter metadata.
    Invoke-Native $pwsh ($pwshArgs + @('-NoProfile', '-NonInteractive', '-File', "$root/src/build/New-MamlHelp.ps1",
        '-ModulePath', $moduleOut, '-DocsPath', "$root/docs", '-OutFile', "$moduleOut/en-US/EtcdOps.dll-Help.xml"))
    # The about topics (about_EtcdOps: layout, inventory format, security defaults, error IDs) as plain text for Get-Help.
    Invoke-Native $pwsh ($pwshArgs + @('-NoProfile', '-NonInteractive', '-File', "$root/src/build/New-AboutHelp.ps1",
        '-DocsPath', "$root/docs", '-OutPath', "$moduleOut/en-US"))
    Write-Host "Built EtcdOps $version -> $moduleOut"
}

function Get-TestDependency {
    # Pester and the foreign YamlDotNet used by the isolation test come from NuGet, like everything else.
    Invoke-Native dotnet @('restore', "$root/tests/tools/TestDependencies.proj", '-nologo', '-v', 'q')
    $packages = (& dotnet nuget locals global-packages --list) -replace '^global-packages:\s*', ''
    $pester = Join-Path $packages.Trim() 'pester/5.7.1/tools/Pester.psd1'
    if (-not (Test-Path $pester)) { throw "Pester 5.7.1 was restored but $pester is missing." }
    [pscustomobject]@{ Pester = $pester; Packages = $packages.Trim() }
}

# The tests and the demo run real things: etcd from Debian's packages, cfssl and openssl as oracles,
# and systemd-nspawn hosts; shellcheck checks the remote scripts. Install what a machine with only the
# .NET SDK lacks (as root, on Debian).
function Install-Prerequisite {
    if (-not $IsLinux) { return }
    $packages = [ordered]@{
        'debootstrap' = 'debootstrap'; 'systemd-nspawn' = 'systemd-container'; 'ssh' = 'openssh-client'
        'ssh-keygen' = 'openssh-client'; 'cfssl' = 'golang-cfssl'; 'openssl' = 'openssl'; 'ip' = 'iproute2'
        'dpkg-deb' = 'dpkg'; 'curl' = 'curl'; 'shellcheck' = 'shellcheck'
    }
    $missing = @($packages.Keys | Where-Object { -not (Get-Command $_ -ErrorAction SilentlyContinue) } | ForEach-Object { $packages[$_] } | Select-Object -Unique)
    if ($missing) {
        if ((& id -u) -ne '0') { Write-Warning "Missing tools ($($missing -join ', ')); run as root to install them. Tests that need them will fail."; return }
        Write-Host "Installing: $($missing -join ' ')"
        $env:DEBIAN_FRONTEND = 'noninteractive'
        Invoke-Native apt-get @('-qq', 'update')
        Invoke-Native apt-get (@('-qq', 'install', '-y', '--no-install-recommends') + $missing)
    }
    # etcd 3.4 and 3.5 release archives, built from Debian's packages (cached).
    Invoke-Native bash @("$root/tests/lab/get-etcd.sh")
}

function Test-LabPossible {
    if ($NoLab) { return $false }
    if (-not $IsLinux) { return $false }
    return ((& id -u) -eq '0')
}

function Invoke-Test {
    Install-Prerequisite
    Invoke-Build
    $deps = Get-TestDependency
    $results = Join-Path $output 'test-results'
    New-Item -ItemType Directory -Force $results | Out-Null

    Write-Host "`n== xunit: EtcdOps.Core.Tests" -ForegroundColor Cyan
    $trx = Join-Path $results 'core.trx'
    & dotnet test "$root/tests/EtcdOps.Core.Tests/EtcdOps.Core.Tests.csproj" -c $Configuration -nologo -v q `
        --logger "trx;LogFileName=$trx" --logger 'console;verbosity=minimal'
    $xunit = @{ Passed = 0; Failed = 0; Skipped = 0 }
    if (Test-Path $trx) {
        $counters = ([xml](Get-Content $trx -Raw)).TestRun.ResultSummary.Counters
        $xunit.Passed = [int]$counters.passed
        $xunit.Failed = [int]$counters.failed + [int]$counters.error + [int]$counters.timeout
        $xunit.Skipped = [int]$counters.notExecuted
    }
    else { $xunit.Failed = 1; Write-Host 'xunit produced no results.' -ForegroundColor Red }

    Write-Host "`n== Pester" -ForegroundColor Cyan
    $lab = Test-LabPossible
    $summary = Join-Path $results 'pester.json'
    & $pwsh @pwshArgs -NoProfile -NonInteractive -File "$root/tests/tools/Invoke-PesterRun.ps1" `
        -PesterPath $deps.Pester -PackagesPath $deps.Packages -TestsPath "$root/tests" `
        -SummaryPath $summary -Lab:$lab
    $pester = if (Test-Path $summary) { Get-Content $summary -Raw | ConvertFrom-Json } else { [pscustomobject]@{ Passed = 0; Failed = 1; Skipped = 0 } }

    $passed = $xunit.Passed + $pester.Passed
    $failed = $xunit.Failed + $pester.Failed
    $skipped = $xunit.Skipped + $pester.Skipped
    Write-Host ''
    Write-Host "xunit: $($xunit.Passed) passed, $($xunit.Failed) failed; Pester: $($pester.Passed) passed, $($pester.Failed) failed, $($pester.Skipped) skipped"
    $line = "$passed passed, $failed failed"
    if ($skipped -gt 0) { $line += ", $skipped skipped" }
    Write-Host $line
    if ($failed -gt 0) { exit 1 }
}

function Invoke-Demo {
    Install-Prerequisite
    Invoke-Build
    & $pwsh @pwshArgs -NoProfile -NonInteractive -File "$root/examples/Deploy-LabCluster.ps1" -ModulePath $moduleOut
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Bench {
    Invoke-Build
    & $pwsh @pwshArgs -NoProfile -NonInteractive -File "$root/tests/tools/Invoke-Benchmark.ps1" -ModulePath $moduleOut
    if ($LASTEXITCODE -ne 0) { exit $LASTEXITCODE }
}

function Invoke-Package {
    Invoke-Build
    $repo = Join-Path $output 'repository'
    New-Item -ItemType Directory -Force $repo | Out-Null
    Get-ChildItem $repo -Filter 'EtcdOps.*.nupkg' | Remove-Item -Force
    $name = "EtcdOpsBuild$PID"
    Register-PSResourceRepository -Name $name -Uri $repo -Trusted
    try { Publish-PSResource -Path $moduleOut -Repository $name }
    finally { Unregister-PSResourceRepository -Name $name }
    Get-ChildItem $repo -Filter 'EtcdOps.*.nupkg' | ForEach-Object { Write-Host "Package: $($_.FullName)" }
}

switch ($Task) {
    'Clean' { Invoke-Clean }
    'Build' { Invoke-Build }
    'Test' { Invoke-Test }
    'Demo' { Invoke-Demo }
    'Bench' { Invoke-Bench }
    'Package' { Invoke-Package }
}
