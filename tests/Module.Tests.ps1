BeforeAll { . "$PSScriptRoot/common.ps1" }

Describe 'EtcdOps module' {
    It 'ships a net8.0 build with the net8.0 builds of its dependencies, and a desktop build' {
        # The TargetFramework attribute is stored as text in each assembly's metadata.
        function Get-TargetFramework([string] $Path) {
            $text = [Text.Encoding]::ASCII.GetString([IO.File]::ReadAllBytes($Path))
            if ($text -match '(\.NETCoreApp,Version=v[0-9.]+|\.NETStandard,Version=v[0-9.]+|\.NETFramework,Version=v[0-9.]+)') { $Matches[1] } else { '' }
        }
        foreach ($name in 'EtcdOps', 'EtcdOps.Core', 'Renci.SshNet', 'Grpc.Net.Client') {
            Get-TargetFramework (Join-Path $ModulePath "bin/net8.0/$name.dll") | Should -Be '.NETCoreApp,Version=v8.0' -Because $name
        }
        foreach ($name in 'EtcdOps', 'EtcdOps.Core', 'Renci.SshNet', 'System.Text.Json') {
            Get-TargetFramework (Join-Path $ModulePath "bin/netstandard2.0/$name.dll") | Should -Be '.NETStandard,Version=v2.0' -Because $name
        }
        # The module in this session is the net8.0 build.
        $loaded = (Get-Command Get-EtcdEndpointStatus).ImplementingType.Assembly.Location
        $loaded | Should -Be (Join-Path $ModulePath 'bin/net8.0/EtcdOps.dll')
    }

    It 'has a valid manifest' {
        $m = Test-ModuleManifest (Join-Path $ModulePath 'EtcdOps.psd1')
        $m.CompatiblePSEditions | Should -Be @('Core', 'Desktop')
        $m.PowerShellVersion | Should -Be '5.1'
    }

    It 'exports exactly the cmdlets the manifest lists' {
        $listed = (Import-PowerShellDataFile (Join-Path $ModulePath 'EtcdOps.psd1')).CmdletsToExport | Sort-Object
        $actual = (Get-Command -Module EtcdOps -CommandType Cmdlet).Name | Sort-Object
        $actual | Should -Be $listed
    }

    It 'uses approved verbs and Etcd nouns only' {
        $approved = (Get-Verb).Verb
        foreach ($c in Get-Command -Module EtcdOps) {
            $approved | Should -Contain $c.Verb
            $c.Noun | Should -BeLike 'Etcd*'
        }
    }

    It 'has help with a synopsis and at least one example for <Name>' -TestCases (
        (Import-PowerShellDataFile (Join-Path (Split-Path $PSScriptRoot) 'EtcdOps.psd1')).CmdletsToExport | ForEach-Object { @{ Name = $_ } }) {
        param($Name)
        $help = Get-Help $Name -Full
        $help.Synopsis | Should -Not -BeLike "*$Name*[[]*"   # auto-generated help is just the syntax
        $help.Synopsis | Should -Not -BeNullOrEmpty
        @($help.Examples.Example).Count | Should -BeGreaterThan 0
        $help.Examples.Example[0].Code | Should -Match $Name.Split('-')[1]
    }

    It 'gives -Release and -ReleaseBaseUrl, documented, to exactly the cmdlets that put etcd on hosts' {
        $with = Get-Command -Module EtcdOps -CommandType Cmdlet | Where-Object { $_.Parameters.ContainsKey('Release') }
        $with.Name | Sort-Object | Should -Be @('Add-EtcdMember', 'Install-EtcdNode', 'Restore-EtcdSnapshot', 'Update-EtcdNode')
        foreach ($c in $with) {
            $c.Parameters['Release'].ParameterType.Name | Should -Be 'EtcdRelease'
            $c.Parameters.ContainsKey('ReleaseBaseUrl') | Should -BeTrue -Because $c.Name
            (Get-Help $c.Name -Parameter Release).Description.Text | Should -Match 'SHA256SUMS' -Because $c.Name
        }
    }

    Context 'about_EtcdOps' {
        BeforeAll {
            $script:about = Get-Help about_EtcdOps | Out-String
            $script:flat = $about -replace '\s+', ' '   # phrases may be wrapped across lines
        }

        It 'is a help topic Get-Help finds, with a synopsis' {
            $about | Should -Match '(?m)^TOPIC\s+about_EtcdOps'
            $topic = @(Get-Help about_Etcd* -Category HelpFile) | Where-Object Name -eq 'about_EtcdOps'
            $topic.Synopsis | Should -Match 'host'
        }

        It 'describes the host layout: <_>' -TestCases @('/usr/local/bin', '/etc/etcd/conf.yml', '/var/lib/etcd', '/etc/systemd/system/etcd.service', '1501', '-BinaryDirectory', '-CertificateDirectory', '-WalDir') {
            $about | Should -Match ([regex]::Escape($_))
        }

        It 'names the inventory keys and the security defaults' {
            foreach ($text in 'clientPort', 'sshUser', 'client-cert-auth: true', 'TLS1.2', 'http://127.0.0.1:2381', 'allowed-cn', 'known_hosts', 'ca-key.pem is never copied') {
                $flat | Should -Match ([regex]::Escape($text))
            }
        }

        It 'lists error IDs and finding rules with what to do: <_>' -TestCases @('HostKeyUnknown', 'InvalidMemberAddress', 'QuorumWouldBeLost', 'CertificateAuthorityChangeRefused', 'MetricsNotLoopback', 'PeerPortOpenToCa') {
            $about | Should -Match "(?m)^$_\r?\n    Meaning: .+\r?\n(        .+\r?\n)*    What to do: "
        }

        It 'explains the ID of an error the module really writes' {
            $record = $null
            try { New-EtcdCluster -Name t -Member @{ Name = 'a'; Address = 'etcd-a.example' } -ErrorAction Stop | Out-Null }
            catch { $record = $_ }
            $id = $record.FullyQualifiedErrorId.Split(',')[0]
            $id | Should -Be 'InvalidMemberAddress'
            $about | Should -Match "(?m)^$id\r?\n    Meaning: "
        }
    }
}

Describe 'EtcdOps package' {
    It 'is a .nupkg that PSResourceGet installs from a local repository, and the installed module works' {
        $dir = New-TestDirectory
        $r = Invoke-InNewSession @"
`$ErrorActionPreference = 'Stop'
`$repo = Join-Path '$dir' 'repo'; `$dest = Join-Path '$dir' 'modules'
New-Item -ItemType Directory `$repo, `$dest | Out-Null
`$name = 'EtcdOpsTest' + `$PID
Register-PSResourceRepository -Name `$name -Uri `$repo -Trusted
try {
    Publish-PSResource -Path '$ModulePath' -Repository `$name
    'nupkg=' + (Get-ChildItem `$repo -Filter 'EtcdOps.*.nupkg').Name
    Save-PSResource -Name EtcdOps -Repository `$name -Path `$dest -TrustRepository
    Import-Module (Join-Path `$dest 'EtcdOps')
    'cluster=' + (New-EtcdCluster -Name pkg -Member @{ Name = 'a'; Address = '10.0.0.1' }).Name
}
finally { Unregister-PSResourceRepository -Name `$name }
"@
        Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue
        $r.Output | Should -Match 'nupkg=EtcdOps\.\d+\.\d+\.\d+\.nupkg'
        $r.Output | Should -Match 'cluster=pkg'
        $r.ExitCode | Should -Be 0
    }
}

Describe 'EtcdOps types in scripts' -Skip:($PSEdition -ne 'Core') {
    It 'can be named as [EtcdOps.<Area>.X] although they live in a private load context' {
        $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$m = [EtcdOps.Cluster.EtcdMember]::new('etcd-1', '10.0.0.11')
'member=' + `$m.Name
'same=' + ((New-EtcdCluster -Name t -Member `$m).GetType() -eq [EtcdOps.Cluster.EtcdCluster])
Remove-Module EtcdOps
'after=' + [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')::Get.ContainsKey('EtcdOps.Cluster.EtcdMember')
"@
        $r.Output | Should -Match 'member=etcd-1'
        $r.Output | Should -Match 'same=True'
        $r.Output | Should -Match 'after=False'   # removing the module takes its names away again
    }

    It 'names only the types a user creates or gets, not the implementation' {
        $r = Invoke-InNewSession @"
Import-Module '$ModulePath'
`$table = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')::Get
foreach (`$n in 'EtcdOps.Cluster.EtcdCluster', 'EtcdOps.Cluster.EtcdMember', 'EtcdOps.Pki.EtcdCertificateSet', 'EtcdOps.Config.EtcdNodeConfig', 'EtcdOps.Deploy.EtcdNodeInstallResult', 'EtcdOps.Remote.HostKeyPolicy', 'EtcdOps.Deploy.ClusterInstaller', 'EtcdOps.Remote.SshRemoteHost', 'EtcdOps.Remote.RemoteFiles', 'EtcdOps.Common.AtomicFile') { `$n + '=' + `$table.ContainsKey(`$n) }
"@
        foreach ($n in 'Cluster.EtcdCluster', 'Cluster.EtcdMember', 'Pki.EtcdCertificateSet', 'Config.EtcdNodeConfig', 'Deploy.EtcdNodeInstallResult', 'Remote.HostKeyPolicy') { $r.Output | Should -Match "EtcdOps\.$([regex]::Escape($n))=True" }
        foreach ($n in 'Deploy.ClusterInstaller', 'Remote.SshRemoteHost', 'Remote.RemoteFiles', 'Common.AtomicFile') { $r.Output | Should -Match "EtcdOps\.$([regex]::Escape($n))=False" }
    }
}
