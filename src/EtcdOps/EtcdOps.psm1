# On PowerShell 7 the cmdlets and their dependencies load into a private AssemblyLoadContext, so a
# different SSH.NET, YamlDotNet or BouncyCastle already in the session (Posh-SSH ships one) never collides
# with ours. Windows PowerShell 5.1 has no load contexts: there the assembly loads directly.
$binPath = Join-Path $PSScriptRoot 'bin'
$modulePath = [IO.Path]::Combine($binPath, 'netstandard2.0', 'EtcdOps.dll')

if ($PSEdition -eq 'Core') {
    if (-not ('EtcdOps.Loader.EtcdOpsLoadContext' -as [type])) {
        Add-Type -Path ([IO.Path]::Combine($binPath, 'net8.0', 'EtcdOps.Loader.dll'))
    }
    $assembly = [EtcdOps.Loader.EtcdOpsLoadContext]::Initialize($modulePath)
}
else {
    $assembly = [Reflection.Assembly]::LoadFrom($modulePath)
}

$inner = Import-Module -Assembly $assembly -Force -PassThru -ErrorAction Stop

# Re-export the binary module's cmdlets as this module's own, so Get-Command -Module EtcdOps lists them.
$addExported = [Management.Automation.PSModuleInfo].GetMethod('AddExportedCmdlet', [Reflection.BindingFlags]'Instance, NonPublic')
foreach ($cmdlet in $inner.ExportedCmdlets.Values) {
    $addExported.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
}

# Types in a private load context are invisible to [TypeName] literals; type accelerators make the public
# EtcdOps types nameable in scripts again ([EtcdOps.EtcdMember]::new('etcd-1', '10.0.0.11')).
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$published = @()
if ($PSEdition -eq 'Core') {
    $core = $assembly.GetReferencedAssemblies() | Where-Object Name -eq 'EtcdOps.Core' |
        ForEach-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).LoadFromAssemblyName($_) }
    foreach ($type in $core.GetExportedTypes() | Where-Object { $_.Namespace -eq 'EtcdOps' -and -not $_.IsNested }) {
        if (-not ($accelerators::Get.ContainsKey($type.FullName))) {
            $accelerators::Add($type.FullName, $type)
            $published += $type.FullName
        }
    }
}

$ExecutionContext.SessionState.Module.OnRemove = {
    foreach ($name in $published) { $null = $accelerators::Remove($name) }
    Remove-Module -ModuleInfo $inner -Force -ErrorAction SilentlyContinue
}.GetNewClosure()
