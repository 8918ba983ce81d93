# Rolling-upgrade benchmark: Update-EtcdNode 3.5.16 -> 3.5.30 on 3 lab members (releases cached, the snapshot
# included), each round from a fresh 3.5.16 deployment. Needs root on Linux (the lab); skipped otherwise.
# Target: 3 members <= 20 s.
param([string] $WorkDir)
$tools = Split-Path $PSScriptRoot
$labScript = Join-Path (Split-Path $tools) 'lab/Lab.ps1'
. (Join-Path (Split-Path $tools) 'lab/LabInfo.ps1')

if (-not $IsLinux -or (& id -u) -ne '0') {
    Write-Warning 'Upgrade benchmark skipped: the lab needs root on Linux.'
    return
}

& $labScript -Action Up -HostCount 3 | Out-Null
try {
    $lab = Get-LabInfo -Require
    $cluster = New-EtcdCluster -Name benchup -Version 3.5.16 -Member @($lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
    $pki = $cluster | New-EtcdCertificateSet -Path (Join-Path $WorkDir 'upgrade-pki')
    $old = Save-EtcdRelease -Version 3.5.16 -BaseUrl $lab.ReleaseBaseUrl
    $new = Save-EtcdRelease -Version 3.5.30 -BaseUrl $lab.ReleaseBaseUrl
    $snapshots = New-Item -ItemType Directory (Join-Path $WorkDir 'upgrade-snapshots')
    $p = @{ SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
    $times = foreach ($i in 1..3) {
        $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @p
        $cluster | Install-EtcdNode -CertificateSet $pki -Release $old @p | Out-Null
        (Measure-Command {
            $cluster | Update-EtcdNode -Version 3.5.30 -Release $new -CertificateSet $pki -SnapshotPath $snapshots @p -ErrorAction Stop -WarningAction SilentlyContinue | Out-Null
        }).TotalMilliseconds
    }
    $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @p
    [pscustomobject]@{
        Area        = 'Upgrade'
        Case        = 'rolling upgrade 3.5.16 -> 3.5.30, 3 members (lab, releases cached, snapshot first)'
        'Median ms' = [math]::Round(($times | Sort-Object)[1], 0)
        Target      = '<= 20000 ms'
        Comparison  = "runs: $(($times | ForEach-Object { [math]::Round($_, 0) }) -join ', ') ms"
    }
}
finally { & $labScript -Action Down | Out-Null }
