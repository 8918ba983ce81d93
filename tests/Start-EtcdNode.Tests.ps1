BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Start-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
    }

    It 'starts a fully stopped cluster: all members together, then healthy' {
        $ctx.Cluster | Stop-EtcdNode -Force -Confirm:$false @ssh
        $states = $ctx.Cluster | Start-EtcdNode @ssh -PassThru
        $states.Count | Should -Be 3
        $ctx.Cluster | Wait-EtcdCluster -CertificateSet $ctx.Pki -Timeout 60
        (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }

    It '-WhatIf starts nothing' {
        $ctx.Cluster | Stop-EtcdNode -Member $ctx.Lab.Hosts[0].Name @ssh
        $ctx.Cluster | Start-EtcdNode -Member $ctx.Lab.Hosts[0].Name @ssh -WhatIf
        (Invoke-LabSsh -Lab $ctx.Lab -HostName $ctx.Lab.Hosts[0].Name -Command 'systemctl is-active etcd').Output | Should -Be 'inactive'
        $ctx.Cluster | Start-EtcdNode -Member $ctx.Lab.Hosts[0].Name @ssh
    }

    It 'names an unknown member' {
        { $ctx.Cluster | Start-EtcdNode -Member nosuch @ssh -ErrorAction Stop } | Should -Throw -ErrorId 'UnknownMember,*'
    }
}
