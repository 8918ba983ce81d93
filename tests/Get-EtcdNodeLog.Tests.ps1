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

# How a host cmdlet logs in (passphrase keys, ssh-agent, password) and what it says when it cannot. Get-EtcdNodeLog
# only reads, so it stands for every host cmdlet; the hosts' sshd journal shows which login was accepted.
Describe 'Get-EtcdNodeLog SSH login' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $lab = Get-LabInfo -Require
        $labHost = $lab.Hosts[0]
        $cluster = New-EtcdCluster -Name sshlogin -Version 3.5.16 -Member @(@{ Name = $labHost.Name; Address = $labHost.Address }) -WarningAction SilentlyContinue
        $kh = @{ KnownHostsPath = $lab.KnownHostsPath }

        # The lab key under a passphrase: same public key, so every lab user accepts it.
        $passphrase = 'lab key passphrase'
        $securePassphrase = ConvertTo-SecureString $passphrase -AsPlainText -Force
        $encryptedKey = Join-Path $TestDrive 'id_ed25519_pp'
        Copy-Item $lab.KeyPath $encryptedKey
        chmod 0600 $encryptedKey
        ssh-keygen -q -p -P '' -N $passphrase -f $encryptedKey | Out-Null
        if ($LASTEXITCODE -ne 0) { throw 'ssh-keygen -p failed' }

        $savedAgent = $env:SSH_AUTH_SOCK
        $env:SSH_AUTH_SOCK = $null   # only the agent test below uses an agent

        # The sshd lines 'Accepted <method> for <user>' logged on the host after the journal position $Since.
        function Get-AcceptedLogin([string] $Since, [string] $User) {
            $out = (Invoke-LabSsh -Lab $lab -HostName $labHost.Name -Command "journalctl -q --no-pager --after-cursor='$Since' | grep 'Accepted .* for $User from' || true").Output
            @($out -split "`n" | Where-Object { $_ -match "Accepted \w+ for $User from" })
        }
        function Get-Now {
            $out = (Invoke-LabSsh -Lab $lab -HostName $labHost.Name -Command 'journalctl -q -n 0 --show-cursor').Output
            if ($out -notmatch '-- cursor: (\S+)') { throw "no journal cursor: $out" }
            $Matches[1]
        }
        function Get-TerminatingError([scriptblock] $Script) {
            try { & $Script | Out-Null } catch { return $_ }
            throw 'expected a terminating error'
        }
    }

    AfterAll { $env:SSH_AUTH_SOCK = $savedAgent }

    It 'logs in with a passphrase-protected key and -SshKeyPassphrase' {
        $since = Get-Now
        $cluster | Get-EtcdNodeLog -Lines 1 -SshUser ops -SshKeyPath $encryptedKey -SshKeyPassphrase $securePassphrase @kh -ErrorAction Stop | Out-Null
        Get-AcceptedLogin -Since $since -User ops | Should -Match 'Accepted publickey for ops .* ED25519'
    }

    It 'refuses a missing or wrong passphrase once, before any host, naming -SshKeyPassphrase' {
        $since = Get-Now
        $missing = Get-TerminatingError { $cluster | Get-EtcdNodeLog -Lines 1 -SshUser ops -SshKeyPath $encryptedKey @kh }
        $missing.FullyQualifiedErrorId | Should -BeLike 'SshKeyPassphraseRequired,*'
        $missing.Exception.Message | Should -Match '-SshKeyPassphrase'
        $wrong = Get-TerminatingError {
            $cluster | Get-EtcdNodeLog -Lines 1 -SshUser ops -SshKeyPath $encryptedKey -SshKeyPassphrase (ConvertTo-SecureString 'not it' -AsPlainText -Force) @kh
        }
        $wrong.FullyQualifiedErrorId | Should -BeLike 'SshKeyPassphraseWrong,*'
        $wrong.CategoryInfo.Category | Should -Be 'SecurityError'
        $wrong.Exception.Message | Should -Match '-SshKeyPassphrase'
        $wrong.Exception.Message | Should -Not -Match 'not it'
        Get-AcceptedLogin -Since $since -User ops | Should -BeNullOrEmpty
    }

    It 'says a .pub file is a public key and names the private key file' {
        $err = Get-TerminatingError { $cluster | Get-EtcdNodeLog -Lines 1 -SshKeyPath "$($lab.KeyPath).pub" @kh }
        $err.FullyQualifiedErrorId | Should -BeLike 'SshKeyIsPublic,*'
        $err.Exception.Message | Should -BeLike "*is a public key*'$($lab.KeyPath)'*"
    }

    It 'logs in with the password of -SshCredential, and a wrong one gets a hint about the password' {
        $since = Get-Now
        $cluster | Get-EtcdNodeLog -Lines 1 -SshCredential (Get-LabCredential -Lab $lab -User opspw) @kh -ErrorAction Stop | Out-Null
        Get-AcceptedLogin -Since $since -User opspw | Should -Match 'Accepted password for opspw'

        $bad = [pscredential]::new('opspw', (ConvertTo-SecureString 'wrong password' -AsPlainText -Force))
        $cluster | Get-EtcdNodeLog -Lines 1 -SshCredential $bad @kh -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'SshAuthenticationFailed,*'
        $err[0].Exception.Message | Should -Match "password of -SshCredential was refused for 'opspw'"
        $err[0].Exception.Message | Should -Not -Match 'authorized_keys|wrong password'
    }

    It 'logs in with a key held by ssh-agent (SSH_AUTH_SOCK) when no -SshKeyPath is given' {
        $socket = Join-Path $TestDrive 'agent.sock'
        $agent = Start-Process ssh-agent -ArgumentList '-D', '-a', $socket -PassThru -RedirectStandardOutput (Join-Path $TestDrive 'agent.out')
        try {
            for ($i = 0; $i -lt 100 -and -not (Test-Path $socket); $i++) { Start-Sleep -Milliseconds 50 }
            $env:SSH_AUTH_SOCK = $socket
            $empty = $cluster | Get-EtcdNodeLog -Lines 1 -SshUser ops @kh -ErrorVariable err -ErrorAction SilentlyContinue
            $err[0].FullyQualifiedErrorId | Should -BeLike 'SshNoCredential,*'
            $err[0].Exception.Message | Should -Match 'holds no keys'

            ssh-add -q $lab.KeyPath
            $since = Get-Now
            $cluster | Get-EtcdNodeLog -Lines 1 -SshUser ops @kh -ErrorAction Stop | Out-Null
            Get-AcceptedLogin -Since $since -User ops | Should -Match 'Accepted publickey for ops .* ED25519'
        }
        finally {
            $env:SSH_AUTH_SOCK = $null
            Stop-Process -Id $agent.Id -ErrorAction SilentlyContinue
        }
    }

    It 'names a custom known_hosts file in the ssh-keygen -R hint of a changed host key' {
        $other = Join-Path $TestDrive 'other_host_key'
        ssh-keygen -q -t ed25519 -N '' -f $other | Out-Null
        $wrongHosts = Join-Path $TestDrive 'wrong_known_hosts'
        Set-Content $wrongHosts "$($labHost.Address) $((Get-Content "$other.pub").Split(' ')[0..1] -join ' ')"
        $cluster | Get-EtcdNodeLog -Lines 1 -SshKeyPath $lab.KeyPath -KnownHostsPath $wrongHosts -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'HostKeyChanged,*'
        $err[0].Exception.Message | Should -BeLike "*ssh-keygen -R '$($labHost.Address)' -f '$wrongHosts'*"
    }
}
