<#
.SYNOPSIS
    Helpers for tests and the demo to find and use the lab that tests/lab/Lab.ps1 brought up.
.DESCRIPTION
    Dot-source this file, then:
        $lab = Get-LabInfo                    # $null when no lab is up (unless -Require)
        $lab.Hosts[0].Address                 # 10.231.0.11
        Invoke-LabSsh -Lab $lab -HostName lab1 -User ops -Command 'sudo -n true'
        Get-LabCredential -Lab $lab -User opspw   # PSCredential with the sudo password of 'opspw'
    The state directory is found from $env:ETCDOPS_LAB_STATE (Lab.ps1 -Action Up sets it in the calling
    process), else from the cache and subnet defaults that Lab.ps1 uses.
#>

# "10.231.0", "10.231.0.0" or "10.231.0.0/24" -> "10.231.0" (the lab is always one /24).
function ConvertTo-LabSubnet([string] $Subnet) {
    $text = ($Subnet -replace '/24$', '').Trim()
    $octets = $text.Split('.')
    if ($octets.Count -eq 4 -and $octets[3] -eq '0') { $octets = $octets[0..2] }
    if ($octets.Count -ne 3 -or @($octets | Where-Object { $_ -notmatch '^\d{1,3}$' -or [int]$_ -gt 255 }).Count) {
        throw "Lab subnet '$Subnet' is not a /24 like '10.231.0' or '10.231.0.0/24'."
    }
    ($octets | ForEach-Object { [string][int]$_ }) -join '.'
}

function Get-LabCachePath {
    if ($env:ETCDOPS_CACHE) { return $env:ETCDOPS_CACHE }
    Join-Path (Split-Path (Split-Path $PSScriptRoot -Parent) -Parent) '.cache'
}

function Get-LabDefaultSubnet {
    if ($env:ETCDOPS_LAB_SUBNET) { ConvertTo-LabSubnet $env:ETCDOPS_LAB_SUBNET } else { '10.231.0' }
}

function Get-LabStateDirectory([string] $Subnet) {
    if ($env:ETCDOPS_LAB_STATE -and -not $Subnet) { return $env:ETCDOPS_LAB_STATE }
    if (-not $Subnet) { $Subnet = Get-LabDefaultSubnet }
    Join-Path (Get-LabCachePath) "lab/$(ConvertTo-LabSubnet $Subnet)"
}

<#
.SYNOPSIS
    Reads the lab's state (lab.json). Returns $null when no lab is up, or throws with -Require.
#>
function Get-LabInfo {
    param([string] $StateDir, [switch] $Require)
    if (-not $StateDir) { $StateDir = Get-LabStateDirectory }
    $file = Join-Path $StateDir 'lab.json'
    if (-not (Test-Path $file)) {
        if ($Require) { throw "No lab is up (no $file). Run: dotnet pwsh tests/lab/Lab.ps1 -Action Up (as root)." }
        return $null
    }
    Get-Content $file -Raw | ConvertFrom-Json
}

function Get-LabHost {
    param([Parameter(Mandatory)] $Lab, [Parameter(Mandatory)] [string] $HostName)
    $labHost = @($Lab.Hosts | Where-Object { $_.Name -eq $HostName -or $_.Address -eq $HostName })[0]
    if (-not $labHost) { throw "The lab has no host '$HostName' (hosts: $($Lab.Hosts.Name -join ', '))." }
    $labHost
}

<#
.SYNOPSIS
    The credential of a lab user (for 'opspw': its sudo password, read from the 0600 file in the state dir).
#>
function Get-LabCredential {
    param([Parameter(Mandatory)] $Lab, [string] $User = 'opspw')
    $entry = @($Lab.Users | Where-Object Name -eq $User)[0]
    if (-not $entry -or -not $entry.PasswordPath) { throw "Lab user '$User' has no password." }
    $secure = ConvertTo-SecureString ((Get-Content $entry.PasswordPath -Raw).Trim()) -AsPlainText -Force
    [pscredential]::new($User, $secure)
}

<#
.SYNOPSIS
    Runs a command on a lab host with OpenSSH (the lab key, strict host-key checking against the lab's
    known_hosts). Returns [pscustomobject]@{ ExitCode; Output } (stdout and stderr together).
#>
function Invoke-LabSsh {
    param(
        [Parameter(Mandatory)] $Lab,
        [Parameter(Mandatory)] [string] $HostName,
        [Parameter(Mandatory)] [string] $Command,
        [string] $User = 'root',
        [string] $InputText
    )
    $labHost = Get-LabHost -Lab $Lab -HostName $HostName
    $sshArgs = @('-i', $Lab.KeyPath, '-p', $labHost.SshPort, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=yes',
        '-o', "UserKnownHostsFile=$($Lab.KnownHostsPath)", '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'ConnectTimeout=5',
        '-o', 'LogLevel=ERROR', "$User@$($labHost.Address)", $Command)
    $output = if ($PSBoundParameters.ContainsKey('InputText')) { $InputText | & ssh @sshArgs 2>&1 } else { & ssh -n @sshArgs 2>&1 }
    [pscustomobject]@{ ExitCode = $LASTEXITCODE; Output = (($output | ForEach-Object { "$_" }) -join "`n") }
}
