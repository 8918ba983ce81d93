BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Get-EtcdNodeLog' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
    }

    It 'returns etcd''s journal lines per member with level and message' {
        $log = $ctx.Cluster | Get-EtcdNodeLog -Lines 20 @ssh
        ($log.Member | Sort-Object -Unique) | Should -Be ($ctx.Lab.Hosts.Name | Sort-Object)
        @($log | Where-Object { $_.Level -in 'info', 'warn', 'error', 'debug' }).Count | Should -BeGreaterThan 0
        @($log | Where-Object Time).Count | Should -BeGreaterThan 0
        ($log | Group-Object Member | ForEach-Object Count | Measure-Object -Maximum).Maximum | Should -BeLessOrEqual 20
    }

    It 'honours -Since' {
        $future = (Get-Date).AddHours(1)
        @($ctx.Cluster | Get-EtcdNodeLog -Member $ctx.Lab.Hosts[0].Name -Since $future @ssh).Count | Should -Be 0
    }
}
