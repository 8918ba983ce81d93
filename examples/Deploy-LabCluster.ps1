<#
.SYNOPSIS
    The EtcdOps demo: describe a three-member cluster, issue its certificates, render and check its config.
    (Grows into the full lab deployment as the install cmdlets land.)
#>
param([string] $ModulePath = (Join-Path $PSScriptRoot '../output/EtcdOps'), [string] $WorkDir = (Join-Path ([IO.Path]::GetTempPath()) 'etcdops-demo'))
$ErrorActionPreference = 'Stop'
Import-Module $ModulePath -Force

New-Item -ItemType Directory -Force $WorkDir | Out-Null
$cluster = New-EtcdCluster -Name demo -Version 3.5.16 -Member @(
    @{ Name = 'etcd-1'; Address = '10.231.0.11' }
    @{ Name = 'etcd-2'; Address = '10.231.0.12' }
    @{ Name = 'etcd-3'; Address = '10.231.0.13' })
$cluster | Export-EtcdCluster -Path (Join-Path $WorkDir 'demo.yml')
Import-EtcdCluster (Join-Path $WorkDir 'demo.yml')
$cluster.Members | Format-Table
