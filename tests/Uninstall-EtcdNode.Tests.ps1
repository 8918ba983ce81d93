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

    It 'removes unit, binaries and config but keeps the data without -RemoveData' {
        $ctx.Cluster | Uninstall-EtcdNode -Confirm:$false @ssh
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
