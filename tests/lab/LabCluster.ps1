# Shared by the host-touching Pester files: a cluster of the lab's hosts, its certificates, and the SSH
# parameters to reach them. Dot-source after common.ps1; call only when $env:ETCDOPS_LAB is set.
. "$PSScriptRoot/LabInfo.ps1"
. "$PSScriptRoot/../tools/LocalEtcd.ps1"

# The cluster is the lab's first -HostCount hosts (3): $ctx.Lab shows only those, so tests that look at "every
# host" see the cluster's. The other hosts (the test run starts 6: three more) are $ctx.SpareHosts, for tests
# that grow the cluster; $ctx.FullLab is the whole lab.
function Get-LabClusterContext {
    param([int] $HostCount = 3)
    $full = Get-LabInfo -Require
    $lab = $full.PSObject.Copy()
    $lab.Hosts = @($full.Hosts | Select-Object -First $HostCount)
    $pkiDir = Join-Path $lab.StateDir 'pki'
    $cluster = New-EtcdCluster -Name lab -Version 3.5.16 -Token 'etcdops-lab-tests' -Member @(
        $lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
    $pki = if (Test-Path (Join-Path $pkiDir 'ca.pem')) { Import-EtcdCertificateSet -Path $pkiDir }
           else { $cluster | New-EtcdCertificateSet -Path $pkiDir }
    $inventory = Join-Path $lab.StateDir 'lab-cluster.yml'
    $cluster | Export-EtcdCluster -Path $inventory
    [pscustomobject]@{
        Lab            = $lab
        FullLab        = $full
        SpareHosts     = @($full.Hosts | Select-Object -Skip $HostCount)
        InventoryPath  = $inventory
        Cluster        = $cluster
        Pki            = $pki
        # What every host-touching cmdlet needs to reach the lab as root with strict host-key checking.
        Ssh            = @{ SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
        ReleaseBaseUrl = $lab.ReleaseBaseUrl
        Etcdctl        = Get-EtcdBinary -Version 3.5.16 -Name etcdctl
    }
}

# Deploys the lab cluster unless it is already healthy (Install-EtcdNode is idempotent, so this is cheap).
function Initialize-LabCluster {
    param([Parameter(Mandatory)] $Context)
    $ssh = $Context.Ssh
    $Context.Cluster | Install-EtcdNode -CertificateSet $Context.Pki -ReleaseBaseUrl $Context.ReleaseBaseUrl @ssh -ErrorAction Stop | Out-Null
}

# etcdctl (from the same release archive the hosts got) against the lab cluster.
function Invoke-LabEtcdctl {
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] [string[]] $Arguments, [switch] $NoClientCert, [string[]] $Endpoints = $Context.Cluster.ClientUrls)
    $tls = @("--cacert=$($Context.Pki.CaCertificatePath)")
    if (-not $NoClientCert) { $tls += "--cert=$($Context.Pki.ClientCertificatePath)", "--key=$($Context.Pki.ClientKeyPath)" }
    $env:ETCDCTL_API = '3'
    $out = & $Context.Etcdctl "--endpoints=$($Endpoints -join ',')" @tls '--dial-timeout=3s' '--command-timeout=5s' @Arguments 2>&1
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
}

# systemd's InvocationID per host (the cluster's, or -HostName ones of the whole lab): unchanged IDs prove nothing was restarted.
function Get-LabInvocationId {
    param([Parameter(Mandatory)] $Context, [string[]] $HostName)
    $ids = @{}
    $names = if ($HostName) { $HostName } else { $Context.Lab.Hosts.Name }
    foreach ($h in $names) {
        $ids[$h] = (Invoke-LabSsh -Lab $Context.FullLab -HostName $h -Command 'systemctl show -p InvocationID --value etcd').Output.Trim()
    }
    $ids
}

# One command on every host of the cluster (or -HostName ones), all at once: a hashtable host name -> output
# (stdout and stderr). For checks that would otherwise cost one SSH round trip per host in a row.
function Invoke-LabClusterSsh {
    param([Parameter(Mandatory)] $Context, [Parameter(Mandatory)] [string] $Command, [string[]] $HostName)
    $names = if ($HostName) { $HostName } else { $Context.Lab.Hosts.Name }
    $lab = $Context.FullLab
    $info = "$PSScriptRoot/LabInfo.ps1"
    $outputs = @{}
    $names | ForEach-Object -ThrottleLimit 8 -Parallel {
        . $using:info
        [pscustomobject]@{ Name = $_; Output = (Invoke-LabSsh -Lab $using:lab -HostName $_ -Command $using:Command).Output }
    } | ForEach-Object { $outputs[$_.Name] = $_.Output }
    $outputs
}

# Runs etcd-snapshot.service (Enable-EtcdSnapshotSchedule's) once on every host of the cluster, all at once, each
# waiting for its run: a hashtable host name -> output, which ends in 'started-ok' when the run succeeded.
# systemd in the lab's containers now and then cannot set up a unit's cgroup when it starts again right after it
# ended (the old one is not gone yet: 'Failed to kill control group ... Input/output error'); the start then fails
# with 219/CGROUP before the service's script runs. Only that is started again; any other failure counts.
function Start-LabSnapshotService {
    param([Parameter(Mandatory)] $Context)
    $command = 'for try in 1 2 3; do systemctl start etcd-snapshot.service && { echo started-ok; exit 0; }; ' +
        '[ "$(systemctl show -p ExecMainStatus --value etcd-snapshot.service)" = 219 ] || exit 1; sleep 1; done; exit 1'
    Invoke-LabClusterSsh -Context $Context -Command $command
}
