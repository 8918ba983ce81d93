BeforeAll {
    . "$PSScriptRoot/common.ps1"
    . "$PSScriptRoot/tools/LocalEtcd.ps1"

    $pki = New-TestDirectory
    $out = New-TestDirectory
    $members = 1..3 | ForEach-Object { @{ Name = "m$_"; Address = "127.0.10.$_" } }
    & bash "$PSScriptRoot/tools/new-cfssl-pki.sh" $pki m1=127.0.10.1 m2=127.0.10.2 m3=127.0.10.3 | Out-Null
    $local = Start-LocalEtcdCluster -Version 3.5.16 -CertificateDirectory $pki -Member $members
    $cluster = New-EtcdCluster -Name snap -Member $members
    $set = $cluster.GetType().Assembly.GetType('EtcdOps.EtcdCertificateSet')::new($pki, [string[]]@('m1', 'm2', 'm3'), 'client')
    $etcdutl = Get-EtcdBinary -Version 3.5.16 -Name etcdutl

    # 512 small keys in four transactions (etcd's default limit is 128 operations each), and two values of 1 MB.
    foreach ($batch in 0..3) {
        $ops = (0..127 | ForEach-Object { "put k/$($batch * 128 + $_) v$($batch * 128 + $_)" }) -join "`n"
        $txn = "`n$ops`n`n"
        $txn | & (Get-EtcdBinary -Version 3.5.16 -Name etcdctl) "--endpoints=$($local.Endpoints[0])" "--cacert=$pki/ca.pem" "--cert=$pki/client.pem" "--key=$pki/client-key.pem" txn | Out-Null
    }
    $big = Join-Path $out 'big.bin'
    [IO.File]::WriteAllBytes($big, [byte[]]::new(1MB))
    # etcdctl put reads the value from stdin when none is given.
    foreach ($k in 'big/1', 'big/2') { & bash -c "'$(Get-EtcdBinary -Version 3.5.16 -Name etcdctl)' --endpoints=$($local.Endpoints[0]) --cacert=$pki/ca.pem --cert=$pki/client.pem --key=$pki/client-key.pem put $k < '$big'" | Out-Null }
    # The revision after the last write (nothing writes after this).
    $keys = (Invoke-Etcdctl -Cluster $local -Arguments @('get', 'k/0', '--write-out=json')).Output | ConvertFrom-Json
}

AfterAll {
    if ($local) { Stop-LocalEtcdCluster $local }
    Remove-Item $pki, $out -Recurse -Force -ErrorAction SilentlyContinue
}

Describe 'Save-EtcdSnapshot' {
    BeforeAll {
        $folder = Join-Path $out 'backups'
        New-Item -ItemType Directory $folder | Out-Null
        $snapshot = $cluster | Save-EtcdSnapshot -CertificateSet $set -Path $folder
    }

    It 'names the file after the cluster, the UTC time and the revision, owner-only, with no .part left' {
        Split-Path $snapshot.Path -Leaf | Should -Match '^snap-\d{8}T\d{6}Z-r\d+\.db$'
        Split-Path $snapshot.Path -Leaf | Should -BeLike "*-r$($snapshot.Revision).db"
        (& stat -c '%a' $snapshot.Path) | Should -Be '600'
        Get-ChildItem $folder -Force -Filter '*.part' | Should -BeNullOrEmpty
        Test-Path $snapshot.MetadataPath | Should -BeTrue
    }

    It 'is a snapshot etcdutl accepts, with every key and the revision it reports' {
        $status = (& $etcdutl snapshot status $snapshot.Path -w json) | ConvertFrom-Json
        $LASTEXITCODE | Should -Be 0
        $status.revision | Should -Be $snapshot.Revision
        $status.revision | Should -Be $keys.header.revision
        $status.totalKey | Should -BeGreaterOrEqual 514
        $restored = Join-Path $out 'restored'
        & $etcdutl snapshot restore $snapshot.Path --data-dir $restored --name m1 --initial-cluster m1=https://127.0.10.1:2380 --initial-advertise-peer-urls https://127.0.10.1:2380 2>&1 | Out-Null
        $LASTEXITCODE | Should -Be 0 -Because 'etcdutl checks the SHA-256 trailer before it restores'
    }

    It 'reports what sha256sum and etcd say about it' {
        $snapshot.Sha256 | Should -Be ((& sha256sum $snapshot.Path) -split ' ')[0]
        $snapshot.Size | Should -Be (Get-Item $snapshot.Path).Length
        $status = (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')).Output | ConvertFrom-Json
        $source = $status | Where-Object Endpoint -eq $snapshot.Endpoint
        $source | Should -Not -BeNullOrEmpty
        $snapshot.MemberID | Should -Be ('{0:x}' -f [uint64]$source.Status.header.member_id)
        $snapshot.ClusterID | Should -Be ('{0:x}' -f [uint64]$source.Status.header.cluster_id)
        $snapshot.EtcdVersion | Should -Be '3.5.16'
        $meta = Get-Content $snapshot.MetadataPath -Raw | ConvertFrom-Json
        $meta.Sha256 | Should -Be $snapshot.Sha256
        $meta.Revision | Should -Be $snapshot.Revision
    }

    It 'takes it from a follower, not the leader' {
        $status = (Invoke-Etcdctl -Cluster $local -Arguments @('endpoint', 'status', '-w', 'json')).Output | ConvertFrom-Json
        $leader = ($status | Where-Object { $_.Status.leader -eq $_.Status.header.member_id }).Endpoint
        $snapshot.Endpoint | Should -Not -Be $leader
    }

    It 'writes a file of the given name, and refuses to overwrite it without -Force' {
        $file = Join-Path $out 'one.db'
        $first = Save-EtcdSnapshot -Endpoint $local.Endpoints[0] -CaCertPath "$pki/ca.pem" -CertPath "$pki/client.pem" -KeyPath "$pki/client-key.pem" -Path $file
        $first.Path | Should -Be $file
        $first.Endpoint | Should -Be $local.Endpoints[0]
        $before = (Get-Item $file).LastWriteTimeUtc
        { Save-EtcdSnapshot -Endpoint $local.Endpoints[0] -CaCertPath "$pki/ca.pem" -CertPath "$pki/client.pem" -KeyPath "$pki/client-key.pem" -Path $file -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidSnapshotPath,*'
        (Get-Item $file).LastWriteTimeUtc | Should -Be $before
        (Save-EtcdSnapshot -Endpoint $local.Endpoints[0] -CaCertPath "$pki/ca.pem" -CertPath "$pki/client.pem" -KeyPath "$pki/client-key.pem" -Path $file -Force).Path | Should -Be $file
    }

    It 'refuses a folder that does not exist' {
        { $cluster | Save-EtcdSnapshot -CertificateSet $set -Path (Join-Path $out 'nope/x.db') -ErrorAction Stop } | Should -Throw -ErrorId 'InvalidSnapshotPath,*'
    }

    It 'names every member it could not use when none qualifies, and writes nothing' {
        Stop-LocalEtcdMember -Cluster $local -Name m3
        $file = Join-Path $out 'none.db'
        { Save-EtcdSnapshot -Endpoint 'https://127.0.10.3:2379' -CaCertPath "$pki/ca.pem" -CertPath "$pki/client.pem" -KeyPath "$pki/client-key.pem" -Path $file -Timeout 1 -ErrorAction Stop } |
            Should -Throw -ErrorId 'NoSnapshotSource,*'
        Test-Path $file | Should -BeFalse
        Test-Path "$file.part" | Should -BeFalse
        # The other two still serve a snapshot, once they agree on a leader again (m3 may have led).
        $deadline = [DateTime]::UtcNow.AddSeconds(20)
        while ((Invoke-Etcdctl -Cluster $local -Endpoints $local.Endpoints[0..1] -Arguments @('endpoint', 'health')).ExitCode -ne 0 -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 300 }
        ($cluster | Save-EtcdSnapshot -CertificateSet $set -Path $out -Timeout 2 -WarningAction SilentlyContinue).Endpoint | Should -BeIn $local.Endpoints[0..1]
    }
}
