# Install benchmark: the whole pipeline from scratch for 3 and 7 members on lab hosts, next to the
# manual guide's steps done as a script (ssh/scp per step, per host, in sequence) on the same lab in the same
# run. Needs root on Linux (the lab); skipped otherwise. Targets: 3 members <= 3.5 s, 7 members <= 6 s.
param([string] $WorkDir)
$tools = Split-Path $PSScriptRoot
$labScript = Join-Path (Split-Path $tools) 'lab/Lab.ps1'
. (Join-Path (Split-Path $tools) 'lab/LabInfo.ps1')

if (-not $IsLinux -or (& id -u) -ne '0') {
    Write-Warning 'Install benchmark skipped: the lab needs root on Linux.'
    return
}

# The manual procedure, one ssh or scp per step and per host, host after host, as the guide does it.
function Invoke-ManualGuide($lab, $cluster, $pki, $configDir) {
    $ssh = @('-i', $lab.KeyPath, '-o', 'BatchMode=yes', '-o', "UserKnownHostsFile=$($lab.KnownHostsPath)", '-o', 'LogLevel=ERROR')
    $url = "$($lab.ReleaseBaseUrl)/v$($cluster.Version)/etcd-v$($cluster.Version)-linux-amd64.tar.gz"
    foreach ($m in $cluster.Members) {
        $h = "root@$($m.Address)"
        & ssh @ssh $h "curl -sSfL $url -o /tmp/etcd.tar.gz && tar -xzf /tmp/etcd.tar.gz -C /tmp && mv /tmp/etcd-v$($cluster.Version)-linux-amd64/etcd* /usr/local/bin/"
        # Uninstall-EtcdNode leaves the etcd user between runs, as a re-used host would have it.
        & ssh @ssh $h 'getent group etcd >/dev/null || groupadd --system -g 1501 etcd; id etcd >/dev/null 2>&1 || useradd --system -u 1501 -g etcd -d /var/lib/etcd -s /bin/false -M etcd'
        & ssh @ssh $h 'mkdir -p /etc/etcd /var/lib/etcd && chown etcd:etcd /etc/etcd /var/lib/etcd && chmod 700 /etc/etcd /var/lib/etcd'
        foreach ($f in 'ca.pem', 'server.pem', 'server-key.pem', "$($m.Name).pem", "$($m.Name)-key.pem", 'client.pem', 'client-key.pem') {
            & scp @ssh -q (Join-Path $pki.Path $f) "${h}:/etc/etcd/$f"
        }
        & scp @ssh -q (Join-Path $configDir "$($m.Name)/conf.yml") "${h}:/etc/etcd/conf.yml"
        & scp @ssh -q (Join-Path $configDir "$($m.Name)/etcd.service") "${h}:/etc/systemd/system/etcd.service"
        & ssh @ssh $h 'chown -R etcd:etcd /etc/etcd && chmod 600 /etc/etcd/*-key.pem && systemctl daemon-reload && systemctl enable --quiet etcd && systemctl start --no-block etcd'
    }
    $cluster | Wait-EtcdCluster -CertificateSet $pki -Timeout 120 | Out-Null
    foreach ($m in $cluster.Members) {
        & ssh @ssh "root@$($m.Address)" "sed -i 's/^initial-cluster-state: new/initial-cluster-state: existing/' /etc/etcd/conf.yml"
    }
}

$rows = foreach ($count in 3, 7) {
    & $labScript -Action Up -HostCount $count | Out-Null
    try {
        $lab = Get-LabInfo -Require
        $cluster = New-EtcdCluster -Name "bench$count" -Member @($lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
        $pki = $cluster | New-EtcdCertificateSet -Path (Join-Path $WorkDir "install-pki-$count")
        $configDir = Join-Path $WorkDir "install-config-$count"
        $cluster | New-EtcdConfig -CertificateSet $pki -Path $configDir | Out-Null
        $p = @{ SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
        $reset = { $cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @p }

        # The whole user pipeline from scratch, as the issue measures it: inventory, a new PKI, the release into an
        # empty cache (downloaded from the lab's mirror and verified), configs, install until healthy and `existing`.
        $ours = foreach ($i in 1..3) {
            & $reset
            $run = Join-Path $WorkDir "install-run-$count-$i"
            (Measure-Command {
                $c = New-EtcdCluster -Name "bench$count" -Member @($lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
                $set = $c | New-EtcdCertificateSet -Path (Join-Path $run 'pki')
                $r = Save-EtcdRelease -Version $c.Version -BaseUrl $lab.ReleaseBaseUrl -CachePath (Join-Path $run 'cache')
                $c | New-EtcdConfig -CertificateSet $set | Install-EtcdNode -Release $r @p | Out-Null
            }).TotalMilliseconds
        }
        $manual = foreach ($i in 1..2) {
            & $reset
            (Measure-Command { Invoke-ManualGuide $lab $cluster $pki $configDir }).TotalMilliseconds
        }
        & $reset
        [pscustomobject]@{
            Area        = 'Install'
            Case        = "whole pipeline from scratch, $count members (lab: PKI, release into an empty cache, config, install)"
            'Median ms' = [math]::Round(($ours | Sort-Object)[1], 0)
            Target      = $(if ($count -eq 3) { '<= 3500 ms' } else { '<= 6000 ms' })
            Comparison  = "manual guide as a script: $([math]::Round(($manual | Measure-Object -Minimum).Minimum, 0)) ms (best of 2)"
        }
    }
    finally { & $labScript -Action Down | Out-Null }
}
$rows
