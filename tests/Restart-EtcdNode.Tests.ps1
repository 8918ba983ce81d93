BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Restart-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        # The member etcdctl's endpoint status marks as the leader (its IS LEADER column).
        function Get-LabLeader {
            $rows = (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'status', '-w', 'simple').Output -split "`n" | Where-Object { $_ -match ',' }
            $leaders = @($rows | Where-Object { ($_ -split ',\s*')[4] -eq 'true' } | ForEach-Object { ([uri](($_ -split ',\s*')[0])).Host })
            $leaders.Count | Should -Be 1
            ($ctx.Cluster.Members | Where-Object Address -eq $leaders[0]).Name
        }
    }

    It 'restarts every member one at a time and the cluster stays healthy' {
        $before = Get-LabInvocationId -Context $ctx
        $states = $ctx.Cluster | Restart-EtcdNode -CertificateSet $ctx.Pki @ssh -PassThru
        $states.Count | Should -Be 3
        $after = Get-LabInvocationId -Context $ctx
        foreach ($k in $before.Keys) { $after[$k] | Should -Not -Be $before[$k] }
        (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
    }

    It 'restarts the leader last, after handing leadership to another member, which keeps it' {
        $leader = Get-LabLeader
        $verbose = $ctx.Cluster | Restart-EtcdNode -CertificateSet $ctx.Pki @ssh -PassThru -Verbose -ErrorAction Stop 4>&1
        $states = @($verbose | Where-Object { $_ -is [EtcdOps.Deploy.EtcdNodeState] })
        ($states.Name -join ',') | Should -Be ((@($ctx.Cluster.Members.Name | Where-Object { $_ -ne $leader }) + $leader) -join ',')
        $moved = @($verbose | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -match " ${leader}: Moving leadership to (\S+)" })
        $moved.Count | Should -Be 1
        $heir = [regex]::Match($moved[0].Message, 'Moving leadership to (\S+)').Groups[1].Value
        $heir | Should -Not -Be $leader
        Get-LabLeader | Should -Be $heir
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
