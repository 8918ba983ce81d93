# Save-EtcdRelease against real HTTP servers: the lab's release server when the lab is up, and always a
# loopback server (tests/lab/ReleaseServer.ps1 on 127.0.0.1) with broken mirrors for the refusal cases.
# Every call names its source (-BaseUrl or -ArchivePath): these tests never reach the internet.
BeforeDiscovery {
    . "$PSScriptRoot/lab/LabInfo.ps1"
    $releasesMissing = -not (Test-Path (Join-Path (Get-LabCachePath) 'releases/v3.5.16/SHA256SUMS'))
}

BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabInfo.ps1"
    $releases = Join-Path (Get-LabCachePath) 'releases'
    $archiveName = 'etcd-v3.5.16-linux-amd64.tar.gz'
    $realArchive = Join-Path $releases "v3.5.16/$archiveName"
    $realSha = ((& sha256sum $realArchive) -split ' ')[0]

    # The loopback mirror: the real releases, one with a wrong SHA256SUMS, one without SHA256SUMS.
    $work = New-TestDirectory
    $mirror = Join-Path $work 'mirror'
    New-Item -ItemType Directory "$mirror/bad/v3.5.16", "$mirror/nosums/v3.5.16" | Out-Null
    foreach ($version in 'v3.5.16', 'v3.4.23') { New-Item -ItemType SymbolicLink "$mirror/$version" -Target "$releases/$version" | Out-Null }
    foreach ($broken in 'bad', 'nosums') { New-Item -ItemType SymbolicLink "$mirror/$broken/v3.5.16/$archiveName" -Target $realArchive | Out-Null }
    Set-Content "$mirror/bad/v3.5.16/SHA256SUMS" "$('0' * 64)  $archiveName"
    # 'other': a mirror publishing another archive of the same name with its own, matching SHA256SUMS.
    # 'garbage': bytes that match their SHA256SUMS but are no etcd release.
    New-Item -ItemType Directory "$mirror/other/v3.5.16", "$mirror/garbage/v3.5.16", "$work/pack/etcd-v3.5.16-linux-amd64" | Out-Null
    foreach ($b in 'etcd', 'etcdctl') { Set-Content "$work/pack/etcd-v3.5.16-linux-amd64/$b" "#!/bin/sh`necho other $b" }
    & tar -czf "$mirror/other/v3.5.16/$archiveName" -C "$work/pack" 'etcd-v3.5.16-linux-amd64'
    [IO.File]::WriteAllBytes("$mirror/garbage/v3.5.16/$archiveName", [byte[]](1..4096 | ForEach-Object { $_ % 251 }))
    foreach ($m in 'other', 'garbage') {
        Set-Content "$mirror/$m/v3.5.16/SHA256SUMS" "$(((& sha256sum "$mirror/$m/v3.5.16/$archiveName") -split ' ')[0])  $archiveName"
    }
    $otherSha = ((& sha256sum "$mirror/other/v3.5.16/$archiveName") -split ' ')[0]

    $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
    $listener.Start(); $port = $listener.LocalEndpoint.Port; $listener.Stop()
    $localUrl = "http://127.0.0.1:$port"
    $localLog = Join-Path $work 'requests.log'
    $pwsh = (Get-Process -Id $PID).Path
    [string[]] $pwshArgs = if ((Split-Path $pwsh -Leaf) -like 'dotnet*') { Join-Path $PSHOME 'pwsh.dll' } else { @() }
    $server = Start-Process -FilePath $pwsh -PassThru -RedirectStandardOutput "$work/server.out" -RedirectStandardError "$work/server.err" -ArgumentList (
        $pwshArgs + @('-NoProfile', '-NonInteractive', '-File', "$PSScriptRoot/lab/ReleaseServer.ps1", '-Root', $mirror, '-Prefix', "$localUrl/", '-LogPath', $localLog))
    $http = [Net.Http.HttpClient]::new()
    $ready = $false
    for ($i = 0; $i -lt 100 -and -not $ready; $i++) {
        try { $null = $http.GetAsync("$localUrl/").GetAwaiter().GetResult(); $ready = $true } catch { Start-Sleep -Milliseconds 200 }
    }
    $http.Dispose()
    if (-not $ready) { throw "The loopback release server did not start: $(Get-Content "$work/server.err" -Raw)" }

    # The good mirror: the lab's release server when the lab is up, else the loopback one.
    $lab = if ($env:ETCDOPS_LAB) { Get-LabInfo -Require } else { $null }
    $goodUrl = if ($lab) { $lab.ReleaseBaseUrl } else { $localUrl }
    $goodLog = if ($lab) { $lab.ReleaseServerLogPath } else { $localLog }

    function Get-RequestCount([string] $Log, [string] $Path) {
        if (-not (Test-Path $Log)) { return 0 }
        @(Get-Content $Log | Where-Object { $_ -like "* GET $Path *" }).Count
    }
    # Everything a test writes lives under $work, which AfterAll removes.
    function New-WorkDirectory { (New-Item -ItemType Directory (Join-Path $work ([guid]::NewGuid().ToString('N').Substring(0, 8)))).FullName }
    function New-Cache { Join-Path (New-WorkDirectory) 'cache' }
    function Get-CachedFile([string] $Cache) { @(Get-ChildItem $Cache -Recurse -File -Force -ErrorAction SilentlyContinue) }
    function Get-Failure([scriptblock] $Block) { try { & $Block | Out-Null; $null } catch { $_ } }
}

AfterAll {
    if ($server) { Stop-Process -Id $server.Id -Force -ErrorAction SilentlyContinue }
    Remove-Item $work -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Save-EtcdRelease' -Skip:$releasesMissing {
    Context 'the cache never answers for another source' {
        BeforeAll {
            $cache = New-Cache
            $null = Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $cache
        }

        It 'a mirror whose SHA256SUMS disagrees with the cache gets its own archive, verified, not the cached one' {
            $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/other" -CachePath $cache
            $release.FromCache | Should -BeFalse
            $release.Sha256 | Should -Be $otherSha
            $release.Source | Should -Be "$localUrl/other/v3.5.16/$archiveName"
            ((& sha256sum $release.ArchivePath) -split ' ')[0] | Should -Be $otherSha
        }

        It 'a lying mirror fails as it would with an empty cache, and the cache is not handed out' {
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/bad" -CachePath $cache }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseChecksumMismatch,*'
            $empty = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/bad" -CachePath (New-Cache) }
            $empty.FullyQualifiedErrorId | Should -Be $err.FullyQualifiedErrorId
        }

        It 'an archive that matches its checksum but is no etcd release is refused and not cached' {
            $fresh = New-Cache
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/garbage" -CachePath $fresh }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseArchiveNotEtcd,*'
            $err.Exception.Message | Should -Match 'not an etcd v3.5.16 linux-amd64 release'
            Get-CachedFile $fresh | Should -BeNullOrEmpty
            $local = Get-Failure { Save-EtcdRelease -Version 3.5.16 -ArchivePath "$mirror/garbage/v3.5.16/$archiveName" -CachePath $fresh }
            $local.FullyQualifiedErrorId | Should -BeLike 'ReleaseArchiveNotEtcd,*'
        }
    }

    Context 'download' {
        BeforeAll { $cache = New-Cache }

        It 'downloads, verifies and caches the archive, and sha256sum agrees' {
            $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $cache
            $release.GetType().FullName | Should -Be 'EtcdOps.Release.EtcdRelease'
            $release.Version | Should -Be '3.5.16'
            $release.Architecture | Should -Be 'amd64'
            $release.ArchivePath | Should -Be (Join-Path $cache "v3.5.16/$archiveName")
            $release.Source | Should -Be "$goodUrl/v3.5.16/$archiveName"
            $release.FromCache | Should -BeFalse
            $release.Sha256 | Should -Be $realSha
            ((& sha256sum $release.ArchivePath) -split ' ')[0] | Should -Be $realSha
            (& tar -tzf $release.ArchivePath) | Should -Contain 'etcd-v3.5.16-linux-amd64/etcd'
            # Only the archive and its checksum record: no temporary file left behind.
            (Get-CachedFile $cache).Name | Sort-Object | Should -Be @($archiveName, "$archiveName.sha256")
        }

        It 'reuses the verified archive from the cache once the source''s SHA256SUMS agrees, without downloading it again' {
            $archiveRequests = Get-RequestCount $goodLog "/v3.5.16/$archiveName"
            $sumsRequests = Get-RequestCount $goodLog '/v3.5.16/SHA256SUMS'
            $release = Save-EtcdRelease -Version v3.5.16 -BaseUrl $goodUrl -CachePath $cache
            $release.FromCache | Should -BeTrue
            $release.Sha256 | Should -Be $realSha
            $release.Source | Should -Be "$goodUrl/v3.5.16/$archiveName"
            Get-RequestCount $goodLog "/v3.5.16/$archiveName" | Should -Be $archiveRequests
            Get-RequestCount $goodLog '/v3.5.16/SHA256SUMS' | Should -Be ($sumsRequests + 1)
        }

        It '-Force downloads again' {
            $before = Get-RequestCount $goodLog "/v3.5.16/$archiveName"
            $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $cache -Force
            $release.FromCache | Should -BeFalse
            Get-RequestCount $goodLog "/v3.5.16/$archiveName" | Should -Be ($before + 1)
        }

        It 'does not trust a cached archive that changed on disk, and replaces it' {
            [IO.File]::AppendAllText((Join-Path $cache "v3.5.16/$archiveName"), 'tampered')
            $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $cache
            $release.FromCache | Should -BeFalse
            ((& sha256sum $release.ArchivePath) -split ' ')[0] | Should -Be $realSha
        }

        It 'takes the version from a piped cluster' {
            $cluster = New-EtcdCluster -Name t -Version 3.4.23 -Member @{ Name = 'a'; Address = '10.0.0.1' }
            $release = $cluster | Save-EtcdRelease -BaseUrl $goodUrl -CachePath $cache
            $release.Version | Should -Be '3.4.23'
            $release.ArchivePath | Should -Be (Join-Path $cache 'v3.4.23/etcd-v3.4.23-linux-amd64.tar.gz')
            (& tar -tzf $release.ArchivePath) | Should -Contain 'etcd-v3.4.23-linux-amd64/etcdctl'
        }

        It 'shows progress and always completes it' {
            $ps = [powershell]::Create()
            try {
                $null = $ps.AddScript("Import-Module '$ModulePath'; Save-EtcdRelease -Version 3.5.16 -BaseUrl '$goodUrl' -CachePath '$(New-Cache)'")
                $result = $ps.Invoke()
                $ps.HadErrors | Should -BeFalse
                $result[0].FromCache | Should -BeFalse
                $records = @($ps.Streams.Progress)
                $records.Count | Should -BeGreaterThan 0
                $records[-1].RecordType | Should -Be 'Completed'
                $records[0].Activity | Should -BeLike '*etcd v3.5.16*'
                @($records | Where-Object { $_.RecordType -eq 'Processing' -and $_.PercentComplete -gt 100 }).Count | Should -Be 0
            }
            finally { $ps.Dispose() }
        }

        It '-WhatIf downloads nothing' {
            $whatIfCache = New-Cache
            $before = Get-RequestCount $goodLog "/v3.5.16/$archiveName"
            Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $whatIfCache -WhatIf | Should -BeNullOrEmpty
            Get-CachedFile $whatIfCache | Should -BeNullOrEmpty
            Get-RequestCount $goodLog "/v3.5.16/$archiveName" | Should -Be $before
        }

        It 'uses the per-user cache by default ($XDG_CACHE_HOME)' {
            $xdg = New-WorkDirectory
            $result = Invoke-InNewSession "`$env:XDG_CACHE_HOME = '$xdg'; Import-Module '$ModulePath'; (Save-EtcdRelease -Version 3.5.16 -BaseUrl '$goodUrl').ArchivePath"
            $result.ExitCode | Should -Be 0 -Because $result.Output
            $result.Output.Trim() | Should -Be (Join-Path $xdg "EtcdOps/releases/v3.5.16/$archiveName")
        }
    }

    Context 'refusals' {
        BeforeEach { $cache = New-Cache }

        It 'refuses an archive whose checksum does not match SHA256SUMS, and caches nothing' {
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/bad" -CachePath $cache -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseChecksumMismatch,*'
            $err.CategoryInfo.Category | Should -Be 'SecurityError'
            $err.Exception.Message | Should -BeLike "*$realSha*$('0' * 64)*"
            Get-CachedFile $cache | Should -BeNullOrEmpty
        }

        It 'refuses when the mirror has no SHA256SUMS, and caches nothing' {
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/nosums" -CachePath $cache -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseChecksumMissing,*'
            $err.Exception.Message | Should -BeLike '*SHA256SUMS*404*'
            Get-CachedFile $cache | Should -BeNullOrEmpty
        }

        It 'accepts a mirror without SHA256SUMS when -Sha256 pins the archive' {
            $release = Save-EtcdRelease -Version 3.5.16 -BaseUrl "$localUrl/nosums" -CachePath $cache -Sha256 $realSha.ToUpperInvariant()
            $release.Sha256 | Should -Be $realSha
        }

        It 'refuses a download that does not match -Sha256' {
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $cache -Sha256 ('a' * 64) -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseChecksumMismatch,*'
            Get-CachedFile $cache | Should -BeNullOrEmpty
        }

        It 'reports an unknown version as HTTP 404 with the URL' {
            $err = Get-Failure { Save-EtcdRelease -Version 9.9.9 -BaseUrl $goodUrl -CachePath $cache -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseNotFound,*'
            $err.CategoryInfo.Category | Should -Be 'ObjectNotFound'
            $err.Exception.Message | Should -BeLike "*$goodUrl/v9.9.9/etcd-v9.9.9-linux-amd64.tar.gz*404*"
            Get-CachedFile $cache | Should -BeNullOrEmpty
        }

        It 'refuses a malformed -Sha256' {
            { Save-EtcdRelease -Version 3.5.16 -BaseUrl $goodUrl -CachePath $cache -Sha256 'abc' -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSha256,*'
        }

        It 'refuses a -BaseUrl that is not http(s)' {
            { Save-EtcdRelease -Version 3.5.16 -BaseUrl 'ftp://mirror/etcd' -CachePath $cache -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidBaseUrl,*'
        }

        It 'reports an unreachable mirror as a connection error' {
            $listener = [Net.Sockets.TcpListener]::new([Net.IPAddress]::Loopback, 0)
            $listener.Start(); $closedPort = $listener.LocalEndpoint.Port; $listener.Stop()
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -BaseUrl "http://127.0.0.1:$closedPort" -CachePath $cache -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseDownloadFailed,*'
            $err.CategoryInfo.Category | Should -Be 'ConnectionError'
        }
    }

    Context 'air-gapped archive (-ArchivePath)' {
        BeforeEach { $cache = New-Cache }

        It 'verifies against -Sha256 and copies it into the cache' {
            $release = Save-EtcdRelease -Version 3.5.16 -ArchivePath $realArchive -Sha256 $realSha -CachePath $cache
            $release.ArchivePath | Should -Be (Join-Path $cache "v3.5.16/$archiveName")
            $release.Source | Should -Be $realArchive
            ((& sha256sum $release.ArchivePath) -split ' ')[0] | Should -Be $realSha
        }

        It 'refuses a -Sha256 that does not match, and caches nothing' {
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -ArchivePath $realArchive -Sha256 ('b' * 64) -CachePath $cache -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseChecksumMismatch,*'
            Get-CachedFile $cache | Should -BeNullOrEmpty
        }

        It 'verifies against the SHA256SUMS next to it' {
            (Save-EtcdRelease -Version 3.5.16 -ArchivePath $realArchive -CachePath $cache).Sha256 | Should -Be $realSha
        }

        It 'refuses an archive with no checksum at all' {
            $alone = New-WorkDirectory
            Copy-Item $realArchive $alone
            $err = Get-Failure { Save-EtcdRelease -Version 3.5.16 -ArchivePath (Join-Path $alone $archiveName) -CachePath $cache -ErrorAction Stop }
            $err.FullyQualifiedErrorId | Should -BeLike 'ReleaseChecksumMissing,*'
            $err.Exception.Message | Should -BeLike '*-Sha256*SHA256SUMS*'
            Get-CachedFile $cache | Should -BeNullOrEmpty
        }

        It 'refuses an archive of another version' {
            { Save-EtcdRelease -Version 3.4.23 -ArchivePath $realArchive -CachePath $cache -ErrorAction Stop } | Should -Throw -ErrorId 'ReleaseArchiveNameMismatch,*'
        }

        It 'refuses a path that does not exist' {
            { Save-EtcdRelease -Version 3.5.16 -ArchivePath (Join-Path $cache 'nope.tar.gz') -Sha256 $realSha -CachePath $cache -ErrorAction Stop } |
                Should -Throw -ErrorId 'ReleaseArchiveNotFound,*'
        }
    }
}
