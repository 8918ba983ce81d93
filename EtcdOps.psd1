@{
    RootModule           = 'EtcdOps.psm1'
    ModuleVersion        = '0.4.0'
    GUID                 = '5f3b8f0e-8a52-4c1e-9d0c-3e7e0b6c2a41'
    Author               = 'EtcdOps contributors'
    CompanyName          = 'EtcdOps'
    Copyright            = '(c) EtcdOps contributors. MIT License.'
    Description          = 'From bare Linux hosts to a running, TLS-authenticated, CIS-clean etcd cluster over SSH, and day-2 operations after that.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Core', 'Desktop')
    FormatsToProcess     = @(
        'Formats/Cluster.format.ps1xml'
        'Formats/Pki.format.ps1xml'
        'Formats/Config.format.ps1xml'
        'Formats/Api.format.ps1xml'
        'Formats/Node.format.ps1xml'
        'Formats/Release.format.ps1xml'
        'Formats/Maintenance.format.ps1xml'
    )
    FunctionsToExport    = @()
    CmdletsToExport      = @(
        'New-EtcdCluster'
        'Export-EtcdCluster'
        'Import-EtcdCluster'
        'New-EtcdCertificateSet'
        'Import-EtcdCertificateSet'
        'Get-EtcdCertificate'
        'Test-EtcdCertificateSet'
        'Update-EtcdCertificate'
        'New-EtcdConfig'
        'Test-EtcdConfig'
        'Get-EtcdMember'
        'Get-EtcdEndpointStatus'
        'Save-EtcdSnapshot'
        'Get-EtcdSnapshot'
        'Enable-EtcdSnapshotSchedule'
        'Disable-EtcdSnapshotSchedule'
        'Restore-EtcdSnapshot'
        'Test-EtcdEndpointHealth'
        'Wait-EtcdCluster'
        'Get-EtcdctlEnvironment'
        'Get-EtcdAlarm'
        'Clear-EtcdAlarm'
        'Invoke-EtcdCompaction'
        'Invoke-EtcdDefragmentation'
        'Move-EtcdLeader'
        'Test-EtcdConsistency'
        'Test-EtcdNode'
        'Test-EtcdPerformance'
        'Save-EtcdRelease'
        'Install-EtcdNode'
        'Add-EtcdMember'
        'Remove-EtcdMember'
        'Start-EtcdNode'
        'Stop-EtcdNode'
        'Restart-EtcdNode'
        'Update-EtcdNode'
        'Get-EtcdNodeLog'
        'Uninstall-EtcdNode'
    )
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{
        PSData = @{
            Tags         = @('etcd', 'cluster', 'pki', 'tls', 'ssh', 'linux', 'kubernetes', 'PSEdition_Core', 'PSEdition_Desktop')
            LicenseUri   = 'https://opensource.org/licenses/MIT'
            ProjectUri   = 'https://github.com/etcdops/EtcdOps'
            ReleaseNotes = 'See CHANGELOG.md in the module folder.'
        }
    }
}
