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
    # The verdict depends on how busy the machine is (slowest request, stddev), so the test checks that it follows from
    # the figures measured, as etcdctl's does, not that this machine passes: a timed assertion would only test the load.
    It 'runs the s load as etcdctl check perf --load s does, gives the verdict its figures call for, and leaves no key' {
        $result = Test-EtcdPerformance -Load s -Endpoint $local.Endpoints @tls -Confirm:$false -ErrorVariable err
        $err | Should -BeNullOrEmpty
        $result.GetType().FullName | Should -Be 'EtcdOps.Maintenance.EtcdPerformanceResult'
        $result.Clients | Should -Be 50
        $result.Errors | Should -Be 0
        $result.Throughput | Should -BeGreaterThan 135
        $result.Throughput | Should -BeLessThan 152   # the limiter holds the rate at 150 writes/s
        $result.Requests | Should -BeGreaterThan (135 * 60)
        $result.KeysDeleted | Should -Be $result.Requests
        $result.Prefix | Should -BeLike '/etcdops-check-perf/*/'
        Get-LeftKeys | Should -BeNullOrEmpty

        # One line per criterion, PASS or FAIL as etcdctl's limits (0.5 s slowest, 0.1 s stddev) say for these figures.
        $report = $result.Report -join "`n"
        $report | Should -Match "(?m)^PASS: Throughput is $([int][math]::Floor($result.Throughput) + 1) writes/s$"
        $report | Should -Match $(if ($result.SlowestSeconds -le 0.5) { '(?m)^PASS: Slowest request took ' } else { '(?m)^FAIL: Slowest request took too long' })
        $report | Should -Match $(if ($result.StddevSeconds -le 0.1) { '(?m)^PASS: Stddev is ' } else { '(?m)^FAIL: Stddev too high' })
        $result.Verdict | Should -Be $(if ($report -match '(?m)^FAIL') { 'FAIL' } else { 'PASS' })
        $result.SlowestSeconds | Should -BeGreaterThan 0
        $result.StddevSeconds | Should -BeLessThan $result.SlowestSeconds

        # etcd's own check on the same cluster, right after, measures the same throughput.
        $ctl = Invoke-Etcdctl -Cluster $local -Arguments @('check', 'perf', '--load', 's')
        $ctl.Output | Should -Match 'PASS: Throughput is (\d+) writes/s'
        $theirs = [int]([regex]::Match($ctl.Output, 'PASS: Throughput is (\d+) writes/s').Groups[1].Value)
        [math]::Abs(([int]$result.Throughput + 1) - $theirs) | Should -BeLessOrEqual 15
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
