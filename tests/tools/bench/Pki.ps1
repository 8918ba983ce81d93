<#
.SYNOPSIS
    PKI benchmark: a full certificate set (CA, server, one peer per member, client) for 3 and 7 members per key
    algorithm, in-session, next to cfssl making the same set (tests/tools/new-cfssl-pki.sh: RSA 2048, or ECDSA P-256).
    Targets: EcdsaP256 for 3 members <= 100 ms; Rsa2048 no slower than cfssl.
#>
param([string] $WorkDir)

function Measure-PkiMedian([scriptblock] $Block, [int] $Runs = 5, [int] $Warmups = 1) {
    foreach ($i in 1..$Warmups) { & $Block | Out-Null }   # warm-up: JIT and first-load costs are not what the targets are about
    $times = foreach ($i in 1..$Runs) { (Measure-Command { & $Block | Out-Null }).TotalMilliseconds }
    ($times | Sort-Object)[[int][math]::Floor($Runs / 2)]
}

# Ours and cfssl's runs alternate, so both see the same load on a shared machine; returns both medians.
function Measure-PkiPair([scriptblock] $Ours, [scriptblock] $Theirs, [int] $Runs = 5, [int] $Warmups = 1) {
    # Tiered JIT needs a few calls before the code is what a session runs all day.
    foreach ($i in 1..$Warmups) { & $Ours | Out-Null }
    & $Theirs | Out-Null
    $a = [Collections.Generic.List[double]]::new()
    $b = [Collections.Generic.List[double]]::new()
    foreach ($i in 1..$Runs) {
        $a.Add((Measure-Command { & $Ours | Out-Null }).TotalMilliseconds)
        $b.Add((Measure-Command { & $Theirs | Out-Null }).TotalMilliseconds)
    }
    $mid = [int][math]::Floor($Runs / 2)
    (($a | Sort-Object)[$mid]), (($b | Sort-Object)[$mid])
}

# The manual guide's cfssl steps, with the key algorithm swapped in (cfssl does RSA and ECDSA only).
function Invoke-CfsslSet([string] $Dir, [string[]] $MemberArgs, [string] $Algo, [int] $Size) {
    if (Test-Path $Dir) { Remove-Item $Dir -Recurse -Force }
    $script = Get-Content (Join-Path $PSScriptRoot '../new-cfssl-pki.sh') -Raw
    $script = $script -replace '"algo":"rsa","size":2048', ('"algo":"{0}","size":{1}' -f $Algo, $Size) -replace '\\"algo\\":\\"rsa\\",\\"size\\":2048', ('\"algo\":\"{0}\",\"size\":{1}' -f $Algo, $Size)
    $file = Join-Path $WorkDir "cfssl-$Algo-$Size.sh"
    Set-Content $file $script
    & bash $file $Dir @MemberArgs | Out-Null
    if ($LASTEXITCODE -ne 0) { throw "cfssl set failed ($Algo $Size)." }
}

$hasCfssl = [bool](Get-Command cfssl -ErrorAction SilentlyContinue)
$cfsslKeys = @{ EcdsaP256 = @('ecdsa', 256); EcdsaP384 = @('ecdsa', 384); Rsa2048 = @('rsa', 2048); Rsa3072 = @('rsa', 3072); Rsa4096 = @('rsa', 4096) }
foreach ($count in 3, 7) {
    $members = 1..$count | ForEach-Object { @{ Name = "etcd-$_"; Address = "10.231.0.$(10 + $_)" } }
    $cluster = New-EtcdCluster -Name bench -Member $members -WarningAction SilentlyContinue
    $memberArgs = $members | ForEach-Object { "$($_.Name)=$($_.Address)" }
    foreach ($algorithm in 'EcdsaP256', 'EcdsaP384', 'Rsa2048', 'Rsa3072', 'Rsa4096') {
        # RSA key generation takes a random time (prime search): more runs where a target depends on it, fewer for big keys.
        $runs = switch ($algorithm) { 'Rsa2048' { 7 } { $_ -in 'Rsa3072', 'Rsa4096' } { 3 } default { 5 } }
        $warmups = if ($algorithm -like 'Ecdsa*') { 5 } else { 1 }
        $dir = Join-Path $WorkDir "pki-$algorithm-$count"
        $newSet = { $cluster | New-EtcdCertificateSet -Path $dir -KeyAlgorithm $algorithm -Force }
        $target = switch ($algorithm) { 'EcdsaP256' { if ($count -eq 3) { '<= 100' } } 'Rsa2048' { '<= cfssl' } default { '' } }
        $comparison = ''
        if ($hasCfssl) {
            $algo, $size = $cfsslKeys[$algorithm]
            $cfsslDir = Join-Path $WorkDir "cfssl-$algorithm-$count"
            $ours, $theirs = Measure-PkiPair -Runs $runs -Warmups $warmups $newSet { Invoke-CfsslSet $cfsslDir $memberArgs $algo $size }
            $comparison = 'cfssl {0:N0} ms ({1:N1}x)' -f $theirs, ($theirs / [math]::Max($ours, 0.1))
        }
        else { $ours = Measure-PkiMedian -Runs $runs -Warmups $warmups $newSet }
        [pscustomobject]@{ Area = 'Pki'; Case = "New-EtcdCertificateSet, $count members, $algorithm"; 'Median ms' = [math]::Round($ours, 1); Target = $target; Comparison = $comparison }
    }
    $pki = Import-EtcdCertificateSet (Join-Path $WorkDir "pki-EcdsaP256-$count")
    [pscustomobject]@{ Area = 'Pki'; Case = "Import + Test-EtcdCertificateSet, $count members, EcdsaP256"
        'Median ms' = [math]::Round((Measure-PkiMedian { Import-EtcdCertificateSet $pki.Path | Test-EtcdCertificateSet -Cluster $cluster }), 1); Target = ''; Comparison = '' }
}
