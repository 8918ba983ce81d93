using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Import, "EtcdCluster")]
    [OutputType(typeof(EtcdCluster))]
    public sealed class ImportEtcdClusterCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FullName")]
        public string Path { get; set; } = "";

        protected override void ProcessRecord()
        {
            var path = ResolvePath(Path);
            try
            {
                var cluster = ClusterInventory.Load(path, out var warnings);
                foreach (var warning in warnings) WriteWarning(warning);
                WriteObject(cluster);
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex, path);
            }
        }
    }
}
