# Shared setup for every Pester file: import the *built* module, and helpers the tests share.
$script:RepoRoot = Split-Path $PSScriptRoot -Parent
$script:ModulePath = Join-Path $RepoRoot 'output/EtcdOps'
if (-not (Test-Path (Join-Path $ModulePath 'EtcdOps.psd1'))) {
    throw "The module is not built. Run: dotnet pwsh ./build.ps1 -Task Build"
}
Import-Module $ModulePath -Force

# Where tools/TestDependencies.proj put its packages (set by the runner; fall back to NuGet's default).
function Get-NuGetPackagePath([string] $Id, [string] $Version) {
    $root = if ($env:ETCDOPS_NUGET_PACKAGES) { $env:ETCDOPS_NUGET_PACKAGES } else { Join-Path $HOME '.nuget/packages' }
    Join-Path $root "$($Id.ToLowerInvariant())/$Version"
}

function New-TestDirectory {
    $dir = Join-Path ([IO.Path]::GetTempPath()) ("etcdops-test-" + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $dir | Out-Null
    $dir
}

# Runs a script block in a fresh pwsh and returns its output (for tests that need a clean session).
function Invoke-InNewSession([string] $Script) {
    $pwsh = (Get-Process -Id $PID).Path
    [string[]] $pwshArgs = if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    $output = & $pwsh @pwshArgs -NoProfile -NonInteractive -Command $Script 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($output | Out-String) }
}
