# Render and validate time for a 7-member cluster (New-EtcdConfig | Test-EtcdConfig), no host touched.
param([string] $WorkDir)

function Measure-ConfigMedian([scriptblock] $Action, [int] $Runs = 15) {
    & $Action | Out-Null   # warm-up
    $times = foreach ($i in 1..$Runs) { (Measure-Command { & $Action | Out-Null }).TotalMilliseconds }
    $sorted = @($times | Sort-Object)
    [math]::Round($sorted[[int][math]::Floor($sorted.Count / 2)], 2)
}

$cluster = New-EtcdCluster -Name bench -Version 3.5.16 -Member @(1..7 | ForEach-Object { @{ Name = "etcd-$_"; Address = "10.20.0.$_" } })
$configs = @($cluster | New-EtcdConfig)

[pscustomobject]@{ Area = 'Config'; Case = 'New-EtcdConfig, 7 members'; 'Median ms' = (Measure-ConfigMedian { $cluster | New-EtcdConfig }); Target = '< 50'; Comparison = 'hand-editing 7 conf.yml files' }
[pscustomobject]@{ Area = 'Config'; Case = 'Test-EtcdConfig, 7 members'; 'Median ms' = (Measure-ConfigMedian { $configs | Test-EtcdConfig }); Target = '< 50'; Comparison = 'starting etcd to see it fail' }
