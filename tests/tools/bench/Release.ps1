<#
.SYNOPSIS
    Save-EtcdRelease benchmarks: the cached path (every deploy takes it) and an air-gapped import.
    The archive comes from the test cache ($ETCDOPS_CACHE/releases), never from the internet.
#>
param([string] $WorkDir)

function Measure-ReleaseMedian([scriptblock] $Block, [int] $Runs = 5) {
    & $Block | Out-Null
    $times = foreach ($i in 1..$Runs) { (Measure-Command { & $Block | Out-Null }).TotalMilliseconds }
    ($times | Sort-Object)[[int][math]::Floor($Runs / 2)]
}

$cacheRoot = if ($env:ETCDOPS_CACHE) { $env:ETCDOPS_CACHE } else { Join-Path $PSScriptRoot '../../../.cache' }
$archive = Join-Path $cacheRoot 'releases/v3.5.16/etcd-v3.5.16-linux-amd64.tar.gz'
if (-not (Test-Path $archive)) { Write-Warning "No release archive at $archive; run tests/lab/get-etcd.sh. Skipping Release benchmarks."; return }
$cache = Join-Path $WorkDir 'release-cache'
$sizeMb = [math]::Round((Get-Item $archive).Length / 1MB, 1)

[pscustomobject]@{
    Area = 'Release'; Case = "Save-EtcdRelease -ArchivePath, verify + copy $sizeMb MB"
    'Median ms' = [math]::Round((Measure-ReleaseMedian { Remove-Item $cache -Recurse -Force -ErrorAction SilentlyContinue; Save-EtcdRelease -Version 3.5.16 -ArchivePath $archive -CachePath $cache }), 1)
    Target = ''; Comparison = "sha256sum + cp: $([math]::Round((Measure-ReleaseMedian { & sha256sum $archive; Copy-Item $archive (Join-Path $WorkDir 'copy.tar.gz') -Force }), 1)) ms"
}
[pscustomobject]@{
    Area = 'Release'; Case = "Save-EtcdRelease, cached (re-verify $sizeMb MB)"
    'Median ms' = [math]::Round((Measure-ReleaseMedian { Save-EtcdRelease -Version 3.5.16 -ArchivePath $archive -CachePath $cache }), 1)
    Target = ''; Comparison = ''
}
