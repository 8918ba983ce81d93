BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Stop-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        $names = $ctx.Lab.Hosts.Name
    }
    AfterAll { $ctx.Cluster | Start-EtcdNode @ssh }

    It 'stops one member; the others keep serving' {
        $s = $ctx.Cluster | Stop-EtcdNode -Member $names[2] @ssh -PassThru
        $s.Active | Should -Be 'inactive'
        (Invoke-LabEtcdctl -Context $ctx -Endpoints $ctx.Cluster.ClientUrls[0..1] -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
        (Invoke-LabSsh -Lab $ctx.Lab -HostName $names[2] -Command 'systemctl is-active etcd').Output | Should -Be 'inactive'
    }

    It 'refuses to stop a second member, which would lose quorum' {
        { $ctx.Cluster | Stop-EtcdNode -Member $names[1] @ssh -ErrorAction Stop } | Should -Throw -ErrorId 'QuorumWouldBeLost,*'
        (Invoke-LabSsh -Lab $ctx.Lab -HostName $names[1] -Command 'systemctl is-active etcd').Output | Should -Be 'active'
    }

    It 'stops the whole cluster with -Force' {
        $ctx.Cluster | Stop-EtcdNode -Force -Confirm:$false @ssh
        foreach ($n in $names) { (Invoke-LabSsh -Lab $ctx.Lab -HostName $n -Command 'systemctl is-active etcd').Output | Should -Be 'inactive' }
    }
}
