# On PowerShell 7 the cmdlets and their dependencies load into a private AssemblyLoadContext, so a
# different SSH.NET, YamlDotNet or BouncyCastle already in the session (Posh-SSH ships one) never collides
# with ours. Windows PowerShell 5.1 has no load contexts: there the assembly loads directly.
$binPath = Join-Path $PSScriptRoot 'bin'

if ($PSEdition -eq 'Core') {
    # The net8.0 build: PowerShell 7.4+ runs on .NET 8 or later.
    $modulePath = [IO.Path]::Combine($binPath, 'net8.0', 'EtcdOps.dll')
    if (-not ('EtcdOps.Loader.EtcdOpsLoadContext' -as [type])) {
        Add-Type -Path ([IO.Path]::Combine($binPath, 'net8.0', 'EtcdOps.Loader.dll'))
    }
    $assembly = [EtcdOps.Loader.EtcdOpsLoadContext]::Initialize($modulePath)
}
else {
    $modulePath = [IO.Path]::Combine($binPath, 'netstandard2.0', 'EtcdOps.dll')
    $assembly = [Reflection.Assembly]::LoadFrom($modulePath)
}

$inner = Import-Module -Assembly $assembly -Force -PassThru -ErrorAction Stop

# Re-export the binary module's cmdlets as this module's own, so Get-Command -Module EtcdOps lists them.
$addExported = [Management.Automation.PSModuleInfo].GetMethod('AddExportedCmdlet', [Reflection.BindingFlags]'Instance, NonPublic')
foreach ($cmdlet in $inner.ExportedCmdlets.Values) {
    $addExported.Invoke($ExecutionContext.SessionState.Module, @(, $cmdlet))
}

# Types in a private load context are invisible to [TypeName] literals; type accelerators make the EtcdOps
# types a user creates or gets nameable in scripts again ([EtcdOps.EtcdMember]::new('etcd-1', '10.0.0.11')).
# Which those are is read off the cmdlets themselves (parameter and output types, and the EtcdOps types their
# properties hold), so implementation types (installer, SSH host, ...) stay out of the session-wide table.
$accelerators = [psobject].Assembly.GetType('System.Management.Automation.TypeAccelerators')
$published = @()
if ($PSEdition -eq 'Core') {
    $core = $assembly.GetReferencedAssemblies() | Where-Object Name -eq 'EtcdOps.Core' |
        ForEach-Object { [Runtime.Loader.AssemblyLoadContext]::GetLoadContext($assembly).LoadFromAssemblyName($_) }
    $seen = [Collections.Generic.HashSet[type]]::new()
    $queue = [Collections.Generic.Queue[type]]::new()
    foreach ($cmdlet in $inner.ExportedCmdlets.Values) {
        foreach ($parameter in $cmdlet.Parameters.Values) { $queue.Enqueue($parameter.ParameterType) }
        foreach ($output in $cmdlet.OutputType) { if ($output.Type) { $queue.Enqueue($output.Type) } }
    }
    while ($queue.Count -gt 0) {
        $type = $queue.Dequeue()
        if ($type.HasElementType) { $queue.Enqueue($type.GetElementType()); continue }
        if ($type.IsGenericType) { foreach ($argument in $type.GetGenericArguments()) { $queue.Enqueue($argument) }; continue }
        if ($type.Assembly -ne $core -or -not $type.IsPublic -or -not $type.Namespace.StartsWith('EtcdOps.') -or -not $seen.Add($type)) { continue }
        foreach ($property in $type.GetProperties()) { $queue.Enqueue($property.PropertyType) }
    }
    foreach ($type in $seen) {
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
