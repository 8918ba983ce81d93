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

$ExecutionContext.SessionState.Module.OnRemove = {
    Remove-Module -ModuleInfo $inner -Force -ErrorAction SilentlyContinue
}.GetNewClosure()
