BeforeAll {
    . "$PSScriptRoot/common.ps1"
    $dir = New-TestDirectory
    $cluster = New-EtcdCluster -Name staging -Member @(
        @{ Name = 'z-b-data-1'; Address = '192.168.6.204'; SshHost = 'data-1.example'; SshPort = 2222; SshUser = 'ops' }
        @{ Name = 'z-b-data-2'; Address = '192.168.6.205' }
        @{ Name = 'z-b-data-3'; Address = '192.168.6.206' })
}
AfterAll { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Export-EtcdCluster' {
    It 'writes a YAML inventory that round-trips exactly' {
        $path = Join-Path $dir 'staging.yml'
        $cluster | Export-EtcdCluster -Path $path
        $first = Get-Content $path -Raw
        $first | Should -Match '(?m)^name: staging$'
        $first | Should -Match "(?m)^token: $([regex]::Escape($cluster.Token))$"
        $first | Should -Match '(?m)^  - name: z-b-data-1$'

        $back = Import-EtcdCluster -Path $path
        $back.Token | Should -Be $cluster.Token
        $back.Members[0].SshPort | Should -Be 2222
        $back.Members[0].SshHost | Should -Be 'data-1.example'
        $back.Members[1].SshHost | Should -BeNullOrEmpty

        $path2 = Join-Path $dir 'again.yml'
        $back | Export-EtcdCluster -Path $path2
        Get-Content $path2 -Raw | Should -BeExactly $first
    }

    It 'does not write with -WhatIf' {
        $path = Join-Path $dir 'whatif.yml'
        $cluster | Export-EtcdCluster -Path $path -WhatIf
        Test-Path $path | Should -BeFalse
    }

    It 'keeps an existing file with -NoClobber' {
        $path = Join-Path $dir 'keep.yml'
        Set-Content $path 'original'
        { $cluster | Export-EtcdCluster -Path $path -NoClobber -ErrorAction Stop } | Should -Throw -ErrorId 'InventoryExists,*'
        Get-Content $path -Raw | Should -Be "original$([Environment]::NewLine)"
    }

    It 'refuses an invalid cluster and writes nothing' {
        $bad = $cluster.Clone()
        $bad.Members[1].Address = 'not-an-ip'
        $path = Join-Path $dir 'bad.yml'
        { $bad | Export-EtcdCluster -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidMemberAddress,*'
        Test-Path $path | Should -BeFalse
    }

    It 'returns the file with -PassThru' {
        ($cluster | Export-EtcdCluster -Path (Join-Path $dir 'pt.yml') -PassThru).Name | Should -Be 'pt.yml'
    }
}
