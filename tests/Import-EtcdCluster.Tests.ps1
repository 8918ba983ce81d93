BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $dir = New-TestDirectory
    function Write-Inventory([string] $name, [string] $text) { $p = Join-Path $dir $name; Set-Content -Path $p -Value $text; $p }
}
AfterAll { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Import-EtcdCluster' {
    It 'reads a hand-written inventory with defaults filled in' {
        $p = Write-Inventory 'hand.yml' @"
name: lab
token: lab-token-1
members:
  - name: etcd-1
    address: 10.231.0.11
"@
        $c = Import-EtcdCluster $p
        $c.Name | Should -Be 'lab'
        $c.Version | Should -Be '3.5.16'
        $c.ClientPort | Should -Be 2379
        $c.Members[0].Address | Should -Be '10.231.0.11'
    }

    It 'takes paths from Get-ChildItem' {
        Write-Inventory 'piped.yml' "name: p`ntoken: t1`nmembers:`n  - name: a`n    address: 10.0.0.1" | Out-Null
        (Get-ChildItem (Join-Path $dir 'piped.yml') | Import-EtcdCluster).Name | Should -Be 'p'
    }

    It 'reports malformed YAML with line and column' {
        $p = Write-Inventory 'broken.yml' "name: x`ntoken: t`nmembers:`n  - name: a`n    address: [10.0.0.1"
        $err = $null
        try { Import-EtcdCluster $p -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidInventoryYaml,*'
        $err.Exception.Message | Should -Match 'line \d+, column \d+'
        $err.Exception.Message | Should -BeLike "*broken.yml*"
    }

    It 'reports an unknown key with its line' {
        $p = Write-Inventory 'unknown.yml' "name: x`ntoken: t`nmembers:`n  - name: a`n    adress: 10.0.0.1"
        $err = $null
        try { Import-EtcdCluster $p -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'UnknownInventoryKey,*'
        $err.Exception.Message | Should -Match "line 5, column 5: 'adress' is not a member key\. The keys of a member are name, address, sshHost, sshPort, sshUser"
        $err.Exception.Message | Should -Not -Match 'EtcdOps\.'
    }

    It 'reports a tab at its own line' {
        $p = Write-Inventory 'tab.yml' "name: x`ntoken: t`nmembers:`n  - name: a`n`taddress: 10.0.0.1"
        $err = $null
        try { Import-EtcdCluster $p -ErrorAction Stop } catch { $err = $_ }
        $err.Exception.Message | Should -Match 'line 5, column 1: a tab indents this line'
    }

    It 'gives a hand-written inventory without a token one, writes it back and says so' {
        $p = Write-Inventory 'notoken.yml' "# by hand`nname: x`nmembers:`n  - name: a`n    address: 10.0.0.1"
        $w = $null
        $c = Import-EtcdCluster $p -WarningVariable w -WarningAction SilentlyContinue
        $c.Token | Should -Match '^etcd-x-[0-9a-f]{16}$'
        ($w -join "`n") | Should -Match 'no token; generated .* written to the file'
        (Get-Content $p -Raw) | Should -Match "(?m)^# by hand\r?\nname: x\r?\ntoken: $($c.Token)"
        (Import-EtcdCluster $p).Token | Should -Be $c.Token
    }

    It 'validates members like New-EtcdCluster, naming the file' {
        $p = Write-Inventory 'dns.yml' "name: x`ntoken: t`nmembers:`n  - name: a`n    address: etcd-a.example"
        $err = $null
        try { Import-EtcdCluster $p -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -BeLike 'InvalidMemberAddress,*'
        $err.Exception.Message | Should -BeLike '*dns.yml: Member`[0`].Address*expected IP in URL for binding*'
    }

    It 'refuses a missing file and an empty file' {
        { Import-EtcdCluster (Join-Path $dir 'nope.yml') -ErrorAction Stop } | Should -Throw -ErrorId 'InventoryNotFound,*'
        $p = Write-Inventory 'empty.yml' ''
        { Import-EtcdCluster $p -ErrorAction Stop } | Should -Throw -ErrorId 'EmptyInventory,*'
    }

    It 'works when another YamlDotNet version is already loaded in the session (load isolation)' -Skip:($PSEdition -ne 'Core') {
        $foreign = Join-Path (Get-NuGetPackagePath 'YamlDotNet' '16.3.0') 'lib/netstandard2.0/YamlDotNet.dll'
        Test-Path $foreign | Should -BeTrue
        $inv = Write-Inventory 'iso.yml' "name: iso`ntoken: t`nmembers:`n  - name: a`n    address: 10.0.0.1"
        $r = Invoke-InNewSession @"
`$ErrorActionPreference = 'Stop'
Add-Type -Path '$foreign'
'foreign=' + [YamlDotNet.Serialization.Deserializer].Assembly.GetName().Version
Import-Module '$ModulePath'
`$c = Import-EtcdCluster '$inv'
'imported=' + `$c.Name
"@
        $r.Output | Should -Match 'foreign=16\.0\.0\.0'
        $r.Output | Should -Match 'imported=iso'
        $r.ExitCode | Should -Be 0
    }
}
