# Day-2 benchmark on 4 lab hosts: leaf renewal of a running 3-member cluster (Update-EtcdCertificate, no restart),
# then Add-EtcdMember of the fourth host (release cached, from the call to a promoted voter) and Remove-EtcdMember
# of it again, three rounds each. Needs root on Linux (the lab); skipped otherwise.
# Targets: renewal of 3 members <= 3 s; Add-EtcdMember <= 6 s (kubeadm's join waits up to 40 s); Remove <= 3 s.
param([string] $WorkDir)
$tools = Split-Path $PSScriptRoot
$labScript = Join-Path (Split-Path $tools) 'lab/Lab.ps1'
. (Join-Path (Split-Path $tools) 'lab/LabInfo.ps1')

if (-not $IsLinux -or (& id -u) -ne '0') {
    Write-Warning 'Day-2 benchmark skipped: the lab needs root on Linux.'
    return
}

function New-Row([string] $Case, [double[]] $Times, [string] $Target) {
    [pscustomobject]@{
        Area        = 'Day 2'
        Case        = $Case
        'Median ms' = [math]::Round(($Times | Sort-Object)[[int][math]::Floor($Times.Count / 2)], 0)
        Target      = $Target
        Comparison  = "runs: $(($Times | ForEach-Object { [math]::Round($_, 0) }) -join ', ') ms"
    }
}

& $labScript -Action Up -HostCount 4 | Out-Null
try {
    $lab = Get-LabInfo -Require
    $hosts = @($lab.Hosts)
    $members = @($hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } })
    $cluster = New-EtcdCluster -Name benchday2 -Member $members[0..2] -WarningAction SilentlyContinue
    $grown = New-EtcdCluster -Name benchday2 -Member $members -WarningAction SilentlyContinue
    $pki = $grown | New-EtcdCertificateSet -Path (Join-Path $WorkDir 'day2-pki')
    $release = Save-EtcdRelease -Version $cluster.Version -BaseUrl $lab.ReleaseBaseUrl
    $p = @{ SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
    $grown | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @p -ErrorAction SilentlyContinue
    $cluster | Install-EtcdNode -CertificateSet $pki -Release $release @p | Out-Null

    $renewals = foreach ($i in 1..3) {
        (Measure-Command { $script:pki = $cluster | Update-EtcdCertificate -CertificateSet $pki @p -Confirm:$false -ErrorAction Stop }).TotalMilliseconds
    }
    # The renewed set names the cluster's members; the folder also holds lab4's files for the growth.
    $pki = Import-EtcdCertificateSet -Path $pki.Path
    $adds = @(); $removes = @()
    foreach ($i in 1..3) {
        $adds += (Measure-Command { $cluster | Add-EtcdMember -Member $members[3] -CertificateSet $pki -Release $release @p -ErrorAction Stop | Out-Null }).TotalMilliseconds
        $removes += (Measure-Command { $grown | Remove-EtcdMember -Member $members[3].Name -CertificateSet $pki @p -Confirm:$false -ErrorAction Stop | Out-Null }).TotalMilliseconds
    }
    $grown | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @p -ErrorAction SilentlyContinue
    New-Row 'Update-EtcdCertificate (renew every leaf), 3 members, no restart (lab)' $renewals '<= 3000 ms'
    New-Row 'Add-EtcdMember, 3 -> 4, to a promoted voter (lab, release cached)' $adds '<= 6000 ms'
    New-Row 'Remove-EtcdMember, 4 -> 3 (lab)' $removes '<= 3000 ms'
}
finally { & $labScript -Action Down | Out-Null }
