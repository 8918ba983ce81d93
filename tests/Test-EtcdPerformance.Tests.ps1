BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $fixture = Start-LocalTlsTestCluster -Block 31
    $local = $fixture.Local
    $tls = $fixture.Tls
    # The keys any performance check of EtcdOps left behind, as etcdctl sees them.
    function Get-LeftKeys {
        $r = Invoke-Etcdctl -Cluster $local -Arguments @('get', '--prefix', '/etcdops-check-perf/', '--keys-only')
        $r.ExitCode | Should -Be 0
        @($r.Output -split "`n" | Where-Object { $_.Trim() })
    }
}

AfterAll { Stop-LocalTlsTestCluster $fixture }

Describe 'Test-EtcdPerformance' {
    It 'passes the s load as etcdctl check perf --load s does, and leaves no key' {
        $result = Test-EtcdPerformance -Load s -Endpoint $local.Endpoints @tls -Confirm:$false -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $result.GetType().FullName | Should -Be 'EtcdOps.Maintenance.EtcdPerformanceResult'
        $result.Report -join "`n" | Should -Not -Match 'FAIL'
        $result.Verdict | Should -Be 'PASS'
        $result.Clients | Should -Be 50
        $result.Errors | Should -Be 0
        $result.Throughput | Should -BeGreaterThan 135
        $result.Throughput | Should -BeLessThan 152   # the limiter holds the rate at 150 writes/s
        $result.SlowestSeconds | Should -BeLessOrEqual 0.5
        $result.StddevSeconds | Should -BeLessOrEqual 0.1
        $result.Requests | Should -BeGreaterThan (135 * 60)
        $result.KeysDeleted | Should -Be $result.Requests
        $result.Prefix | Should -BeLike '/etcdops-check-perf/*/'
        Get-LeftKeys | Should -BeNullOrEmpty

        # etcd's own check on the same cluster, right after: it passes too, at the same throughput.
        $ctl = Invoke-Etcdctl -Cluster $local -Arguments @('check', 'perf', '--load', 's')
        $ctl.ExitCode | Should -Be 0 -Because $ctl.Output
        $ctl.Output | Should -Match '(?m)^PASS\s*$'
        $ctl.Output | Should -Match 'PASS: Throughput is (\d+) writes/s'
        $theirs = [int]([regex]::Match($ctl.Output, 'PASS: Throughput is (\d+) writes/s').Groups[1].Value)
        [math]::Abs(([int]$result.Throughput + 1) - $theirs) | Should -BeLessOrEqual 15
        $result.Report | Should -Contain "PASS: Throughput is $([int][math]::Floor($result.Throughput) + 1) writes/s"
    }

    It '-WhatIf shows the plan and writes nothing' {
        # -WhatIf messages go straight to the host, so look at what a user's console shows.
        $out = (Invoke-InNewSession "Import-Module '$ModulePath'; Test-EtcdPerformance -Endpoint $($local.Endpoints -join ',') -CaCertPath '$($tls.CaCertPath)' -CertPath '$($tls.CertPath)' -KeyPath '$($tls.KeyPath)' -WhatIf").Output
        $out | Should -Match 'What if: .*Write 150 keys/s .* from 50 clients for 60 s under /etcdops-check-perf/'
        Get-LeftKeys | Should -BeNullOrEmpty
    }

    It 'deletes its keys when stopped (Ctrl+C)' {
        $ps = [powershell]::Create()
        try {
            $null = $ps.AddScript("Import-Module '$ModulePath'; Test-EtcdPerformance -Endpoint $($local.Endpoints -join ',') -CaCertPath '$($tls.CaCertPath)' -CertPath '$($tls.CertPath)' -KeyPath '$($tls.KeyPath)' -Confirm:`$false")
            $handle = $ps.BeginInvoke()
            $deadline = [DateTime]::UtcNow.AddSeconds(20)
            do { Start-Sleep -Milliseconds 500; $written = @(Get-LeftKeys).Count } while ($written -lt 50 -and [DateTime]::UtcNow -lt $deadline)
            $written | Should -BeGreaterOrEqual 50 -Because 'the check writes while it runs'
            $ps.Stop()   # what Ctrl+C does; returns once the pipeline has stopped
            $handle.IsCompleted | Should -BeTrue
            Get-LeftKeys | Should -BeNullOrEmpty
        }
        finally { $ps.Dispose() }
    }
}
