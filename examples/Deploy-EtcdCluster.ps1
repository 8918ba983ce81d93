<#
.SYNOPSIS
    Deploys a TLS etcd cluster from an inventory file onto Linux hosts over SSH, then shows its state.
.DESCRIPTION
    The whole manual procedure as one pipeline: certificates (kept in -PkiPath, made once, reused after),
    per-member config checked before any host is touched, install over SSH, then the checks an operator
    does with etcdctl: member list, endpoint status and endpoint health. Safe to re-run: an unchanged
    cluster is left alone.
.EXAMPLE
    ./examples/Deploy-EtcdCluster.ps1 -InventoryPath ./staging.yml -PkiPath ./pki -SshUser ops -SshKeyPath ~/.ssh/id_ed25519
#>
param(
    [Parameter(Mandatory)] [string] $InventoryPath,
    [Parameter(Mandatory)] [string] $PkiPath,
    [string] $SshUser = 'root',
    [string] $SshKeyPath = (Join-Path $HOME '.ssh/id_ed25519'),
    [string] $KnownHostsPath = (Join-Path $HOME '.ssh/known_hosts'),
    # A mirror of the etcd release downloads; the official location when omitted.
    [string] $ReleaseBaseUrl,
    [string] $ModulePath = 'EtcdOps'
)
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath

$cluster = Import-EtcdCluster -Path $InventoryPath
$pki = if (Test-Path (Join-Path $PkiPath 'ca.pem')) { Import-EtcdCertificateSet -Path $PkiPath }
       else { $cluster | New-EtcdCertificateSet -Path $PkiPath }

# Pre-flight: nothing below touches a host if the certificates or the configs would fail.
$problems = @(Test-EtcdCertificateSet -CertificateSet $pki -Cluster $cluster) + @($cluster | New-EtcdConfig -CertificateSet $pki | Test-EtcdConfig)
$problems | Where-Object Severity -eq 'Warning' | ForEach-Object { Write-Warning "$($_.Target): $($_.Message)" }
if ($problems | Where-Object Severity -eq 'Error') { $problems | Format-Table -Wrap; throw 'Pre-flight checks failed; no host was touched.' }

$ssh = @{ SshUser = $SshUser; SshKeyPath = $SshKeyPath; KnownHostsPath = $KnownHostsPath }
if ($ReleaseBaseUrl) { $ssh.ReleaseBaseUrl = $ReleaseBaseUrl }
$cluster | New-EtcdConfig -CertificateSet $pki | Install-EtcdNode @ssh | Format-Table -AutoSize

Write-Host "`nMembers" -ForegroundColor Cyan
$cluster | Get-EtcdMember -CertificateSet $pki | Format-Table -AutoSize
Write-Host "Endpoint status" -ForegroundColor Cyan
$cluster | Get-EtcdEndpointStatus -CertificateSet $pki | Format-Table -AutoSize
Write-Host "Endpoint health" -ForegroundColor Cyan
$cluster | Test-EtcdEndpointHealth -CertificateSet $pki | Format-Table -AutoSize
Write-Host "etcdctl environment (paste into a shell profile)" -ForegroundColor Cyan
$cluster | Get-EtcdctlEnvironment -CertificateSet $pki -Shell Bash
