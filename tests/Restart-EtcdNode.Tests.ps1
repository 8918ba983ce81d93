BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Restart-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
    }

    It 'restarts every member one at a time and the cluster stays healthy' {
        $before = Get-LabInvocationId -Context $ctx
        $states = $ctx.Cluster | Restart-EtcdNode -CertificateSet $ctx.Pki @ssh -PassThru
        $states.Count | Should -Be 3
        $after = Get-LabInvocationId -Context $ctx
        foreach ($k in $before.Keys) { $after[$k] | Should -Not -Be $before[$k] }
        (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }

    It 'refuses to restart while a member is down (it would lose quorum)' {
        $down = $ctx.Lab.Hosts[2].Name
        $ctx.Cluster | Stop-EtcdNode -Member $down @ssh
        try {
            $before = Get-LabInvocationId -Context $ctx
            { $ctx.Cluster | Restart-EtcdNode -Member $ctx.Lab.Hosts[0].Name -CertificateSet $ctx.Pki -TimeoutSeconds 5 @ssh -ErrorAction Stop } |
                Should -Throw -ErrorId 'ClusterUnhealthy,*'
            (Get-LabInvocationId -Context $ctx)[$ctx.Lab.Hosts[0].Name] | Should -Be $before[$ctx.Lab.Hosts[0].Name]
        }
        finally { $ctx.Cluster | Start-EtcdNode -Member $down @ssh }
    }

    It 'restarts a member that is down without waiting for a health it cannot have' {
        $down = $ctx.Lab.Hosts[1].Name
        $ctx.Cluster | Stop-EtcdNode -Member $down @ssh
        $state = $ctx.Cluster | Restart-EtcdNode -Member $down -CertificateSet $ctx.Pki -TimeoutSeconds 30 @ssh -PassThru -ErrorAction Stop
        $state.Active | Should -Be 'active'
        (Invoke-LabSsh -Lab $ctx.Lab -HostName $down -Command 'systemctl is-active etcd').Output | Should -Be 'active'
        (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }
}
