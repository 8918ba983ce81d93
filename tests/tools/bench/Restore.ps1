# Restore benchmark: Restore-EtcdSnapshot of a 3-member cluster in place (running members, ~10 MB snapshot), next
# to etcd's recovery guide done as a script (ssh/scp per step, per host, in sequence) on the same lab in the same
# run. Needs root on Linux (the lab); skipped otherwise. Target: 3 members <= 10 s.
param([string] $WorkDir)
$tools = Split-Path $PSScriptRoot
$labScript = Join-Path (Split-Path $tools) 'lab/Lab.ps1'
. (Join-Path (Split-Path $tools) 'lab/LabInfo.ps1')

if (-not $IsLinux -or (& id -u) -ne '0') {
    Write-Warning 'Restore benchmark skipped: the lab needs root on Linux.'
    return
}

# The recovery guide, one ssh or scp per step and per host, host after host; then start all and wait.
function Invoke-ManualRestore($lab, $cluster, $pki, $snapshot) {
    $ssh = @('-i', $lab.KeyPath, '-o', 'BatchMode=yes', '-o', "UserKnownHostsFile=$($lab.KnownHostsPath)", '-o', 'LogLevel=ERROR')
    $token = 'manual-' + [guid]::NewGuid().ToString('N').Substring(0, 8)
    $stamp = [DateTime]::UtcNow.ToString('yyyyMMddTHHmmssZ')
    foreach ($m in $cluster.Members) { & ssh @ssh "root@$($m.Address)" 'systemctl stop etcd' }
    foreach ($m in $cluster.Members) {
        $h = "root@$($m.Address)"
        & scp @ssh -q $snapshot.Path "${h}:/var/lib/etcd-restore.db"
        & ssh @ssh $h "mv /var/lib/etcd /var/lib/etcd.manual-$stamp"
        & ssh @ssh $h "etcdutl snapshot restore /var/lib/etcd-restore.db --name $($m.Name) --initial-cluster $($cluster.InitialCluster) --initial-cluster-token $token --initial-advertise-peer-urls $($cluster.PeerUrl($m)) --data-dir /var/lib/etcd >/dev/null 2>&1"
        & ssh @ssh $h "chown -R etcd:etcd /var/lib/etcd && chmod 700 /var/lib/etcd && rm -f /var/lib/etcd-restore.db && sed -i 's/^initial-cluster-token: .*/initial-cluster-token: $token/; s/^initial-cluster-state: .*/initial-cluster-state: new/' /etc/etcd/conf.yml"
    }
    foreach ($m in $cluster.Members) { & ssh @ssh "root@$($m.Address)" 'systemctl start --no-block etcd' }
    $cluster | Wait-EtcdCluster -CertificateSet $pki -Timeout 120 | Out-Null
    foreach ($m in $cluster.Members) { & ssh @ssh "root@$($m.Address)" "sed -i 's/^initial-cluster-state: new/initial-cluster-state: existing/' /etc/etcd/conf.yml" }
}

& $labScript -Action Up -HostCount 3 | Out-Null
try {
    $lab = Get-LabInfo -Require
    $cluster = New-EtcdCluster -Name bench-restore -Member @($lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
    $pki = $cluster | New-EtcdCertificateSet -Path (Join-Path $WorkDir 'restore-pki')
    $p = @{ SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
    $cluster | Install-EtcdNode -CertificateSet $pki -ReleaseBaseUrl $lab.ReleaseBaseUrl @p | Out-Null
    # About 10 MB of data: ten values of 1 MB.
    $etcdctl = Join-Path (Join-Path $WorkDir 'restore-bin') 'etcdctl'
    $value = Join-Path $WorkDir 'restore-value.bin'
    [IO.File]::WriteAllText($value, ('x' * 1000000))
    $tar = Join-Path $WorkDir 'restore-etcd.tar.gz'
    Invoke-WebRequest "$($lab.ReleaseBaseUrl)/v$($cluster.Version)/etcd-v$($cluster.Version)-linux-amd64.tar.gz" -OutFile $tar
    New-Item -ItemType Directory (Split-Path $etcdctl) -Force | Out-Null
    & tar -xzf $tar -C (Split-Path $etcdctl) --strip-components=1
    foreach ($i in 1..10) {
        & bash -c "'$etcdctl' --endpoints=$($cluster.ClientUrls[0]) --cacert='$($pki.CaCertificatePath)' --cert='$($pki.ClientCertificatePath)' --key='$($pki.ClientKeyPath)' put bench/$i < '$value'" | Out-Null
    }
    $snapshot = $cluster | Save-EtcdSnapshot -CertificateSet $pki -Path $WorkDir

    $current = $cluster
    $ours = foreach ($i in 1..3) {
        (Measure-Command { $script:current = $current | Restore-EtcdSnapshot -Path $snapshot.Path -CertificateSet $pki @p -Confirm:$false }).TotalMilliseconds
    }
    $manual = (Measure-Command { Invoke-ManualRestore $lab $current $pki $snapshot }).TotalMilliseconds
    [pscustomobject]@{
        Area        = 'Restore'
        Case        = "Restore-EtcdSnapshot in place, 3 running members, $([math]::Round($snapshot.Size / 1MB, 1)) MB snapshot (lab)"
        'Median ms' = [math]::Round(($ours | Sort-Object)[1], 0)
        Target      = '<= 10000 ms'
        Comparison  = "recovery guide as a script: $([math]::Round($manual, 0)) ms"
    }
}
finally { & $labScript -Action Down | Out-Null }
