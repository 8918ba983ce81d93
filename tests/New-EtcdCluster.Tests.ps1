BeforeAll { . "$PSScriptRoot/common.ps1" }

Describe 'New-EtcdCluster' {
    It 'warns about an etcd version newer than the releases it knows (<Version>), at once and again at New-EtcdConfig' -TestCases @(@{ Version = '3.7.0' }, @{ Version = '3.6.99' }) {
        param($Version)
        $w = $null
        $c = New-EtcdCluster -Name t -Version $Version -Member @{ Name = 'a'; Address = '10.0.0.1' } -WarningVariable w -WarningAction SilentlyContinue
        ($w -join "`n") | Should -Match "etcd $([regex]::Escape($Version)) is newer than the releases EtcdOps knows"
        $w2 = $null
        $c | New-EtcdConfig -WarningVariable w2 -WarningAction SilentlyContinue | Out-Null
        ($w2 -join "`n") | Should -Match 'newer than the releases EtcdOps knows'
    }

    It 'does not warn for a known release' {
        $w = $null
        New-EtcdCluster -Name t -Version 3.5.16 -Member @{ Name = 'a'; Address = '10.0.0.1' }, @{ Name = 'b'; Address = '10.0.0.2' }, @{ Name = 'c'; Address = '10.0.0.3' } -WarningVariable w | Out-Null
        ($w -join "`n") | Should -Not -Match 'newer than the releases'
    }

    It 'builds a cluster with defaults, URLs and initial-cluster' {
        $c = New-EtcdCluster -Name staging -Member @(
            @{ Name = 'z-b-data-1'; Address = '192.168.6.204' }
            @{ Name = 'z-b-data-2'; Address = '192.168.6.205' }
            @{ Name = 'z-b-data-3'; Address = '192.168.6.206' })
        $c.GetType().FullName | Should -Be 'EtcdOps.Cluster.EtcdCluster'
        $c.Version | Should -Be '3.5.16'
        $c.ClientPort | Should -Be 2379
        $c.PeerPort | Should -Be 2380
        $c.DataDir | Should -Be '/var/lib/etcd'
        $c.Members.Count | Should -Be 3
        $c.InitialCluster | Should -Be 'z-b-data-1=https://192.168.6.204:2380,z-b-data-2=https://192.168.6.205:2380,z-b-data-3=https://192.168.6.206:2380'
        $c.ClientUrls | Should -Be @('https://192.168.6.204:2379', 'https://192.168.6.205:2379', 'https://192.168.6.206:2379')
    }

    It 'gives every cluster its own token' {
        $a = New-EtcdCluster -Name a -Member @{ Name = 'm1'; Address = '10.0.0.1' }
        $b = New-EtcdCluster -Name a -Member @{ Name = 'm1'; Address = '10.0.0.1' }
        $a.Token | Should -Not -BeNullOrEmpty
        $a.Token | Should -Not -Be $b.Token
    }

    It 'accepts EtcdMember objects and objects with member properties' {
        $fromCsv = 'Name,Address,SshPort', 'm1,10.0.0.1,2222' | ConvertFrom-Csv
        $c = New-EtcdCluster -Name x -Member $fromCsv
        $c.Members[0].SshPort | Should -Be 2222
        $again = New-EtcdCluster -Name y -Member $c.Members
        $again.Members[0].Address | Should -Be '10.0.0.1'
    }

    It 'brackets IPv6 addresses in URLs' {
        $c = New-EtcdCluster -Name v6 -Member @{ Name = 'm1'; Address = 'fd00::1' }
        $c.ClientUrls[0] | Should -Be 'https://[fd00::1]:2379'
    }

    It 'takes IPv6 with or without brackets and gives the same URLs, certificate and conf.yml' {
        $dir = New-TestDirectory
        try {
            $members = @(@{ Name = 'm1'; Address = '[fd00::11]' }, @{ Name = 'm2'; Address = 'fd00:0:0::12' }, @{ Name = 'm3'; Address = 'fd00::13' })
            $c = New-EtcdCluster -Name v6 -Member $members -WarningAction SilentlyContinue
            $c.Members.Address | Should -Be @('fd00::11', 'fd00::12', 'fd00::13')
            $c.InitialCluster | Should -Be 'm1=https://[fd00::11]:2380,m2=https://[fd00::12]:2380,m3=https://[fd00::13]:2380'
            $pki = $c | New-EtcdCertificateSet -Path $dir
            (& openssl x509 -in $pki.PeerCertificatePath('m1') -noout -ext subjectAltName) -join ' ' | Should -Match 'IP Address:FD00:0:0:0:0:0:0:11'
            $yaml = ($c | New-EtcdConfig -CertificateSet $pki)[0].Yaml
            $yaml | Should -Match ([regex]::Escape('listen-peer-urls: https://[fd00::11]:2380'))
            $yaml | Should -Not -Match ([regex]::Escape('[['))
            $inventory = Join-Path $dir 'v6.yml'
            $c | Export-EtcdCluster -Path $inventory
            (Import-EtcdCluster $inventory).ClientUrls | Should -Be $c.ClientUrls
        }
        finally { Remove-Item $dir -Recurse -Force }
    }

    It 'refuses <Case> with error id <Id>' -TestCases @(
        @{ Case = 'duplicate names'; Id = 'DuplicateMemberName'; Members = @(@{ Name = 'a'; Address = '10.0.0.1' }, @{ Name = 'A'; Address = '10.0.0.2' }); Text = 'used by two members' }
        @{ Case = 'duplicate addresses'; Id = 'DuplicateMemberAddress'; Members = @(@{ Name = 'a'; Address = '10.0.0.1' }, @{ Name = 'b'; Address = '10.0.0.1' }); Text = 'both have Address' }
        @{ Case = 'an invalid host label'; Id = 'InvalidMemberName'; Members = @(@{ Name = 'bad_name'; Address = '10.0.0.1' }); Text = 'not a valid host label' }
        @{ Case = 'a DNS name as address'; Id = 'InvalidMemberAddress'; Members = @(@{ Name = 'a'; Address = 'etcd1.example.com' }); Text = 'expected IP in URL for binding' }
        @{ Case = 'a truncated IPv4'; Id = 'InvalidMemberAddress'; Members = @(@{ Name = 'a'; Address = '10.1' }); Text = 'not an IP address' }
        @{ Case = 'an empty member list'; Id = 'NoMembers'; Members = @(); Text = 'member list is empty' }
        @{ Case = 'an unknown member key'; Id = 'UnknownMemberKey'; Members = @(@{ Name = 'a'; Adress = '10.0.0.1' }); Text = "unknown key 'Adress'" }
    ) {
        param($Id, $Members, $Text)
        $err = $null
        try { New-EtcdCluster -Name t -Member $Members -ErrorAction Stop | Out-Null } catch { $err = $_ }
        $err | Should -Not -BeNullOrEmpty
        $err.FullyQualifiedErrorId | Should -BeLike "$Id,*"
        $err.CategoryInfo.Category | Should -Be 'InvalidArgument'
        $err.Exception.Message | Should -BeLike "*$Text*"
    }

    It 'refuses a malformed version <Version>' -TestCases @(@{ Version = '3.5' }, @{ Version = 'latest' }, @{ Version = '3.5.x' }) {
        param($Version)
        { New-EtcdCluster -Name t -Version $Version -Member @{ Name = 'a'; Address = '10.0.0.1' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidEtcdVersion,*'
    }

    It 'refuses an unsupported etcd series' {
        { New-EtcdCluster -Name t -Version 3.3.27 -Member @{ Name = 'a'; Address = '10.0.0.1' } -ErrorAction Stop } |
            Should -Throw -ErrorId 'UnsupportedEtcdVersion,*'
    }

    It 'warns about an even member count but still returns the cluster' {
        $c = New-EtcdCluster -Name t -Member @(@{ Name = 'a'; Address = '10.0.0.1' }, @{ Name = 'b'; Address = '10.0.0.2' }) -WarningVariable w -WarningAction SilentlyContinue
        $c | Should -Not -BeNullOrEmpty
        $w.Count | Should -Be 1
        "$($w[0])" | Should -BeLike '*odd number of members*'
    }

    It 'strips a leading v from the version' {
        (New-EtcdCluster -Name t -Version v3.4.23 -Member @{ Name = 'a'; Address = '10.0.0.1' }).Version | Should -Be '3.4.23'
    }
}
