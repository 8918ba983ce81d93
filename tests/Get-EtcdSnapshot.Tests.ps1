BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/lab/LabCluster.ps1"
    $dir = New-TestDirectory

    # etcd's layout, made by hand: the data (a multiple of 512 bytes) and its SHA-256 as the last 32 bytes.
    function New-SnapshotLikeFile([string] $Name, [int] $Pages = 8) {
        $data = [byte[]]::new(512 * $Pages)
        [Random]::new($Pages).NextBytes($data)
        $hash = [Security.Cryptography.SHA256]::HashData($data)
        $path = Join-Path $dir $Name
        [IO.File]::WriteAllBytes($path, [byte[]]($data + $hash))
        $path
    }
    function Get-Sha256([string] $Path) { ((& sha256sum $Path) -split ' ')[0] }
}

AfterAll { Remove-Item $dir -Recurse -Force -ErrorAction SilentlyContinue }

Describe 'Get-EtcdSnapshot' {
    It 'finds a whole file valid and reports the SHA-256 sha256sum prints' {
        $path = New-SnapshotLikeFile 'whole.db'
        $s = Get-EtcdSnapshot $path
        $s.IsValid | Should -BeTrue
        $s.Problem | Should -BeNullOrEmpty
        $s.Sha256 | Should -Be (Get-Sha256 $path)
        $s.Size | Should -Be (512 * 8 + 32)
        $s.MetadataPath | Should -BeNullOrEmpty
    }

    It 'finds a file cut short, with a warning naming it' {
        $path = New-SnapshotLikeFile 'short.db'
        $bytes = [IO.File]::ReadAllBytes($path)
        [IO.File]::WriteAllBytes($path, $bytes[0..($bytes.Length - 101)])
        $s = Get-EtcdSnapshot $path -WarningVariable warned -WarningAction SilentlyContinue
        $s.IsValid | Should -BeFalse
        $s.Problem | Should -BeLike '*cut short*'
        $warned | Should -BeLike "*short.db*"
    }

    It 'finds a changed byte by etcd''s trailer hash' {
        $path = New-SnapshotLikeFile 'flipped.db'
        $bytes = [IO.File]::ReadAllBytes($path)
        $bytes[700] = $bytes[700] -bxor 0xff
        [IO.File]::WriteAllBytes($path, $bytes)
        $s = Get-EtcdSnapshot $path -WarningAction SilentlyContinue
        $s.IsValid | Should -BeFalse
        $s.Problem | Should -BeLike '*trailer does not match*'
    }

    It 'reads the metadata beside the file and checks the file against it' {
        $path = New-SnapshotLikeFile 'meta.db'
        @{ Size = 512 * 8 + 32; Sha256 = (Get-Sha256 $path); Revision = 42; ClusterID = 'c1'; MemberID = 'm1'; Endpoint = 'https://10.0.0.1:2379'; EtcdVersion = '3.5.16'; Created = '2026-12-01T10:00:00Z' } |
            ConvertTo-Json | Set-Content "$path.json"
        $s = Get-EtcdSnapshot $path
        $s.IsValid | Should -BeTrue
        $s.Revision | Should -Be 42
        $s.EtcdVersion | Should -Be '3.5.16'
        $s.Created | Should -Be ([datetime]::new(2026, 12, 1, 10, 0, 0, [DateTimeKind]::Utc))
        $s.MetadataPath | Should -Be "$path.json"

        # A valid file that is not the one the metadata describes.
        @{ Size = 512 * 8 + 32; Sha256 = ('0' * 64); Revision = 42 } | ConvertTo-Json | Set-Content "$path.json"
        $s = Get-EtcdSnapshot $path -WarningAction SilentlyContinue
        $s.IsValid | Should -BeFalse
        $s.Problem | Should -BeLike '*changed after it was saved*'
    }

    It 'lists the .db files of a folder in name order and ignores the rest' {
        $folder = Join-Path $dir 'folder'
        New-Item -ItemType Directory $folder | Out-Null
        foreach ($n in 'b.db', 'a.db') { Move-Item (New-SnapshotLikeFile $n 2) $folder }
        Set-Content (Join-Path $folder 'notes.txt') 'x'
        Set-Content (Join-Path $folder 'c.db.part') 'x'
        (Get-EtcdSnapshot $folder | ForEach-Object { Split-Path $_.Path -Leaf }) | Should -Be @('a.db', 'b.db')
    }

    It 'writes an error for a path that does not exist and goes on with the others' {
        $path = New-SnapshotLikeFile 'after.db'
        $rows = Get-EtcdSnapshot (Join-Path $dir 'missing.db'), $path -ErrorVariable err -ErrorAction SilentlyContinue
        $err.Count | Should -Be 1
        $err[0].FullyQualifiedErrorId | Should -BeLike 'InvalidSnapshotPath,*'
        @($rows).Count | Should -Be 1
    }

    It 'takes objects with a Path property from the pipeline' {
        $path = New-SnapshotLikeFile 'piped.db'
        ([pscustomobject]@{ Path = $path } | Get-EtcdSnapshot).IsValid | Should -BeTrue
    }
}

# The snapshots Enable-EtcdSnapshotSchedule's service took on the lab cluster's hosts, listed over SSH and checked
# against what the hosts themselves say (stat, sha256sum, etcdutl).
Describe 'Get-EtcdSnapshot, parameter binding' {
    It 'takes a piped cluster as -Cluster, never as a path made of its name' {
        $c = New-EtcdCluster -Name bind -Member @(@{ Name = 'a'; Address = '127.0.0.9' }) -WarningAction SilentlyContinue
        $err = $null
        try { $c | Get-EtcdSnapshot -SshKeyPath (Join-Path (New-TestDirectory) 'no-key') -ErrorAction Stop } catch { $err = $_ }
        $err.FullyQualifiedErrorId | Should -Not -BeLike 'InvalidSnapshotPath,*'
        $err.FullyQualifiedErrorId | Should -BeLike 'Ssh*'
    }
}

Describe 'Get-EtcdSnapshot -Cluster' -Skip:(-not $env:ETCDOPS_LAB) {
    BeforeAll {
        $ctx = Get-LabClusterContext
        $ssh = $ctx.Ssh
        Initialize-LabCluster -Context $ctx
        $hosts = @($ctx.Lab.Hosts.Name)
        $folder = '/var/lib/etcd-snapshots-get-test'
        function On([string] $HostName, [string] $Command) { (Invoke-LabSsh -Lab $ctx.FullLab -HostName $HostName -Command $Command).Output }
        Invoke-LabClusterSsh -Context $ctx -Command "rm -rf $folder" | Out-Null
        $ctx.Cluster | Enable-EtcdSnapshotSchedule -Keep 3 -Directory $folder @ssh -ErrorAction Stop | Out-Null
        Invoke-LabEtcdctl -Context $ctx -Arguments @('put', 'get-snapshot/key', 'v') | Out-Null
        $runs = Start-LabSnapshotService -Context $ctx
        # On the second host, a copy with one byte changed (and no metadata), under a snapshot's name.
        $flipped = "$folder/lab-20200101T000000Z-r1.db"
        On $hosts[1] "cp `$(ls $folder/lab-2*.db | tail -n 1) $flipped && printf 'X' | dd of=$flipped bs=1 seek=700 conv=notrunc 2>/dev/null && chown etcd:etcd $flipped" | Out-Null
        $listed = @(Get-EtcdSnapshot -Cluster $ctx.Cluster @ssh -WarningVariable warned -WarningAction SilentlyContinue)
    }

    AfterAll {
        $ctx.Cluster | Disable-EtcdSnapshotSchedule @ssh -Confirm:$false | Out-Null
        Invoke-LabClusterSsh -Context $ctx -Command "rm -rf $folder" | Out-Null
    }

    It 'lists each host''s snapshots from the schedule''s folder, with the member and the path on that host' {
        foreach ($h in $hosts) { $runs[$h] | Should -Match 'started-ok' }
        ($listed.Member | Sort-Object -Unique) | Should -Be ($hosts | Sort-Object)
        $onHosts = Invoke-LabClusterSsh -Context $ctx -Command "ls $folder/*.db"
        foreach ($h in $hosts) { @($listed | Where-Object Member -eq $h).Path | Should -Be @($onHosts[$h] -split "`n" | Where-Object { $_ }) }
        @($listed | Where-Object Member -eq $hosts[1]).Count | Should -Be 2
    }

    It 'reports the size and SHA-256 the host sees, and the revision etcdutl reads from the file' {
        $seen = Invoke-LabClusterSsh -Context $ctx -Command "for f in $folder/*.db; do echo `$f `$(stat -c %s `$f) `$(sha256sum < `$f | cut -d' ' -f1) `$(etcdutl snapshot status `$f -w json 2>/dev/null | sed -n 's/.*""revision"":\([0-9]*\).*/\1/p'); done"
        foreach ($s in $listed) {
            $path, $size, $sum, $revision = (@($seen[$s.Member] -split "`n") -like "$($s.Path) *") -split ' '
            $path | Should -Be $s.Path
            $s.Size | Should -Be ([long]$size)
            $s.Sha256 | Should -Be $sum
            if ($s.Path -eq $flipped) { continue }
            $s.IsValid | Should -BeTrue
            $s.MetadataPath | Should -Be "$($s.Path).json"
            $s.Revision | Should -Be ([long]$revision) -Because 'etcdutl reads that revision from the file' 
            $s.Revision | Should -BeGreaterThan 0
            $s.Endpoint | Should -Be $ctx.Cluster.ClientUrl($ctx.Cluster.FindMember($s.Member))
        }
    }

    It 'finds the changed byte by etcd''s trailer hash, with a warning naming the member' {
        $bad = @($listed | Where-Object Path -eq $flipped | Where-Object Member -eq $hosts[1])
        $bad.Count | Should -Be 1
        $bad[0].IsValid | Should -BeFalse
        $bad[0].Problem | Should -BeLike '*trailer does not match*'
        @($listed | Where-Object { -not $_.IsValid }).Count | Should -Be 1
        $warned | Should -Be "$($hosts[1]): $flipped`: $($bad[0].Problem)"
    }

    It 'lists only the -Member hosts, and nothing from a folder that does not exist' {
        @($ctx.Cluster | Get-EtcdSnapshot -Member $hosts[2] @ssh).Member | Sort-Object -Unique | Should -Be $hosts[2]
        Get-EtcdSnapshot -Cluster $ctx.Cluster -Directory /var/lib/no-such-folder @ssh | Should -BeNullOrEmpty
    }
}
