BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Test-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        $first = $ctx.Lab.Hosts[0].Name
        $rules = 'CisCertFile', 'CisClientCertAuth', 'CisAutoTls', 'CisPeerCertFile', 'CisPeerClientCertAuth', 'CisPeerAutoTls',
            'CisTrustedCa', 'HostConfigFileMode', 'HostDataDirMode', 'HostKeyFileMode', 'HostCaKey', 'HostPlainTextMetrics', 'HostStaleProcess'
        function Invoke-OnFirst([string] $Command) {
            $r = Invoke-LabSsh -Lab $ctx.Lab -HostName $first -Command $Command
            if ($r.ExitCode -ne 0) { throw "on ${first}: $Command failed: $($r.Output)" }
            $r.Output
        }
        # The failing findings of the first member (warnings and passes left out).
        function Get-Failed { @($ctx.Cluster | Test-EtcdNode -Member $first @ssh | Where-Object Severity -eq 'Error') }
    }

    It 'passes every check of every member on a fresh deploy, one finding per check per member' {
        $findings = $ctx.Cluster | Test-EtcdNode @ssh -ErrorVariable err
        $err | Should -BeNullOrEmpty
        foreach ($h in $ctx.Lab.Hosts.Name) {
            $mine = @($findings | Where-Object Target -eq $h)
            ($mine.Rule | Sort-Object) | Should -Be ($rules | Sort-Object) -Because "$h gets one finding per check"
            @($mine | Where-Object Severity -ne 'Pass' | ForEach-Object { "$($_.Rule): $($_.Message)" }) | Should -BeNullOrEmpty
        }
        ($findings | Where-Object Rule -eq 'CisAutoTls' | Select-Object -First 1).Reference | Should -Match 'CIS .*2\.3 Ensure that the --auto-tls argument is not set to true'
        $findings[0].GetType().FullName | Should -Be 'EtcdOps.Findings.EtcdFinding'
        # What the audit judged, seen with the host's own tools: the key files are 600 and conf.yml names client-cert-auth.
        (Invoke-OnFirst "stat -c '%a' /etc/etcd/$first-key.pem /etc/etcd/server-key.pem") -split "`n" | Should -Be @('600', '600')
        Invoke-OnFirst 'grep -c "client-cert-auth: true" /etc/etcd/conf.yml' | Should -Be '2'
        $ctx.Cluster | Test-EtcdNode -Quiet @ssh | Should -BeTrue
    }

    It 'fails HostKeyFileMode, and only it, when a key is made 0644' {
        $key = "/etc/etcd/$first-key.pem"
        Invoke-OnFirst "chmod 0644 $key" | Out-Null
        try {
            $failed = Get-Failed
            $failed.Rule | Should -Be 'HostKeyFileMode'
            $failed.Key | Should -Be $key
            $failed.Message | Should -Match ([regex]::Escape("chmod 600 '$key'"))
            $ctx.Cluster | Test-EtcdNode -Quiet @ssh | Should -BeFalse
        }
        finally { Invoke-OnFirst "chmod 0600 $key" | Out-Null }
        Get-Failed | Should -BeNullOrEmpty
    }

    It 'fails CisAutoTls, and only it, when auto-tls: true is set by hand in conf.yml' {
        # cp -p keeps the file's time, so the restored file is again older than the running etcd.
        Invoke-OnFirst 'cp -p /etc/etcd/conf.yml /etc/etcd/conf.yml.audit-test && sed -i "/^client-transport-security:/,/^[a-z]/ s/^\(  *\)auto-tls: false/\1auto-tls: true/" /etc/etcd/conf.yml && grep -A6 "^client-transport-security:" /etc/etcd/conf.yml | grep -c "auto-tls: true"' |
            Should -Be '1'
        try {
            $findings = @($ctx.Cluster | Test-EtcdNode -Member $first @ssh)
            @($findings | Where-Object Severity -eq 'Error').Rule | Should -Be 'CisAutoTls'
            # The running etcd has not read the change: the audit says so (a warning, not a failure).
            ($findings | Where-Object Rule -eq 'HostStaleProcess').Severity | Should -Be 'Warning'
            ($findings | Where-Object Rule -eq 'CisPeerAutoTls').Severity | Should -Be 'Pass'
        }
        finally { Invoke-OnFirst 'cp -p /etc/etcd/conf.yml.audit-test /etc/etcd/conf.yml && rm -f /etc/etcd/conf.yml.audit-test' | Out-Null }
        $ctx.Cluster | Test-EtcdNode -Quiet @ssh | Should -BeTrue
        (Invoke-LabEtcdctl -Context $ctx -Arguments @('endpoint', 'health')).ExitCode | Should -Be 0
    }

    It 'fails HostCaKey, and only it, when the CA key is copied to the host (a path with spaces)' {
        $caKey = '/etc/etcd/ca key copy.pem'
        $r = Invoke-LabSsh -Lab $ctx.Lab -HostName $first -Command "umask 077 && cat > '$caKey'" -InputText (Get-Content -Raw (Join-Path (Split-Path $ctx.Pki.CaCertificatePath) 'ca-key.pem'))
        $r.ExitCode | Should -Be 0
        try {
            $failed = Get-Failed
            $failed.Rule | Should -Be 'HostCaKey'
            $failed.Key | Should -Be $caKey
        }
        finally { Invoke-OnFirst "rm -f '$caKey'" | Out-Null }
        Get-Failed | Should -BeNullOrEmpty
    }
}
