BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"
    $script:Corpus = Join-Path $PSScriptRoot 'config-corpus'
    $script:Cases = Import-PowerShellDataFile (Join-Path $Corpus 'cases.psd1')
    $script:Work = New-TestDirectory
    $script:Pki = Join-Path $Work 'pki'
    & bash (Join-Path $PSScriptRoot 'tools/new-cfssl-pki.sh') $Pki m1=127.0.4.1 m2=127.0.4.2 m3=127.0.4.3
    if ($LASTEXITCODE -ne 0) { throw 'new-cfssl-pki.sh failed' }

    # A corpus file made runnable: its own empty data dir and the loopback certificate set.
    function Expand-CorpusFile([string] $Path) {
        $data = Join-Path $Work ('data-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
        New-Item -ItemType Directory $data | Out-Null
        & chmod 700 $data
        $file = Join-Path $Work ((Split-Path $Path -Leaf) -replace '\.yml$', "-$(Split-Path $data -Leaf).yml")
        (Get-Content $Path -Raw).Replace('__DATA__', $data).Replace('__PKI__', $Pki) | Set-Content -Path $file -NoNewline
        $file
    }
    # etcd 3.5 logs JSON, so quotes in its messages arrive escaped.
    function Get-PlainLog($Result) { $Result.Log -replace '\\"', '"' }
}

AfterAll { Remove-Item $Work -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Test-EtcdConfig on the corpus' {
    BeforeDiscovery {
        . "$PSScriptRoot/tools/LocalEtcd.ps1"
        $cases = Import-PowerShellDataFile (Join-Path $PSScriptRoot 'config-corpus/cases.psd1')
        $script:BadCases = foreach ($c in $cases.Bad) {
            foreach ($v in @(if ($c.Versions) { $c.Versions } else { '3.4.23', '3.5.16' })) {
                @{ File = $c.File; Rule = @($c.Rule); Etcd = @($c.Etcd); Version = $v }
            }
        }
        $script:WarnCases = foreach ($c in $cases.Warn) {
            foreach ($v in @(if ($c.Versions) { $c.Versions } else { '3.5.16' })) { @{ File = $c.File; Rule = $c.Rule; Version = $v } }
        }
        $script:EtcdMissing = -not (Test-EtcdAvailable)
    }

    It 'reports <Rule> for bad/<File> (etcd <Version>) and quotes etcd' -TestCases $BadCases {
        param($File, $Rule, $Etcd, $Version)
        $errors = @(Test-EtcdConfig -Path (Join-Path $Corpus "bad/$File") -Version $Version | Where-Object Severity -eq Error)
        foreach ($r in $Rule) { $errors.Rule | Should -Contain $r }
        foreach ($fragment in $Etcd) {
            @($errors | Where-Object { $_.Message.Contains($fragment) }).Count | Should -BeGreaterThan 0 -Because "a finding should quote '$fragment'"
        }
    }

    It 'real etcd <Version> refuses bad/<File> the way the finding says' -TestCases $BadCases -Skip:$EtcdMissing {
        param($File, $Rule, $Etcd, $Version)
        $result = Test-EtcdAcceptsConfig -Version $Version -ConfigFile (Expand-CorpusFile (Join-Path $Corpus "bad/$File"))
        $result.Exited | Should -BeTrue -Because "etcd should refuse it; log:`n$($result.Log)"
        $result.ExitCode | Should -Not -Be 0
        $log = Get-PlainLog $result
        foreach ($fragment in $Etcd) { $log | Should -BeLike "*$([WildcardPattern]::Escape($fragment))*" }
    }

    It 'warns <Rule> for warn/<File> (etcd <Version>) without an error' -TestCases $WarnCases {
        param($File, $Rule, $Version)
        $findings = @(Test-EtcdConfig -Path (Join-Path $Corpus "warn/$File") -Version $Version)
        @($findings | Where-Object Severity -eq Error) | Should -BeNullOrEmpty
        ($findings | Where-Object Severity -eq Warning).Rule | Should -Contain $Rule
    }

    It 'real etcd <Version> starts with warn/<File>' -TestCases $WarnCases -Skip:$EtcdMissing {
        param($File, $Rule, $Version)
        $result = Test-EtcdAcceptsConfig -Version $Version -ConfigFile (Expand-CorpusFile (Join-Path $Corpus "warn/$File")) -Seconds 3
        $result.Exited | Should -BeFalse -Because "etcd should accept it; log:`n$($result.Log)"
    }

    It 'finds no error in the guide''s own conf.yml for etcd 3.5, and etcd 3.5 starts with it' {
        $guide = Join-Path $Corpus 'guide/conf.yml'
        Get-Content $guide -Raw | Should -Match "(?m)^wal-dir:\s*$"
        Get-Content $guide -Raw | Should -Match "(?m)^proxy: 'off'"
        @(Test-EtcdConfig -Path $guide -Version 3.5.16 | Where-Object Severity -eq Error) | Should -BeNullOrEmpty
        if (Test-EtcdAvailable) {
            (Test-EtcdAcceptsConfig -Version 3.5.16 -ConfigFile (Expand-CorpusFile $guide) -Seconds 3).Exited | Should -BeFalse
        }
    }
}

Describe 'Test-EtcdConfig input and rules over a set' {
    BeforeAll {
        $script:Cluster = New-EtcdCluster -Name t -Token tok -Member @(
            @{ Name = 'a'; Address = '10.0.0.1' }, @{ Name = 'b'; Address = '10.0.0.2' }, @{ Name = 'c'; Address = '10.0.0.3' })
    }

    It 'passes configs rendered by New-EtcdConfig from the pipeline' {
        $Cluster | New-EtcdConfig | Test-EtcdConfig | Should -BeNullOrEmpty
    }

    It 'reports members of a set that disagree on token and initial-cluster' {
        $configs = @($Cluster | New-EtcdConfig)
        $other = $Cluster.Clone(); $other.Token = 'other'
        $odd = ($other | New-EtcdConfig)[1]
        $findings = @($configs[0], $odd, $configs[2] | Test-EtcdConfig)
        ($findings | Where-Object Rule -eq TokenMismatch).Target | Should -Be 'b'
        $dup = @($configs[0], $configs[0] | Test-EtcdConfig)
        $dup.Rule | Should -Contain 'DuplicateMemberName'
        $dup.Rule | Should -Contain 'DuplicateUrl'
    }

    It 'turns warnings into errors with -Strict' {
        $file = Join-Path $Corpus 'warn/auto-tls-on.yml'
        (Test-EtcdConfig -Path $file | Where-Object Rule -eq AutoTlsOn).Severity | Should -Be 'Warning'
        (Test-EtcdConfig -Path $file -Strict | Where-Object Rule -eq AutoTlsOn).Severity | Should -Be 'Error'
    }

    It 'reports malformed YAML as a finding with line and column, never an exception' {
        $file = Join-Path $Work 'broken.yml'
        "name: a`n  data-dir: /x`n: : :" | Set-Content $file
        $f = @(Test-EtcdConfig -Path $file -ErrorAction Stop)
        $f.Count | Should -Be 1
        $f[0].Rule | Should -Be 'YamlSyntax'
        $f[0].Message | Should -Match '^line \d+, column \d+: '
        (Test-EtcdConfig -Path (Join-Path $Corpus 'bad/yaml-syntax.yml') -ErrorAction Stop).Rule | Should -Be 'YamlSyntax'
        '' | Set-Content (Join-Path $Work 'empty.yml')
        (Test-EtcdConfig -Path (Join-Path $Work 'empty.yml')).Rule | Should -Be 'YamlShape'
    }

    It 'expands wildcards and takes files from Get-ChildItem' {
        $byWildcard = @(Test-EtcdConfig -Path (Join-Path $Corpus 'warn/*.yml'))
        $byPipe = @(Get-ChildItem (Join-Path $Corpus 'warn') -Filter *.yml | Test-EtcdConfig)
        ($byWildcard.Target | Where-Object { $_ -like '*.yml' } | Sort-Object -Unique).Count | Should -Be (Get-ChildItem (Join-Path $Corpus 'warn') -Filter *.yml).Count
        $byPipe.Count | Should -Be $byWildcard.Count
    }

    It 'writes ConfigFileNotFound for a path that matches nothing' {
        $err = $null
        Test-EtcdConfig -Path (Join-Path $Work 'nope/*.yml') -ErrorVariable err -ErrorAction SilentlyContinue | Out-Null
        $err[0].FullyQualifiedErrorId | Should -BeLike 'ConfigFileNotFound,*'
    }

    It 'warns about keys the target version does not read' {
        $file = Join-Path $Corpus 'warn/tls-min-version-on-3.4.yml'
        (Test-EtcdConfig -Path $file -Version 3.4.23 | Where-Object Rule -eq UnknownKey).Key | Should -Be 'tls-min-version'
        Test-EtcdConfig -Path $file -Version 3.5.16 | Where-Object Rule -eq UnknownKey | Should -BeNullOrEmpty
    }
}
