using System.Collections.Generic;
using System.IO;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsDiagnostic.Test, "EtcdConfig", DefaultParameterSetName = ConfigSet)]
    [OutputType(typeof(EtcdFinding))]
    public sealed class TestEtcdConfigCommand : EtcdCmdlet
    {
        private const string ConfigSet = "Config";
        private const string PathSet = "Path";
        private readonly List<EtcdConfigSource> _sources = new List<EtcdConfigSource>();

        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ConfigSet)]
        public EtcdNodeConfig[] InputObject { get; set; } = new EtcdNodeConfig[0];

        [Parameter(Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [Alias("FullName")]
        [SupportsWildcards]
        public string[] Path { get; set; } = new string[0];

        [Parameter(ParameterSetName = PathSet)]
        public string Version { get; set; } = EtcdCluster.DefaultVersion;

        [Parameter]
        public SwitchParameter Strict { get; set; }

        protected override void BeginProcessing()
        {
            if (ParameterSetName == PathSet && !EtcdVersion.TryParse(Version, out _))
                ThrowFailure(new EtcdOpsException(ErrorIds.InvalidEtcdVersion, FailureKind.InvalidArgument,
                    $"'{Version}' is not an etcd version. Give major.minor.patch, for example 3.5.16.", Version));
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ConfigSet)
            {
                foreach (var config in InputObject)
                    if (config != null) _sources.Add(new EtcdConfigSource(config.Yaml, config.Member.Name, config.Version));
                return;
            }
            foreach (var pattern in Path)
            {
                IEnumerable<string> files;
                try
                {
                    files = GetResolvedProviderPathFromPSPath(pattern, out _);
                }
                catch (ItemNotFoundException)
                {
                    WriteFailure(new EtcdOpsException(ErrorIds.ConfigFileNotFound, FailureKind.ObjectNotFound,
                        $"No file matches '{pattern}'. Give the path of a conf.yml (wildcards allowed), e.g. ./out/*/conf.yml.", pattern));
                    continue;
                }
                foreach (var file in files)
                {
                    try
                    {
                        _sources.Add(new EtcdConfigSource(File.ReadAllText(file), file, Version.TrimStart('v')));
                    }
                    catch (System.Exception ex) when (ex is IOException || ex is System.UnauthorizedAccessException)
                    {
                        WriteFailure(new EtcdOpsException(ErrorIds.ConfigFileUnreadable, FailureKind.ObjectNotFound,
                            $"Cannot read '{file}': {ex.Message}. Check that it is a readable file.", file, ex));
                    }
                }
            }
        }

        protected override void EndProcessing()
        {
            // Cross-member rules need the whole set, so findings come once all input is in.
            foreach (var finding in EtcdConfigValidator.Validate(_sources, Strict.IsPresent))
                WriteObject(finding);
        }
    }
}
