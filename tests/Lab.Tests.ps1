# The lab itself (tests/lab/Lab.ps1): real systemd hosts reachable over SSH, as the integration tests assume.
# Runs when the runner brought the lab up (ETCDOPS_LAB=1).
BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabInfo.ps1"
}

Describe 'Lab' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $lab = Get-LabInfo -Require
        $password = (Get-Content (@($lab.Users | Where-Object Name -eq 'opspw')[0].PasswordPath) -Raw).Trim()
    }

    Context 'hosts' {
        It 'every host has booted systemd and answers SSH as root with strict host-key checking' {
            foreach ($labHost in $lab.Hosts) {
                $result = Invoke-LabSsh -Lab $lab -HostName $labHost.Name -Command 'systemctl is-system-running; hostname; systemctl --version | head -1'
                $result.ExitCode | Should -Be 0 -Because $result.Output
                $lines = $result.Output -split "`n"
                $lines[0] | Should -Be 'running'
                $lines[1] | Should -Be $labHost.Name
                $lines[2] | Should -Match '^systemd \d+'
            }
        }

        It 'hosts reach each other (etcd peers must)' {
            $first, $second = $lab.Hosts[0], $lab.Hosts[-1]
            $result = Invoke-LabSsh -Lab $lab -HostName $first.Name -Command "timeout 3 bash -c '</dev/tcp/$($second.Address)/22' && echo open"
            $result.Output | Should -Be 'open'
        }

        It 'each host has its own host keys, all in known_hosts' {
            $lines = @(Get-Content $lab.KnownHostsPath | Where-Object { $_ })
            $lines.Count | Should -Be (2 * $lab.Hosts.Count)
            @($lines | ForEach-Object { ($_ -split ' ')[2] } | Select-Object -Unique).Count | Should -Be $lines.Count
            foreach ($labHost in $lab.Hosts) { @($lines | Where-Object { $_ -like "$($labHost.Address) *" }).Count | Should -Be 2 }
        }

        It 'a known_hosts entry with another host''s keys is refused (so Strict checking can be tested)' {
            if ($lab.Hosts.Count -lt 2) { Set-ItResult -Skipped -Because 'the lab has one host'; return }
            $dir = New-TestDirectory
            try {
                $first, $second = $lab.Hosts[0], $lab.Hosts[1]
                $swapped = Get-Content $lab.KnownHostsPath | Where-Object { $_ -like "$($second.Address) *" } |
                    ForEach-Object { $_ -replace '^\S+', $first.Address }
                Set-Content "$dir/known_hosts" $swapped
                $output = & ssh -n -i $lab.KeyPath -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$dir/known_hosts" `
                    -o GlobalKnownHostsFile=/dev/null "root@$($first.Address)" true 2>&1
                $LASTEXITCODE | Should -Not -Be 0
                ($output -join "`n") | Should -Match 'REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed'
            }
            finally { Remove-Item $dir -Recurse -Force }
        }

        It 'the hashed known_hosts hides the addresses and still verifies every host' {
            $content = Get-Content $lab.HashedKnownHostsPath -Raw
            $content | Should -Not -Match ([regex]::Escape($lab.Hosts[0].Address))
            @(Get-Content $lab.HashedKnownHostsPath | Where-Object { $_ -and $_ -notlike '|1|*' }).Count | Should -Be 0
            foreach ($labHost in $lab.Hosts) {
                & ssh -n -i $lab.KeyPath -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$($lab.HashedKnownHostsPath)" `
                    -o GlobalKnownHostsFile=/dev/null "root@$($labHost.Address)" true 2>&1 | Out-Null
                $LASTEXITCODE | Should -Be 0
            }
        }
    }

    Context 'users' {
        It 'the lab key and the opspw password file are private (0600)' {
            (& stat -c '%a' $lab.KeyPath) | Should -Be '600'
            (& stat -c '%a' (@($lab.Users | Where-Object Name -eq 'opspw')[0].PasswordPath)) | Should -Be '600'
        }

        It 'ops is not root and has passwordless sudo' {
            $result = Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -User ops -Command 'id -u; sudo -n id -u'
            $result.ExitCode | Should -Be 0 -Because $result.Output
            ($result.Output -split "`n") | Should -Be @('2001', '0')
        }

        It 'opspw cannot sudo without its password' {
            $result = Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -User opspw -Command 'sudo -n true'
            $result.ExitCode | Should -Not -Be 0
            $result.Output | Should -Match 'password is required'
        }

        It 'opspw can sudo with its password on stdin, and is asked again every time' {
            $result = Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[-1].Name -User opspw -InputText $password -Command 'id -u; sudo -S -p "" id -u; sudo -n true 2>/dev/null || echo asks-again'
            $result.ExitCode | Should -Be 0 -Because $result.Output
            ($result.Output -split "`n") | Should -Be @('2002', '0', 'asks-again')
        }

        It 'a wrong password is refused' {
            $result = Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -User opspw -InputText 'not-the-password' -Command 'sudo -S -p "" true'
            $result.ExitCode | Should -Not -Be 0
        }
    }

    Context 'release server' {
        It 'serves the cached etcd release to the hosts in the official layout, byte for byte' {
            $sums = Get-Content (Join-Path $lab.ReleaseRoot 'v3.5.16/SHA256SUMS') -Raw
            $expected = ($sums -split '\s+')[0]
            $url = "$($lab.ReleaseBaseUrl)/v3.5.16/etcd-v3.5.16-linux-amd64.tar.gz"
            $result = Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -Command "curl -fsS $url | sha256sum; curl -fsS $($lab.ReleaseBaseUrl)/v3.5.16/SHA256SUMS"
            $result.ExitCode | Should -Be 0 -Because $result.Output
            $lines = $result.Output -split "`n"
            ($lines[0] -split ' ')[0] | Should -Be $expected
            $lines[1] | Should -Be $sums.Trim()
        }

        It 'logs each request, so tests can count downloads' {
            $path = '/v3.5.16/SHA256SUMS'
            $count = { @(Get-Content $lab.ReleaseServerLogPath | Where-Object { $_ -like "* GET $path 200 *" }).Count }
            $before = & $count
            (Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -Command "curl -fsS -o /dev/null $($lab.ReleaseBaseUrl)$path").ExitCode | Should -Be 0
            & $count | Should -Be ($before + 1)
        }

        It 'answers 404 for a release it does not have' {
            $result = Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -Command "curl -s -o /dev/null -w '%{http_code}' $($lab.ReleaseBaseUrl)/v9.9.9/SHA256SUMS"
            $result.Output | Should -Be '404'
        }
    }

    Context 'a second lab: Up twice, then Down leaves nothing behind' {
        BeforeAll {
            $labScript = Join-Path $PSScriptRoot 'lab/Lab.ps1'
            $octets = $lab.Subnet.Split('.')
            $subnet = "$($octets[0]).$($octets[1]).$(([int]$octets[2] + 1) % 256)"
            $stateDir = New-TestDirectory
            $savedState = $env:ETCDOPS_LAB_STATE
            function Get-Leftover {
                $names = @(& ip netns list) + @(& ip -o link show) | Where-Object { $_ -like "*$subnet.*" -or $_ -like "*eolab-$($octets[1])-$(([int]$octets[2] + 1) % 256)*" }
                $mounts = @(Get-Content /proc/mounts | Where-Object { $_ -like "* $stateDir/*" })
                $processes = @(Get-ChildItem /proc -Directory | Where-Object Name -match '^\d+$' | Where-Object {
                        try { [IO.File]::ReadAllText("$($_.FullName)/cmdline").Contains($stateDir) } catch { $false } })
                @($names) + $mounts + @($processes | ForEach-Object Name) | Where-Object { $_ }
            }
        }
        AfterAll {
            try { & $labScript -Action Down -Subnet $subnet -StateDir $stateDir *> $null } catch { $null = $_ }
            $env:ETCDOPS_LAB_STATE = $savedState
            Remove-Item $stateDir -Recurse -Force -ErrorAction SilentlyContinue
        }

        It 'refuses the subnet of a lab with another state directory, and leaves that lab alone' {
            { & $labScript -Action Up -Subnet $lab.Subnet -StateDir $stateDir -HostCount 1 *> $null } | Should -Throw "*already used by another lab*"
            $env:ETCDOPS_LAB_STATE = $savedState
            (Invoke-LabSsh -Lab $lab -HostName $lab.Hosts[0].Name -Command 'systemctl is-system-running').Output | Should -Be 'running'
        }

        It 'refuses a subnet that an interface of the machine already uses' {
            & ip link add eolabtestdummy type bridge
            try {
                & ip addr add "$subnet.1/24" dev eolabtestdummy
                { & $labScript -Action Up -Subnet $subnet -StateDir $stateDir -HostCount 1 *> $null } | Should -Throw "*already used by interface eolabtestdummy*"
            }
            finally { & ip link delete eolabtestdummy; $env:ETCDOPS_LAB_STATE = $savedState }
        }

        It 'comes up twice in a row, the second replacing the first' {
            & $labScript -Action Up -Subnet $subnet -StateDir $stateDir -HostCount 1 *> $null
            $first = Get-LabInfo -StateDir $stateDir
            & $labScript -Action Up -Subnet $subnet -StateDir $stateDir -HostCount 1 *> $null
            $env:ETCDOPS_LAB_STATE = $savedState
            $second = Get-LabInfo -StateDir $stateDir
            $firstCmdline = try { [IO.File]::ReadAllText("/proc/$($first.Hosts[0].Pid)/cmdline") } catch { '' }
            $firstCmdline | Should -Not -Match 'systemd-nspawn' -Because 'the second Up stops the first lab''s host'
            $second.Hosts[0].Pid | Should -Not -Be $first.Hosts[0].Pid
            $second.Hosts[0].Address | Should -Be "$subnet.11"
            $result = Invoke-LabSsh -Lab $second -HostName lab1 -Command 'systemctl is-system-running'
            $result.Output | Should -Be 'running'
        }

        It 'Down stops every process and removes namespaces, links and mounts; a second Down is harmless' {
            & $labScript -Action Down -Subnet $subnet -StateDir $stateDir *> $null
            Get-Leftover | Should -BeNullOrEmpty
            Get-LabInfo -StateDir $stateDir | Should -BeNullOrEmpty
            { & $labScript -Action Down -Subnet $subnet -StateDir $stateDir *> $null } | Should -Not -Throw
        }
    }
}
