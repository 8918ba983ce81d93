# Install-EtcdNode on real systemd hosts of the lab (tests/lab/Lab.ps1), checked the way an operator would:
# etcdctl's view, file owners and modes on the hosts, systemd's InvocationID.
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
}

Describe 'Install-EtcdNode' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $lab = $ctx.Lab
        $ssh = $ctx.Ssh
        $first = $lab.Hosts[0].Name
        # Start from bare hosts.
        $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
    }

    Context 'before anything is installed' {
        It '-WhatIf prints each host''s plan and touches nothing' {
            # -WhatIf messages go straight to the host, so look at what a user's console shows.
            $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$c = Import-EtcdCluster '$($ctx.InventoryPath)'
`$pki = Import-EtcdCertificateSet '$($ctx.Pki.Path)'
`$c | Install-EtcdNode -CertificateSet `$pki -ReleaseBaseUrl '$($ctx.ReleaseBaseUrl)' -SshKeyPath '$($lab.KeyPath)' -KnownHostsPath '$($lab.KnownHostsPath)' -WhatIf
"@
            $out = $r.Output
            foreach ($h in $lab.Hosts) { $out | Should -Match ([regex]::Escape($h.Name)) }
            $out | Should -Match 'initial-cluster-state: existing'
            foreach ($h in $lab.Hosts) {
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'test -e /usr/local/bin/etcd || test -e /etc/etcd && echo present || echo absent').Output | Should -Be 'absent'
            }
        }

        It 'a bad config stops the run before any host is touched' {
            # A hand edit that etcd would refuse: the member's name is no longer in initial-cluster.
            $configs = $ctx.Cluster | New-EtcdConfig -CertificateSet $ctx.Pki
            $configs[0].Yaml = $configs[0].Yaml -replace "(?m)^name: .*$", 'name: not-a-member'
            $err = $null
            try { $configs | Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'PreflightFailed,*'
            $err.Exception.Message | Should -Match 'no host was touched'
            $err.Exception.Message | Should -Match "couldn't find local name"
            (Invoke-LabSsh -Lab $lab -HostName $first -Command 'test -e /etc/etcd && echo present || echo absent').Output | Should -Be 'absent'
        }

        It 'a certificate set without the members'' IPs stops the run before any host is touched' {
            $other = New-EtcdCluster -Name other -Member @(
                $lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = ($_.Address -replace '\.(\d+)$', '.2$1') } }) -WarningAction SilentlyContinue
            $wrong = $other | New-EtcdCertificateSet -Path (New-TestDirectory)
            $err = $null
            try { $ctx.Cluster | Install-EtcdNode -CertificateSet $wrong -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'PreflightFailed,*'
            (Invoke-LabSsh -Lab $lab -HostName $first -Command 'test -e /etc/etcd && echo present || echo absent').Output | Should -Be 'absent'
        }

        It 'refuses a host that is not in known_hosts (Strict) and records it with AcceptNew' {
            $kh = Join-Path (New-TestDirectory) 'known_hosts'
            Set-Content $kh ''
            $err = $null
            $ctx.Cluster | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl -SshKeyPath $lab.KeyPath -KnownHostsPath $kh -Member $first -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            @($err | Where-Object { $_.FullyQualifiedErrorId -like 'HostKeyUnknown,*' }).Count | Should -Be 1
            (Invoke-LabSsh -Lab $lab -HostName $first -Command 'test -e /etc/etcd && echo present || echo absent').Output | Should -Be 'absent'

            $ctx.Cluster | Get-EtcdNodeLog -Member $first -Lines 1 -SshKeyPath $lab.KeyPath -KnownHostsPath $kh -HostKeyPolicy AcceptNew | Out-Null
            (Get-Content $kh | Where-Object { $_ -match [regex]::Escape($lab.Hosts[0].Address) }).Count | Should -BeGreaterThan 0
        }
    }

    Context 'a 3-member deploy from scratch' {
        BeforeAll {
            $results = $ctx.Cluster | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh
        }

        It 'returns one changed result per member' {
            $results.Count | Should -Be 3
            $results | ForEach-Object { $_.Changed | Should -BeTrue; $_.Version | Should -Be '3.5.16' }
            ($results.Name | Sort-Object) | Should -Be ($lab.Hosts.Name | Sort-Object)
        }

        It 'etcdctl sees three started members, all healthy' {
            $list = Invoke-LabEtcdctl -Context $ctx -Arguments 'member', 'list', '-w', 'simple'
            $list.ExitCode | Should -Be 0 -Because $list.Output
            ($list.Output -split "`n" | Where-Object { $_ -match ', started, ' }).Count | Should -Be 3
            $health = Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health'
            $health.ExitCode | Should -Be 0 -Because $health.Output
            ([regex]::Matches($health.Output, 'is healthy')).Count | Should -Be 3
        }

        It 'refuses a client without a certificate' {
            (Invoke-LabEtcdctl -Context $ctx -NoClientCert -Arguments 'endpoint', 'health').ExitCode | Should -Not -Be 0
        }

        It 'owners and modes are as designed and the CA key never leaves the workstation' {
            $h = $lab.Hosts[1]
            $stat = (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command "stat -c '%n %a %U %G' /etc/etcd /var/lib/etcd /etc/etcd/*.pem /etc/etcd/conf.yml /etc/systemd/system/etcd.service").Output -split "`n"
            $modes = @{}; foreach ($l in $stat) { $f = $l -split ' '; $modes[$f[0]] = $f[1..3] -join ' ' }
            $modes['/etc/etcd'] | Should -Be '700 etcd etcd'
            $modes['/var/lib/etcd'] | Should -Be '700 etcd etcd'
            $modes['/etc/etcd/server-key.pem'] | Should -Be '600 etcd etcd'
            $modes["/etc/etcd/$($h.Name)-key.pem"] | Should -Be '600 etcd etcd'
            $modes['/etc/etcd/client-key.pem'] | Should -Be '600 etcd etcd'
            $modes['/etc/etcd/ca.pem'] | Should -Be '644 etcd etcd'
            $modes['/etc/systemd/system/etcd.service'] | Should -Be '644 root root'
            $modes.Keys | Should -Not -Contain '/etc/etcd/ca-key.pem'
            $other = $lab.Hosts[0].Name
            $modes.Keys | Should -Not -Contain "/etc/etcd/$other-key.pem"
            (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'getent passwd etcd').Output | Should -Match '^etcd:x:1501:1501:.*:/var/lib/etcd:/bin/false$'
        }

        It 'conf.yml says existing on every member' {
            foreach ($h in $lab.Hosts) {
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'grep initial-cluster-state /etc/etcd/conf.yml').Output | Should -Match 'existing'
            }
        }
    }

    Context 'idempotence and changes' {
        It 're-running with unchanged inputs changes no file and restarts nothing' {
            $before = Get-LabInvocationId -Context $ctx
            $ids = Invoke-LabEtcdctl -Context $ctx -Arguments 'member', 'list', '-w', 'simple'
            $again = $ctx.Cluster | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh
            $again | ForEach-Object { $_.Changed | Should -BeFalse -Because ($_.Changes -join ', '); $_.Restarted | Should -BeFalse; $_.Started | Should -BeFalse }
            foreach ($k in $before.Keys) { (Get-LabInvocationId -Context $ctx)[$k] | Should -Be $before[$k] }
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'member', 'list', '-w', 'simple').Output | Should -Be $ids.Output
        }

        It 'a changed config restarts members one at a time and the cluster stays healthy' {
            $before = Get-LabInvocationId -Context $ctx
            $r = $ctx.Cluster | New-EtcdConfig -CertificateSet $ctx.Pki -SnapshotCount 50000 | Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh
            $r | ForEach-Object { $_.Restarted | Should -BeTrue }
            $after = Get-LabInvocationId -Context $ctx
            foreach ($k in $before.Keys) { $after[$k] | Should -Not -Be $before[$k] }
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
            (Invoke-LabSsh -Lab $lab -HostName $first -Command 'grep snapshot-count /etc/etcd/conf.yml').Output | Should -Match '50000'
        }

        It 'a host whose key differs from known_hosts is refused before anything changes there' {
            $kh = Join-Path (New-TestDirectory) 'known_hosts'
            $wrongKey = (Get-Content "$($lab.KeyPath).pub").Split(' ')[1]   # a valid ed25519 key, but not the host's
            $lines = Get-Content $lab.KnownHostsPath | Where-Object { $_ -notmatch "^$([regex]::Escape($lab.Hosts[0].Address))[ ,]" }
            Set-Content $kh (@("$($lab.Hosts[0].Address) ssh-ed25519 $wrongKey") + $lines)
            $before = Get-LabInvocationId -Context $ctx
            $sum = (Invoke-LabSsh -Lab $lab -HostName $first -Command 'sha256sum /etc/etcd/conf.yml').Output
            $err = $null
            $ctx.Cluster | New-EtcdConfig -CertificateSet $ctx.Pki -SnapshotCount 60000 |
                Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl -SshKeyPath $lab.KeyPath -KnownHostsPath $kh -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
            @($err | Where-Object { $_.FullyQualifiedErrorId -like 'HostKeyChanged,*' }).Count | Should -Be 1
            $err[0].Exception.Message | Should -Match 'ssh-keygen -R'
            (Invoke-LabSsh -Lab $lab -HostName $first -Command 'sha256sum /etc/etcd/conf.yml').Output | Should -Be $sum
            (Get-LabInvocationId -Context $ctx)[$first] | Should -Be $before[$first]
        }
    }

    Context 'a lost member' {
        It 'a member whose host was wiped (etcd and its data gone) is replaced by the next run: old ID removed, rejoined, same cluster' {
            $lost = $lab.Hosts[2].Name
            $id = [regex]::Match((Invoke-LabEtcdctl -Context $ctx -Arguments 'member', 'list', '-w', 'json').Output, '"cluster_id":(\d+)').Groups[1].Value
            $ctx.Cluster | Uninstall-EtcdNode -Member $lost -RemoveData -Force -Confirm:$false @ssh
            $r = $ctx.Cluster | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl -TimeoutSeconds 60 @ssh
            (($r | Where-Object Name -eq $lost).Changes -join ', ') | Should -Match 'old member ID [0-9a-f]+ removed'
            $list = Invoke-LabEtcdctl -Context $ctx -Arguments 'member', 'list', '-w', 'json'
            [regex]::Match($list.Output, '"cluster_id":(\d+)').Groups[1].Value | Should -Be $id
            ([regex]::Matches($list.Output, '"name":"')).Count | Should -Be 3
            $list.Output | Should -Not -Match '"isLearner":true'
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
        }
    }

    Context 'interruption' {
        It 'Ctrl+C in the middle of an install leaves no half-written file on any host' {
            $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh
            $ps = [powershell]::Create()
            $null = $ps.AddScript({
                    param($module, $inventory, $pkiPath, $url, $key, $knownHosts)
                    Import-Module $module
                    Import-EtcdCluster $inventory | Install-EtcdNode -CertificateSet (Import-EtcdCertificateSet $pkiPath) -ReleaseBaseUrl $url -SshKeyPath $key -KnownHostsPath $knownHosts
                }).AddArgument($ModulePath).AddArgument($ctx.InventoryPath).AddArgument($ctx.Pki.Path).AddArgument($ctx.ReleaseBaseUrl).AddArgument($lab.KeyPath).AddArgument($lab.KnownHostsPath)
            $async = $ps.BeginInvoke()
            Start-Sleep -Milliseconds 1500      # connected, uploading the archive or writing files
            $ps.Stop()                          # what Ctrl+C does to a pipeline
            $async.IsCompleted | Should -BeTrue
            $ps.Dispose()
            Start-Sleep -Milliseconds 500       # let the hosts' shells finish their traps
            foreach ($h in $lab.Hosts) {
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command "find /etc/etcd /var/tmp /usr/local/bin /etc/systemd/system -maxdepth 1 \( -name '.etcd*' -o -name 'etcdops.*' \) 2>/dev/null").Output |
                    Should -BeNullOrEmpty
            }
        }
    }

    Context 'non-root users through sudo' {
        It 'deploys the same cluster as <User>' -TestCases @(@{ User = 'ops' }, @{ User = 'opspw' }) {
            param($User)
            $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh
            $cred = if ($User -eq 'opspw') { Get-LabCredential -Lab $lab -User opspw } else { $null }
            $p = @{ SshUser = $User; SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
            if ($cred) { $p.SshCredential = $cred }
            $r = $ctx.Cluster | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @p
            $r.Count | Should -Be 3
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
            if ($cred) {
                $secret = $cred.GetNetworkCredential().Password
                ($r | Out-String) | Should -Not -Match ([regex]::Escape($secret))
            }
        }
    }

    Context 'hardening on a running cluster' {
        BeforeAll {
            # The cluster from the previous context, installed as opspw (sudo with a password).
            $cred = Get-LabCredential -Lab $lab -User opspw
            $pw = @{ SshUser = 'opspw'; SshCredential = $cred; SshKeyPath = $lab.KeyPath; KnownHostsPath = $lab.KnownHostsPath }
            function Get-Sum([string] $HostName, [string] $Path) { (Invoke-LabSsh -Lab $lab -HostName $HostName -Command "sha256sum $Path").Output }
        }

        It 'no private key or password reaches any process list during an install and a certificate change' {
            # An unprivileged user on every host reads every command line as fast as it can.
            $spies = @{}
            foreach ($h in $lab.Hosts) {
                $spies[$h.Name] = (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command "setsid sh -c `"runuser -u nobody -- sh -c 'while :; do ps -eww -o args; done' > /tmp/etcdops-spy.log 2>&1`" </dev/null >/dev/null 2>&1 & echo `$!").Output.Trim()
            }
            try {
                $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh
                $ctx.Cluster | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @pw | Out-Null
                # New leaves from the same CA: every key file changes on every host.
                $before = Get-LabInvocationId -Context $ctx
                $renewed = $ctx.Cluster | New-EtcdCertificateSet -Path (New-TestDirectory) -CaCertificatePath $ctx.Pki.CaCertificatePath -CaKeyPath $ctx.Pki.CaKeyPath
                $r = $ctx.Cluster | Install-EtcdNode -CertificateSet $renewed -ReleaseBaseUrl $ctx.ReleaseBaseUrl @pw
                $r | ForEach-Object { $_.Changes | Should -Contain '/etc/etcd/server-key.pem'; $_.Restarted | Should -BeFalse }
                # etcd reads certificates at every handshake: no restart was needed, and the member serves the new one.
                foreach ($k in $before.Keys) { (Get-LabInvocationId -Context $ctx)[$k] | Should -Be $before[$k] }
                $served = '' | & openssl s_client -connect "$($lab.Hosts[0].Address):2379" -CAfile $ctx.Pki.CaCertificatePath -cert $renewed.ClientCertificatePath -key $renewed.ClientKeyPath 2>$null | openssl x509 -noout -fingerprint -sha256
                $wanted = & openssl x509 -in $renewed.ServerCertificatePath -noout -fingerprint -sha256
                $served | Should -Be $wanted
            }
            finally {
                foreach ($h in $lab.Hosts) { Invoke-LabSsh -Lab $lab -HostName $h.Name -Command "kill -- -$($spies[$h.Name])" | Out-Null }
            }
            $secret = $cred.GetNetworkCredential().Password
            $keys = @(Get-ChildItem $ctx.Pki.Path, $renewed.Path -Filter '*-key.pem' | ForEach-Object { (Get-Content $_.FullName)[1] })
            foreach ($h in $lab.Hosts) {
                $log = (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'cat /tmp/etcdops-spy.log; rm -f /tmp/etcdops-spy.log').Output
                # The spy saw EtcdOps write files (so it could have seen a key) ...
                $log | Should -Match 'etcdops-write-files'
                # ... and no key, in PEM or base64, and no password.
                $log | Should -Not -Match 'BEGIN'
                $log | Should -Not -Match 'LS0tLS1CRUdJTi'
                foreach ($k in $keys) { $log.Contains($k) | Should -BeFalse }
                $log.Contains($secret) | Should -BeFalse
            }
        }

        It 'a set with another CA is refused on the running cluster before any host is touched' {
            $other = $ctx.Cluster | New-EtcdCertificateSet -Path (New-TestDirectory)
            $before = Get-LabInvocationId -Context $ctx
            $sums = @{}; foreach ($h in $lab.Hosts) { $sums[$h.Name] = Get-Sum $h.Name '/etc/etcd/*.pem' }
            $err = $null
            try { $ctx.Cluster | Install-EtcdNode -CertificateSet $other -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop } catch { $err = $_ }
            $err.FullyQualifiedErrorId | Should -BeLike 'CertificateAuthorityChangeRefused,*'
            $err.Exception.Message | Should -Match 'No host was touched'
            $err.Exception.Message | Should -Not -Match '-Force'
            foreach ($h in $lab.Hosts) { Get-Sum $h.Name '/etc/etcd/*.pem' | Should -Be $sums[$h.Name] }
            foreach ($k in $before.Keys) { (Get-LabInvocationId -Context $ctx)[$k] | Should -Be $before[$k] }
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
        }

        It 'members left running an older config than their conf.yml (an interrupted run) are restarted by the next run, one at a time' {
            # What a run interrupted after writing and before restarting leaves: the new conf.yml, the old process.
            $configs = $ctx.Cluster | New-EtcdConfig -CertificateSet $ctx.Pki -SnapshotCount 70000
            foreach ($c in $configs) {
                $b64 = [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($c.WithInitialClusterState('existing').Yaml))
                (Invoke-LabSsh -Lab $lab -HostName $c.Member.Name -Command "echo $b64 | base64 -d > /etc/etcd/conf.yml").ExitCode | Should -Be 0
            }
            $before = Get-LabInvocationId -Context $ctx
            $r = $configs | Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh
            $r | ForEach-Object { $_.Restarted | Should -BeTrue; ($_.Changes -join ' ') | Should -Match 'running since before /etc/etcd/conf.yml' }
            $after = Get-LabInvocationId -Context $ctx
            foreach ($k in $before.Keys) { $after[$k] | Should -Not -Be $before[$k] }
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
            # Done once: the next run restarts nothing.
            $again = $configs | Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh
            $again | ForEach-Object { $_.Restarted | Should -BeFalse }
            foreach ($k in $after.Keys) { (Get-LabInvocationId -Context $ctx)[$k] | Should -Be $after[$k] }
        }
    }

    Context 'a layout of its own' {
        BeforeAll {
            $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh
            $configs = $ctx.Cluster | New-EtcdConfig -CertificateSet $ctx.Pki -BinaryDirectory /opt/etcd/bin -CertificateDirectory /etc/ssl/etcd
            $configs | Install-EtcdNode -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh | Out-Null
            function Get-Present($name) {
                (Invoke-LabSsh -Lab $lab -HostName $name -Command 'for p in /usr/local/bin/etcd /opt/etcd/bin/etcd /etc/etcd /etc/ssl/etcd/conf.yml /etc/ssl/etcd/server-key.pem /etc/systemd/system/etcd.service; do test -e $p && echo $p; done').Output -split "`n"
            }
        }
        AfterAll { $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh }

        It 'binaries, unit, config and certificates are where New-EtcdConfig said, and nothing in /usr/local/bin or /etc/etcd' {
            (Invoke-LabEtcdctl -Context $ctx -Arguments 'endpoint', 'health').ExitCode | Should -Be 0
            foreach ($h in $lab.Hosts) {
                $present = Get-Present $h.Name
                $present | Should -Contain '/opt/etcd/bin/etcd'
                $present | Should -Contain '/etc/ssl/etcd/server-key.pem'
                $present | Should -Not -Contain '/usr/local/bin/etcd'
                $present | Should -Not -Contain '/etc/etcd'
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'systemctl show -p ExecStart --value etcd').Output | Should -Match 'path=/opt/etcd/bin/etcd ; argv\[\]=/opt/etcd/bin/etcd --config-file=/etc/ssl/etcd/conf.yml'
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command "stat -c '%a %U' /etc/ssl/etcd/server-key.pem").Output | Should -Be '600 etcd'
            }
        }

        It 'Stop-EtcdNode, Start-EtcdNode and Uninstall-EtcdNode find it from the cluster object alone' {
            $one = $lab.Hosts[0].Name
            ($ctx.Cluster | Stop-EtcdNode -Member $one @ssh -PassThru).Active | Should -Be 'inactive'
            (Invoke-LabSsh -Lab $lab -HostName $one -Command 'systemctl is-active etcd').Output | Should -Not -Be 'active'
            ($ctx.Cluster | Start-EtcdNode -Member $one @ssh -PassThru).Version | Should -Be '3.5.16'
            Wait-EtcdCluster -Cluster $ctx.Cluster -CertificateSet $ctx.Pki -Timeout 30 | Out-Null
            $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh
            foreach ($h in $lab.Hosts) {
                Get-Present $h.Name | Where-Object { $_ } | Should -BeNullOrEmpty
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'test -e /etc/ssl/etcd || test -e /var/lib/etcd/member && echo left || echo gone').Output | Should -Be 'gone'
            }
        }
    }

    # Debian's etcd 3.4.23 serves no JSON gateway (every /v3 path is 404): the deploy must speak gRPC to it.
    Context 'etcd 3.4.23, a build without the JSON gateway' {
        BeforeAll {
            $lab = $ctx.Lab
            $ssh = $ctx.Ssh
            $ctx.Cluster | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh -ErrorAction SilentlyContinue
            $old = New-EtcdCluster -Name lab34 -Version 3.4.23 -Member @($lab.Hosts | ForEach-Object { @{ Name = $_.Name; Address = $_.Address } }) -WarningAction SilentlyContinue
            $old | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop | Out-Null
            $ctl34 = Get-EtcdBinary -Version 3.4.23 -Name etcdctl
            function Invoke-Etcdctl34([string[]] $Arguments) {
                $env:ETCDCTL_API = '3'
                $out = & $ctl34 "--endpoints=$($old.ClientUrls -join ',')" "--cacert=$($ctx.Pki.CaCertificatePath)" "--cert=$($ctx.Pki.ClientCertificatePath)" `
                    "--key=$($ctx.Pki.ClientKeyPath)" '--dial-timeout=3s' '--command-timeout=5s' @Arguments 2>&1
                [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = ($out | Out-String) }
            }
        }
        AfterAll { $old | Uninstall-EtcdNode -RemoveData -Force -Confirm:$false @ssh }

        It 'deploys with the standard pipeline: healthy in etcdctl''s view, 3.4.23 everywhere, state existing' {
            $health = Invoke-Etcdctl34 'endpoint', 'health'
            $health.ExitCode | Should -Be 0 -Because $health.Output
            ([regex]::Matches($health.Output, 'is healthy')).Count | Should -Be 3
            $status = Invoke-Etcdctl34 'endpoint', 'status', '-w', 'json'
            ([regex]::Matches($status.Output, '"version":"3\.4\.23"')).Count | Should -Be 3
            foreach ($h in $lab.Hosts) {
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command 'grep initial-cluster-state /etc/etcd/conf.yml').Output | Should -Match 'existing'
                # No gateway on this build: the module's answers above came over gRPC.
                (Invoke-LabSsh -Lab $lab -HostName $h.Name -Command "curl -s -o /dev/null -w '%{http_code}' --cacert /etc/etcd/ca.pem https://$($h.Address):2379/v3/maintenance/status -X POST -d '{}' -E /etc/etcd/server.pem --key /etc/etcd/server-key.pem").Output | Should -Be '404'
            }
            @($old | Get-EtcdEndpointStatus -CertificateSet $ctx.Pki | Where-Object Version -eq '3.4.23').Count | Should -Be 3
        }

        It 're-running the same pipeline changes nothing and restarts nothing' {
            $before = Get-LabInvocationId -Context $ctx
            $results = $old | Install-EtcdNode -CertificateSet $ctx.Pki -ReleaseBaseUrl $ctx.ReleaseBaseUrl @ssh -ErrorAction Stop
            @($results | Where-Object Changed).Count | Should -Be 0
            foreach ($k in $before.Keys) { (Get-LabInvocationId -Context $ctx)[$k] | Should -Be $before[$k] }
        }
    }
}
