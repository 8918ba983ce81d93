using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;

namespace EtcdOps.Loader
{
    /// <summary>
    /// A private AssemblyLoadContext for EtcdOps and its dependencies (SSH.NET, YamlDotNet, BouncyCastle), so
    /// another module that loaded different versions of them into the session never collides with ours.
    /// Assemblies that the runtime itself provides (System.*, PowerShell) always come from the default context.
    /// </summary>
    public sealed class EtcdOpsLoadContext : AssemblyLoadContext
    {
        private static EtcdOpsLoadContext? _instance;
        private static readonly object Gate = new object();

        private readonly string _directory;
        private readonly HashSet<string> _platformAssemblies;

        private EtcdOpsLoadContext(string directory) : base("EtcdOps", isCollectible: false)
        {
            _directory = directory;
            var tpa = (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "")
                .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
                .Select(Path.GetFileNameWithoutExtension);
            _platformAssemblies = new HashSet<string>(tpa!, StringComparer.OrdinalIgnoreCase);
        }

        /// <summary>Loads the module assembly at <paramref name="moduleAssemblyPath"/> into the private context (once per process).</summary>
        public static Assembly Initialize(string moduleAssemblyPath)
        {
            lock (Gate)
            {
                _instance ??= new EtcdOpsLoadContext(Path.GetDirectoryName(moduleAssemblyPath)!);
                var name = AssemblyName.GetAssemblyName(moduleAssemblyPath);
                return _instance.Assemblies.FirstOrDefault(a => a.GetName().Name == name.Name)
                       ?? _instance.LoadFromAssemblyPath(moduleAssemblyPath);
            }
        }

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            if (assemblyName.Name == null || _platformAssemblies.Contains(assemblyName.Name)) return null;
            if (assemblyName.Name.StartsWith("System.Management.Automation", StringComparison.OrdinalIgnoreCase)) return null;
            var path = Path.Combine(_directory, assemblyName.Name + ".dll");
            return File.Exists(path) ? LoadFromAssemblyPath(path) : null;
        }
    }
}
