BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Uninstall-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        $lab = $ctx.Lab
        function Get-Present($name) { (Invoke-LabSsh -Lab $lab -HostName $name -Command 'for p in /usr/local/bin/etcd /etc/etcd /etc/systemd/system/etcd.service /var/lib/etcd/member; do test -e $p && echo $p; done').Output }
    }

    It '-WhatIf removes nothing' {
        $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force @ssh -WhatIf
        Get-Present $lab.Hosts[0].Name | Should -Match '/var/lib/etcd/member'
    }

    It 'refuses to uninstall a member while another is down (the cluster would lose quorum)' {
        $down, $target = $lab.Hosts[2].Name, $lab.Hosts[1].Name
        $ctx.Cluster | Stop-EtcdNode -Member $down @ssh
        try {
            { $ctx.Cluster | Uninstall-EtcdNode -Member $target -Confirm:$false @ssh -ErrorAction Stop } | Should -Throw -ErrorId 'QuorumWouldBeLost,*'
            Get-Present $target | Should -Match '/usr/local/bin/etcd'
            (Invoke-LabSsh -Lab $lab -HostName $target -Command 'systemctl is-active etcd').Output | Should -Be 'active'
            # Two of three still serve writes.
            (Invoke-LabEtcdctl -Context $ctx -Endpoints $ctx.Cluster.ClientUrls[0..1] -Arguments 'put', 'uninstall-guard', 'ok').ExitCode | Should -Be 0
        }
        finally { $ctx.Cluster | Start-EtcdNode -Member $down @ssh }
    }

    It 'uninstalling the whole running cluster needs -Force' {
        { $ctx.Cluster | Uninstall-EtcdNode -Confirm:$false @ssh -ErrorAction Stop } | Should -Throw -ErrorId 'QuorumWouldBeLost,*'
        Get-Present $lab.Hosts[0].Name | Should -Match '/usr/local/bin/etcd'
    }

    It 'removes unit, binaries and config but keeps the data without -RemoveData' {
        $ctx.Cluster | Uninstall-EtcdNode -Force -Confirm:$false @ssh
        foreach ($h in $lab.Hosts) {
            (Get-Present $h.Name).Trim() | Should -Be '/var/lib/etcd/member'
            (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'systemctl is-active etcd').Output | Should -Not -Be 'active'
        }
    }

    It 'removes the data with -RemoveData -Force' {
        $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh
        foreach ($h in $lab.Hosts) { Get-Present $h.Name | Should -BeNullOrEmpty }
    }
}
