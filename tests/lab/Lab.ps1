<#
.SYNOPSIS
    Brings up, tears down or shows a lab of real Linux hosts (systemd-nspawn containers booted with
    systemd and sshd, each in its own network namespace on a private bridge) for integration tests and the demo.
.DESCRIPTION
    Up:     builds (once, cached) a Debian bookworm minbase root file system, then for each host mounts an
            overlay on it, gives it fresh host keys, the lab's SSH key for root, 'ops' (passwordless sudo)
            and 'opspw' (sudo with a password), a network namespace with a veth on the lab bridge, and boots
            it. Serves $ETCDOPS_CACHE/releases over HTTP on the bridge address in the layout of the official
            etcd release downloads. Waits until every host accepts SSH and has finished booting.
            Writes <StateDir>/lab.json (read it with Get-LabInfo from LabInfo.ps1) and sets
            $env:ETCDOPS_LAB_STATE in the calling session.
    Down:   stops what Up started (by recorded PID only), unmounts the overlays, deletes namespaces, veths
            and the bridge. Idempotent; Up runs it first, so Up after a crashed run starts clean.
    Status: lists the hosts and whether SSH answers.
    Needs root on Linux, and: debootstrap, systemd-container, openssh-client, iproute2.
.EXAMPLE
    dotnet pwsh tests/lab/Lab.ps1 -Action Up -HostCount 3
#>
[CmdletBinding()]
param(
    [ValidateSet('Up', 'Down', 'Status')]
    [string] $Action = 'Status',

    # The lab's /24 (first three octets); default $env:ETCDOPS_LAB_SUBNET or 10.231.0.
    [string] $Subnet,

    # Default $env:ETCDOPS_LAB_HOSTS or 3. Hosts are .11, .12, ...
    [ValidateRange(0, 100)]
    [int] $HostCount,

    # Default <cache>/lab/<subnet>. Pass the same value to Up and Down.
    [string] $StateDir,

    [int] $HttpPort = 8080,

    [int] $BootTimeoutSeconds = 120
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest
. "$PSScriptRoot/LabInfo.ps1"

# Bump when the base provisioning below changes: a new base is built beside the old one, so a lab that
# is running on the old base is never pulled from under it.
$BaseVersion = 1
$BasePackages = 'systemd,systemd-sysv,dbus,openssh-server,sudo,iproute2,procps,ca-certificates,curl'
$OpsUid = 2001
$OpsPwUid = 2002

$Subnet = if ($Subnet) { ConvertTo-LabSubnet $Subnet } else { Get-LabDefaultSubnet }
if (-not $PSBoundParameters.ContainsKey('HostCount')) {
    $HostCount = if ($env:ETCDOPS_LAB_HOSTS) { [int]$env:ETCDOPS_LAB_HOSTS } else { 3 }
}
if (-not $StateDir) { $StateDir = Get-LabStateDirectory -Subnet $Subnet }
$StateDir = [IO.Path]::GetFullPath($StateDir)
$CachePath = [IO.Path]::GetFullPath((Get-LabCachePath))
$StateFile = Join-Path $StateDir 'lab.json'
$HostsDir = Join-Path $StateDir 'hosts'
$Gateway = "$Subnet.1"
$octets = $Subnet.Split('.')
# Interface names are at most 15 characters; these stay within 13 and differ per subnet.
$Tag = "$($octets[1])-$($octets[2])"
$BridgeName = "eolab-$Tag"
$VethPattern = "^eo$([regex]::Escape($Tag))-\d+$"
$NetNsPrefix = "etcdops-$Subnet."

function Invoke-Native {
    param([string] $File, [string[]] $Arguments, [string] $InputText, [switch] $AllowFailure)
    $output = if ($PSBoundParameters.ContainsKey('InputText')) { $InputText | & $File @Arguments 2>&1 } else { & $File @Arguments 2>&1 }
    $code = $LASTEXITCODE
    $text = ($output | ForEach-Object { "$_" }) -join "`n"
    if ($code -ne 0 -and -not $AllowFailure) {
        throw "'$File $($Arguments -join ' ')' failed (exit code $code): $text"
    }
    $text
}

function Write-LabStep([string] $Text) { Write-Host "lab: $Text" }

function Assert-LabPrerequisite {
    if (-not $IsLinux) { throw 'The lab needs Linux (systemd-nspawn, network namespaces).' }
    if ((& id -u) -ne '0') { throw 'The lab needs root (network namespaces, bridges, overlay mounts, systemd-nspawn). Run it as root.' }
    $tools = [ordered]@{
        'debootstrap' = 'debootstrap'; 'systemd-nspawn' = 'systemd-container'; 'ssh' = 'openssh-client'
        'ssh-keygen' = 'openssh-client'; 'ip' = 'iproute2'; 'setsid' = 'util-linux'; 'mount' = 'mount'
    }
    $missing = @($tools.Keys | Where-Object { -not (Get-Command $_ -CommandType Application -ErrorAction SilentlyContinue) })
    if ($missing) {
        $packages = ($missing | ForEach-Object { $tools[$_] } | Select-Object -Unique) -join ' '
        throw "The lab needs $($missing -join ', '), which are missing. Install them: apt-get install $packages (build.ps1 -Task Test or Demo does this as root)."
    }
}

# An exclusive lock held for the life of the returned stream (.NET maps FileShare.None to flock on Unix).
function Lock-LabFile([string] $Path, [int] $TimeoutSeconds, [string] $What) {
    New-Item -ItemType Directory -Force (Split-Path $Path) | Out-Null
    $deadline = [DateTime]::UtcNow.AddSeconds($TimeoutSeconds)
    $announced = $false
    while ($true) {
        try { return [IO.File]::Open($Path, 'OpenOrCreate', 'ReadWrite', 'None') }
        catch [IO.IOException] {
            if ([DateTime]::UtcNow -gt $deadline) { throw "Timed out waiting for $What (lock $Path is held by another process)." }
            if (-not $announced) { Write-LabStep "waiting for $What (another process holds $Path)"; $announced = $true }
            Start-Sleep -Milliseconds 500
        }
    }
}

function Remove-LabTree([string] $Path) {
    if (Test-Path -LiteralPath $Path) { Invoke-Native rm @('-rf', '--one-file-system', '--', $Path) | Out-Null }
}

function Write-LabFile([string] $Path, [string] $Text, [string] $Mode) {
    New-Item -ItemType Directory -Force (Split-Path $Path) | Out-Null
    if ($Mode) {
        # Create empty with the final mode first, so a secret is never readable by others, even briefly.
        [IO.File]::WriteAllText($Path, '')
        Invoke-Native chmod @($Mode, $Path) | Out-Null
    }
    [IO.File]::WriteAllText($Path, $Text)
}

#region Base root file system
function Initialize-LabBase {
    $base = Join-Path $CachePath "lab/base-v$BaseVersion"
    $marker = Join-Path $base '.etcdops-lab-base'
    if (Test-Path $marker) { return $base }
    $lock = Lock-LabFile (Join-Path $CachePath 'lab/base.lock') 900 'the lab base build'
    try {
        if (Test-Path $marker) { return $base }
        $temp = "$base.tmp"
        Remove-LabTree $temp
        $log = Join-Path $CachePath 'lab/debootstrap.log'
        Write-LabStep "building the Debian bookworm base once (about a minute; log: $log)"
        $debootstrapArgs = @('--variant=minbase', "--include=$BasePackages", 'bookworm', $temp)
        # A mirror of the machine's choice; debootstrap's own default otherwise.
        if ($env:ETCDOPS_LAB_MIRROR) { $debootstrapArgs += $env:ETCDOPS_LAB_MIRROR }
        & debootstrap @debootstrapArgs *> $log
        if ($LASTEXITCODE -ne 0) {
            throw "debootstrap failed (exit code $LASTEXITCODE). Last lines of ${log}:`n$((Get-Content $log -Tail 15) -join "`n")"
        }
        Set-LabBaseProvisioning $temp
        [IO.File]::WriteAllText((Join-Path $temp '.etcdops-lab-base'), "etcdops lab base v$BaseVersion`n")
        Move-Item $temp $base
        return $base
    }
    finally { $lock.Dispose() }
}

# What every host shares: users, sudo rules, sshd settings, and no units that need the outside world.
function Set-LabBaseProvisioning([string] $Root) {
    Invoke-Native chroot @($Root, 'useradd', '--create-home', '--uid', $OpsUid, '--user-group', '--shell', '/bin/bash', 'ops') | Out-Null
    Invoke-Native chroot @($Root, 'useradd', '--create-home', '--uid', $OpsPwUid, '--user-group', '--shell', '/bin/bash', 'opspw') | Out-Null
    # opspw: timestamp_timeout=0 so every sudo asks, and the password path is exercised every time.
    Write-LabFile "$Root/etc/sudoers.d/etcdops-lab" ((@(
            'ops ALL=(ALL:ALL) NOPASSWD: ALL'
            'opspw ALL=(ALL:ALL) ALL'
            'Defaults:opspw timestamp_timeout=0'
        ) -join "`n") + "`n") '0440'
    Invoke-Native chroot @($Root, 'visudo', '-c', '-q') | Out-Null
    Write-LabFile "$Root/etc/ssh/sshd_config.d/etcdops-lab.conf" ((@(
            '# Host keys are made fresh per host by the lab (ed25519 and ecdsa).'
            'HostKey /etc/ssh/ssh_host_ed25519_key'
            'HostKey /etc/ssh/ssh_host_ecdsa_key'
            'PermitRootLogin prohibit-password'
            'UseDNS no'
        ) -join "`n") + "`n")
    Get-ChildItem "$Root/etc/ssh" -Filter 'ssh_host_*' | Remove-Item -Force
    # Nothing on the hosts may reach out (apt timers) or hold a console.
    foreach ($unit in 'apt-daily.timer', 'apt-daily-upgrade.timer', 'dpkg-db-backup.timer', 'e2scrub_all.timer',
        'e2scrub_reap.service', 'fstrim.timer', 'console-getty.service', 'getty@tty1.service', 'systemd-pstore.service') {
        Invoke-Native ln @('-sf', '/dev/null', "$Root/etc/systemd/system/$unit") | Out-Null
    }
    [IO.File]::WriteAllText("$Root/etc/machine-id", '')
}
#endregion

#region Processes (only ever the ones the lab recorded, checked by start time and command line)
# Field 22 of /proc/<pid>/stat: start time in clock ticks since boot; with the PID it names one process for good.
function Get-LabProcessStart([int] $ProcessId) {
    try { $stat = [IO.File]::ReadAllText("/proc/$ProcessId/stat") } catch { return $null }
    ($stat.Substring($stat.LastIndexOf(')') + 2) -split ' ')[19]
}

function Test-LabProcess([int] $ProcessId, [string] $StartTime, [string[]] $MustContain) {
    if ($ProcessId -le 0) { return $false }
    if ($StartTime -and (Get-LabProcessStart $ProcessId) -ne $StartTime) { return $false }
    try { $cmdline = [IO.File]::ReadAllText("/proc/$ProcessId/cmdline").Replace([char]0, ' ') } catch { return $false }
    if (-not $cmdline) { return $false }   # a zombie
    foreach ($part in $MustContain) { if (-not $cmdline.Contains($part)) { return $false } }
    $true
}

# The container's systemd (the child of systemd-nspawn). Recorded so that a container whose
# systemd-nspawn was killed hard (its systemd then keeps running, re-parented) is still stopped.
function Find-LabContainerInit([int] $NspawnPid) {
    foreach ($proc in Get-ChildItem /proc -Directory -ErrorAction SilentlyContinue | Where-Object Name -match '^\d+$') {
        try { $stat = [IO.File]::ReadAllText("/proc/$($proc.Name)/stat") } catch { continue }
        $fields = $stat.Substring($stat.LastIndexOf(')') + 2) -split ' '
        if ([int]$fields[1] -eq $NspawnPid -and (Test-LabProcess ([int]$proc.Name) $null @('systemd'))) { return [int]$proc.Name }
    }
    0
}

function Start-LabBackground([string] $LogPath, [string[]] $Command) {
    # setsid: its own session, so Ctrl+C in the caller's terminal does not reach it, and it outlives the caller.
    $processId = [int](Invoke-Native bash (@('-c', 'setsid "$@" </dev/null >>"$0" 2>&1 & echo $!', $LogPath) + $Command)).Trim()
    # bash forked, setsid execs the command: wait for the exec, so the recorded command line is the real one.
    for ($i = 0; $i -lt 100; $i++) {
        try { $name = [IO.File]::ReadAllText("/proc/$processId/comm").Trim() } catch { break }
        if ($name -notin 'bash', 'setsid') { break }
        Start-Sleep -Milliseconds 20
    }
    [pscustomobject]@{ Id = $processId; Start = Get-LabProcessStart $processId }
}

# A state file from an older or crashed run may lack fields.
function Get-LabStateValue($Object, [string] $Name) {
    $property = $Object.PSObject.Properties[$Name]
    if ($property) { $property.Value } else { $null }
}

function Stop-LabProcesses($State) {
    # Each entry: a process the lab recorded, the signal that shuts it down cleanly, and how to recognise it.
    $targets = [Collections.Generic.List[object]]::new()
    foreach ($labHost in @($State.Hosts)) {
        $nspawn = @{ Id = [int](Get-LabStateValue $labHost Pid); Start = Get-LabStateValue $labHost PidStart; Match = [string[]]@('systemd-nspawn', $labHost.RootPath); Signal = 'TERM' }
        $init = @{ Id = [int](Get-LabStateValue $labHost InitPid); Start = Get-LabStateValue $labHost InitPidStart; Match = [string[]]@('systemd'); Signal = 'RTMIN+4' }
        # SIGTERM to systemd-nspawn makes it send SIGRTMIN+3 to the container's systemd: a clean poweroff.
        # Without nspawn, SIGRTMIN+4 asks the container's systemd itself to power off.
        if (Test-LabProcess $nspawn.Id $nspawn.Start $nspawn.Match) { $targets.Add($nspawn) }
        elseif ($init.Id -and $init.Start -and (Test-LabProcess $init.Id $init.Start $init.Match)) { $targets.Add($init) }
    }
    $server = @{ Id = [int](Get-LabStateValue $State ReleaseServerPid); Start = Get-LabStateValue $State ReleaseServerPidStart; Match = [string[]]@('ReleaseServer.ps1', $StateDir); Signal = 'TERM' }
    if (Test-LabProcess $server.Id $server.Start $server.Match) { $targets.Add($server) }
    foreach ($target in $targets) { Invoke-Native kill @("-$($target.Signal)", "$($target.Id)") -AllowFailure | Out-Null }

    $deadline = [DateTime]::UtcNow.AddSeconds(10)
    while (($alive = @($targets | Where-Object { Test-LabProcess $_.Id $_.Start $_.Match })) -and [DateTime]::UtcNow -lt $deadline) {
        Start-Sleep -Milliseconds 200
    }
    if ($alive) {
        Write-LabStep "killing processes that did not stop within 10 s: $(($alive | ForEach-Object Id) -join ', ')"
        # SIGKILL to a container's init ends its whole PID namespace.
        foreach ($target in $alive) { Invoke-Native kill @('-KILL', "$($target.Id)") -AllowFailure | Out-Null }
        Start-Sleep -Milliseconds 500
    }
}
#endregion

#region Down
function Get-LabMounts {
    $prefix = $HostsDir + '/'
    Get-Content /proc/mounts | ForEach-Object { ($_ -split ' ')[1] -replace '\\040', ' ' } |
        Where-Object { $_.StartsWith($prefix, [StringComparison]::Ordinal) } |
        Sort-Object { $_.Length } -Descending
}

# The bridge, veths and namespaces are named after the subnet. They belong to this state directory only
# when its lab.json names them; otherwise another lab (another -StateDir) runs on this subnet.
function Test-LabNetworkForeign($State) {
    & ip link show dev $BridgeName *> $null
    $bridgeExists = $LASTEXITCODE -eq 0
    $netnsExists = @((Invoke-Native ip @('netns', 'list') -AllowFailure) -split "`n" | Where-Object { $_.StartsWith($NetNsPrefix, [StringComparison]::Ordinal) }).Count -gt 0
    ($bridgeExists -or $netnsExists) -and -not ($State -and $State.Bridge -eq $BridgeName)
}

function Invoke-LabDown {
    $state = if (Test-Path $StateFile) { Get-Content $StateFile -Raw | ConvertFrom-Json } else { $null }
    if ($state) { Stop-LabProcesses $state }
    $foreign = Test-LabNetworkForeign $state
    if ($foreign) { Write-Warning "The network of $Subnet.0/24 (bridge $BridgeName) belongs to a lab with another state directory than $StateDir; leaving it alone. Pass that lab's -StateDir to take it down." }
    foreach ($mount in @(Get-LabMounts)) {
        $null = Invoke-Native umount @($mount) -AllowFailure
        if (@(Get-LabMounts) -contains $mount) { Invoke-Native umount @('-l', $mount) | Out-Null }
    }
    foreach ($ns in @(if (-not $foreign) { (Invoke-Native ip @('netns', 'list') -AllowFailure) -split "`n" })) {
        $name = ($ns -split ' ')[0]
        if ($name.StartsWith($NetNsPrefix, [StringComparison]::Ordinal)) { Invoke-Native ip @('netns', 'delete', $name) | Out-Null }
    }
    foreach ($line in @(if (-not $foreign) { (Invoke-Native ip @('-o', 'link', 'show')) -split "`n" })) {
        if ($line -notmatch '^\d+:\s+([^:@\s]+)') { continue }
        $link = $Matches[1]
        if ($link -match $VethPattern -or $link -eq $BridgeName) { Invoke-Native ip @('link', 'delete', $link) -AllowFailure | Out-Null }
    }
    if (@(Get-LabMounts)) { throw "Could not unmount: $((Get-LabMounts) -join ', ')" }
    Remove-LabTree $HostsDir
    foreach ($file in 'lab.json', 'id_ed25519', 'id_ed25519.pub', 'opspw.password', 'known_hosts', 'known_hosts.hashed', 'known_hosts.hashed.old') {
        Remove-Item (Join-Path $StateDir $file) -Force -ErrorAction SilentlyContinue
    }
    if ($env:ETCDOPS_LAB_STATE -eq $StateDir) { Remove-Item Env:ETCDOPS_LAB_STATE }
}
#endregion

#region Up
function Save-LabState($State) {
    $json = $State | ConvertTo-Json -Depth 5
    [IO.File]::WriteAllText("$StateFile.tmp", $json)
    Move-Item "$StateFile.tmp" $StateFile -Force
}

function New-LabPassword {
    $alphabet = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789'
    $bytes = [Security.Cryptography.RandomNumberGenerator]::GetBytes(24)
    -join ($bytes | ForEach-Object { $alphabet[$_ % $alphabet.Length] })
}

function Assert-LabSubnetFree {
    foreach ($line in (Invoke-Native ip @('-o', '-4', 'addr', 'show')) -split "`n") {
        if ($line -match '^\d+:\s+(\S+)\s+inet\s+(\d+\.\d+\.\d+)\.\d+/' -and $Matches[2] -eq $Subnet -and $Matches[1] -ne $BridgeName) {
            throw "The lab subnet $Subnet.0/24 is already used by interface $($Matches[1]). Choose another: -Subnet or `$env:ETCDOPS_LAB_SUBNET."
        }
    }
}

function Get-PwshCommand {
    $exe = (Get-Process -Id $PID).Path
    # Under 'dotnet pwsh' the process is the dotnet host: run pwsh.dll through it.
    if ((Split-Path $exe -Leaf) -like 'dotnet*') { return @($exe, (Join-Path $PSHOME 'pwsh.dll')) }
    @($exe)
}

function Set-LabHostRoot($LabHost, $AllHosts, [string] $PublicKey, [string] $Password) {
    $root = $LabHost.RootPath
    [IO.File]::WriteAllText("$root/etc/hostname", "$($LabHost.Name)`n")
    $hostsFile = @('127.0.0.1 localhost', '::1 localhost ip6-localhost ip6-loopback', "127.0.1.1 $($LabHost.Name)") +
        @($AllHosts | ForEach-Object { "$($_.Address) $($_.Name)" })
    [IO.File]::WriteAllText("$root/etc/hosts", ($hostsFile -join "`n") + "`n")
    [IO.File]::WriteAllText("$root/etc/machine-id", ([guid]::NewGuid().ToString('N')) + "`n")
    # Fresh, distinct host keys per host per Up.
    foreach ($type in 'ed25519', 'ecdsa') {
        Invoke-Native ssh-keygen @('-q', '-t', $type, '-N', '', '-C', "root@$($LabHost.Name)", '-f', "$root/etc/ssh/ssh_host_${type}_key") | Out-Null
    }
    foreach ($user in @(@{ Name = 'root'; Home = '/root'; Id = 0 }, @{ Name = 'ops'; Home = '/home/ops'; Id = $OpsUid }, @{ Name = 'opspw'; Home = '/home/opspw'; Id = $OpsPwUid })) {
        $sshDir = "$root$($user.Home)/.ssh"
        New-Item -ItemType Directory -Force $sshDir | Out-Null
        [IO.File]::WriteAllText("$sshDir/authorized_keys", $PublicKey.Trim() + "`n")
        Invoke-Native chmod @('0700', $sshDir) | Out-Null
        Invoke-Native chmod @('0600', "$sshDir/authorized_keys") | Out-Null
        Invoke-Native chown @('-R', "$($user.Id):$($user.Id)", $sshDir) | Out-Null
    }
    # The password goes on stdin, never on a command line.
    Invoke-Native chroot @($root, 'chpasswd') -InputText "opspw:$Password" | Out-Null
}

function Test-LabSshBanner([string] $Address, [int] $Port) {
    $client = [Net.Sockets.TcpClient]::new()
    try {
        if (-not $client.ConnectAsync($Address, $Port).Wait(500)) { return $false }
        $stream = $client.GetStream()
        $stream.ReadTimeout = 1000
        $buffer = [byte[]]::new(64)
        $read = $stream.Read($buffer, 0, $buffer.Length)
        return ([Text.Encoding]::ASCII.GetString($buffer, 0, $read)).StartsWith('SSH-')
    }
    catch { return $false }
    finally { $client.Dispose() }
}

function Test-LabHttp([string] $Url) {
    $http = [Net.Http.HttpClient]::new()
    $http.Timeout = [TimeSpan]::FromSeconds(2)
    try { $null = $http.GetAsync($Url).GetAwaiter().GetResult(); $true } catch { $false } finally { $http.Dispose() }
}

function Get-LabLogTail([string] $Path, [int] $Lines = 30) {
    if (Test-Path $Path) { (Get-Content $Path -Tail $Lines) -join "`n" } else { "(no log at $Path)" }
}

function Wait-LabReady($State) {
    $deadline = [DateTime]::UtcNow.AddSeconds($BootTimeoutSeconds)
    $pending = [Collections.Generic.List[object]]::new([object[]]@($State.Hosts))
    $serverUp = $false
    while ($pending.Count -gt 0 -or -not $serverUp) {
        foreach ($labHost in @($pending)) {
            if (-not (Test-LabProcess $labHost.Pid $labHost.PidStart @('systemd-nspawn'))) {
                throw "Lab host $($labHost.Name) ($($labHost.Address)): systemd-nspawn exited during boot. Its log ($($labHost.ConsoleLogPath)):`n$(Get-LabLogTail $labHost.ConsoleLogPath)"
            }
            if (Test-LabSshBanner $labHost.Address $labHost.SshPort) {
                $labHost.InitPid = Find-LabContainerInit $labHost.Pid
                $labHost.InitPidStart = Get-LabProcessStart $labHost.InitPid
                $pending.Remove($labHost) | Out-Null
            }
        }
        if (-not $serverUp) {
            if (-not (Test-LabProcess $State.ReleaseServerPid $State.ReleaseServerPidStart @('ReleaseServer.ps1'))) {
                throw "The lab's release server exited. Its log:`n$(Get-LabLogTail (Join-Path $StateDir 'logs/release-server.log'))"
            }
            $serverUp = Test-LabHttp "$($State.ReleaseBaseUrl)/"
        }
        if ($pending.Count -eq 0 -and $serverUp) { break }
        if ([DateTime]::UtcNow -gt $deadline) {
            $detail = foreach ($labHost in $pending) { "--- $($labHost.Name) ($($labHost.Address)), log $($labHost.ConsoleLogPath):`n$(Get-LabLogTail $labHost.ConsoleLogPath)" }
            if (-not $serverUp) { $detail += "--- release server at $($State.ReleaseBaseUrl) does not answer:`n$(Get-LabLogTail (Join-Path $StateDir 'logs/release-server.log'))" }
            throw "Lab not ready after $BootTimeoutSeconds s: SSH does not answer on $(@($pending.Address) -join ', ').`n$($detail -join "`n")"
        }
        Start-Sleep -Milliseconds 250
    }
    # Log in for real (key, strict host-key check) and wait for each host's boot to finish.
    $results = $State.Hosts | ForEach-Object -ThrottleLimit 16 -Parallel {
        $state = $using:State
        $output = & ssh -n -i $state.KeyPath -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$($state.KnownHostsPath)" `
            -o GlobalKnownHostsFile=/dev/null -o ConnectTimeout=10 -o LogLevel=ERROR "root@$($_.Address)" `
            'timeout 60 systemctl is-system-running --wait; systemctl --failed --no-legend --plain | cut -d" " -f1' 2>&1
        [pscustomobject]@{ Name = $_.Name; Address = $_.Address; ExitCode = $LASTEXITCODE; Output = @($output | ForEach-Object { "$_" }) }
    }
    foreach ($result in $results) {
        $systemState = @($result.Output)[0]
        if ($systemState -notin 'running', 'degraded') {
            throw "Lab host $($result.Name) ($($result.Address)): SSH login as root failed or boot did not finish: $($result.Output -join "`n")"
        }
        if ($systemState -eq 'degraded') {
            Write-Warning "Lab host $($result.Name) booted degraded; failed units: $((@($result.Output) | Select-Object -Skip 1) -join ', ')"
        }
    }
}

function Invoke-LabUp {
    $started = [Diagnostics.Stopwatch]::StartNew()
    Assert-LabPrerequisite
    if (Test-LabNetworkForeign (Get-LabInfo -StateDir $StateDir)) {
        throw "The lab subnet $Subnet.0/24 is already used by another lab (bridge $BridgeName exists, but not from $StateDir). Take that lab down with its own -StateDir, or choose another -Subnet."
    }
    Invoke-LabDown
    Assert-LabSubnetFree
    $base = Initialize-LabBase
    $releases = Join-Path $CachePath 'releases'
    if (-not (Test-Path $releases)) {
        Write-Warning "No release archives in $releases yet; the release server will answer 404. Run tests/lab/get-etcd.sh."
        New-Item -ItemType Directory -Force $releases | Out-Null
    }
    $logs = Join-Path $StateDir 'logs'
    Remove-LabTree $logs
    New-Item -ItemType Directory -Force $StateDir, $HostsDir, $logs | Out-Null

    $keyPath = Join-Path $StateDir 'id_ed25519'
    Invoke-Native ssh-keygen @('-q', '-t', 'ed25519', '-N', '', '-C', 'etcdops-lab', '-f', $keyPath) | Out-Null
    $passwordPath = Join-Path $StateDir 'opspw.password'
    $password = New-LabPassword
    Write-LabFile $passwordPath $password '0600'

    $state = [ordered]@{
        Subnet               = $Subnet
        PrefixLength         = 24
        Gateway              = $Gateway
        Bridge               = $BridgeName
        StateDir             = $StateDir
        BasePath             = $base
        KeyPath              = $keyPath
        PublicKeyPath        = "$keyPath.pub"
        KnownHostsPath       = Join-Path $StateDir 'known_hosts'
        HashedKnownHostsPath = Join-Path $StateDir 'known_hosts.hashed'
        Users                = @(
            [ordered]@{ Name = 'root'; Uid = 0; Sudo = 'Root'; KeyPath = $keyPath; PasswordPath = $null }
            [ordered]@{ Name = 'ops'; Uid = $OpsUid; Sudo = 'NoPassword'; KeyPath = $keyPath; PasswordPath = $null }
            [ordered]@{ Name = 'opspw'; Uid = $OpsPwUid; Sudo = 'Password'; KeyPath = $keyPath; PasswordPath = $passwordPath })
        ReleaseBaseUrl       = "http://${Gateway}:$HttpPort"
        ReleaseRoot          = $releases
        ReleaseServerPid     = 0
        ReleaseServerPidStart = $null
        ReleaseServerLogPath = Join-Path $logs 'release-requests.log'
        Hosts                = @(for ($i = 1; $i -le $HostCount; $i++) {
                $address = "$Subnet.$(10 + $i)"
                $dir = Join-Path $HostsDir "lab$i"
                [ordered]@{
                    Name = "lab$i"; Address = $address; SshPort = 22; NetNs = "$NetNsPrefix$(10 + $i)"; Veth = "eo$Tag-$(10 + $i)"
                    RootPath = Join-Path $dir 'root'; ConsoleLogPath = Join-Path $logs "lab$i.console.log"
                    Pid = 0; PidStart = $null; InitPid = 0; InitPidStart = $null
                }
            })
        StartedAt            = [DateTime]::UtcNow.ToString('o')
    }
    Save-LabState $state
    try {
        # Every booted host's systemd takes inotify instances of root's allowance (128 by default): a few labs at once
        # exhaust it and hosts fail to boot with "Too many open files". Raise it, never lower it.
        $inotify = '/proc/sys/fs/inotify/max_user_instances'
        if ((Test-Path $inotify) -and [int](Get-Content $inotify) -lt 1024) { Set-Content $inotify '1024' }
        Write-LabStep "bridge $BridgeName $Gateway/24"
        Invoke-Native ip @('link', 'add', $BridgeName, 'type', 'bridge') | Out-Null
        Invoke-Native ip @('addr', 'add', "$Gateway/24", 'dev', $BridgeName) | Out-Null
        Invoke-Native ip @('link', 'set', $BridgeName, 'up') | Out-Null

        # The release server starts first: pwsh takes a moment, and it overlaps with the hosts' boot.
        $pwshCommand = Get-PwshCommand
        $server = Start-LabBackground (Join-Path $logs 'release-server.log') ($pwshCommand + @(
                '-NoProfile', '-NonInteractive', '-File', (Join-Path $PSScriptRoot 'ReleaseServer.ps1'),
                '-Root', $releases, '-Prefix', "$($state.ReleaseBaseUrl)/", '-LogPath', $state.ReleaseServerLogPath))
        $state.ReleaseServerPid = $server.Id
        $state.ReleaseServerPidStart = $server.Start
        Save-LabState $state

        $publicKey = Get-Content "$keyPath.pub" -Raw
        $knownHosts = [Collections.Generic.List[string]]::new()
        foreach ($labHost in $state.Hosts) {
            $dir = Split-Path $labHost.RootPath
            New-Item -ItemType Directory -Force "$dir/upper", "$dir/work", $labHost.RootPath | Out-Null
            Invoke-Native mount @('-t', 'overlay', 'overlay', '-o', "lowerdir=$base,upperdir=$dir/upper,workdir=$dir/work", $labHost.RootPath) | Out-Null
            Set-LabHostRoot $labHost $state.Hosts $publicKey $password
            foreach ($type in 'ed25519', 'ecdsa') {
                $fields = (Get-Content "$($labHost.RootPath)/etc/ssh/ssh_host_${type}_key.pub" -Raw).Trim() -split ' '
                $knownHosts.Add("$($labHost.Address) $($fields[0]) $($fields[1])")
            }

            $ns = $labHost.NetNs
            Invoke-Native ip @('netns', 'add', $ns) | Out-Null
            Invoke-Native ip @('link', 'add', $labHost.Veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', $ns) | Out-Null
            Invoke-Native ip @('link', 'set', $labHost.Veth, 'master', $BridgeName, 'up') | Out-Null
            Invoke-Native ip @('netns', 'exec', $ns, 'ip', 'addr', 'add', "$($labHost.Address)/24", 'dev', 'eth0') | Out-Null
            Invoke-Native ip @('netns', 'exec', $ns, 'ip', 'link', 'set', 'lo', 'up') | Out-Null
            Invoke-Native ip @('netns', 'exec', $ns, 'ip', 'link', 'set', 'eth0', 'up') | Out-Null
            Invoke-Native ip @('netns', 'exec', $ns, 'ip', 'route', 'add', 'default', 'via', $Gateway) | Out-Null

            # No systemd on the machine itself: --register=no --keep-unit. --network-veth does not work here.
            $nspawn = Start-LabBackground $labHost.ConsoleLogPath @('systemd-nspawn', '-D', $labHost.RootPath, '-M', $labHost.Name,
                '--boot', '--register=no', '--keep-unit', "--network-namespace-path=/run/netns/$ns", '--console=read-only',
                '--kill-signal=SIGRTMIN+4')
            $labHost.Pid = $nspawn.Id
            $labHost.PidStart = $nspawn.Start
            Save-LabState $state
            Write-LabStep "$($labHost.Name) $($labHost.Address) booting (pid $($labHost.Pid))"
        }
        [IO.File]::WriteAllText($state.KnownHostsPath, ($knownHosts -join "`n") + "`n")
        Copy-Item $state.KnownHostsPath $state.HashedKnownHostsPath
        Invoke-Native ssh-keygen @('-H', '-f', $state.HashedKnownHostsPath) | Out-Null
        Remove-Item "$($state.HashedKnownHostsPath).old" -Force -ErrorAction SilentlyContinue
        Save-LabState $state

        Wait-LabReady ([pscustomobject]$state)
        Save-LabState $state
    }
    catch {
        Write-LabStep 'Up failed; tearing down what it started'
        $failure = $_
        try { Invoke-LabDown } catch { Write-Warning "Tear-down after the failed Up also failed: $_" }
        throw $failure
    }
    $env:ETCDOPS_LAB_STATE = $StateDir
    Write-LabStep ("up: {0} host(s) on {1}.0/24 in {2:0.0} s; releases at {3}; state {4}" -f $HostCount, $Subnet, $started.Elapsed.TotalSeconds, $state.ReleaseBaseUrl, $StateFile)
}
#endregion

function Get-LabStatus {
    $state = Get-LabInfo -StateDir $StateDir
    if (-not $state) { Write-LabStep "no lab is up ($StateFile does not exist)"; return }
    foreach ($labHost in $state.Hosts) {
        [pscustomobject]@{
            Name    = $labHost.Name
            Address = $labHost.Address
            Pid     = $labHost.Pid
            Running = Test-LabProcess $labHost.Pid $labHost.PidStart @('systemd-nspawn', $labHost.RootPath)
            Ssh     = Test-LabSshBanner $labHost.Address $labHost.SshPort
        }
    }
    [pscustomobject]@{
        Name    = 'release-server'
        Address = $state.ReleaseBaseUrl
        Pid     = $state.ReleaseServerPid
        Running = Test-LabProcess $state.ReleaseServerPid $state.ReleaseServerPidStart @('ReleaseServer.ps1')
        Ssh     = $null
    }
}

switch ($Action) {
    'Up' {
        $lock = Lock-LabFile (Join-Path $StateDir '.lock') 120 "the lab in $StateDir"
        try { Invoke-LabUp } finally { $lock.Dispose() }
    }
    'Down' {
        if (-not $IsLinux -or (& id -u) -ne '0') { throw 'Lab -Action Down needs root on Linux.' }
        $lock = Lock-LabFile (Join-Path $StateDir '.lock') 120 "the lab in $StateDir"
        try { Invoke-LabDown; Write-LabStep "down ($Subnet.0/24)" } finally { $lock.Dispose() }
    }
    'Status' { Get-LabStatus | Format-Table -AutoSize }
}
