using System.IO;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Export, "EtcdCluster", SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo))]
    public sealed class ExportEtcdClusterCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public EtcdCluster Cluster { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 0)]
        public string Path { get; set; } = "";

        /// <summary>Refuse to replace an existing file.</summary>
        [Parameter]
        public SwitchParameter NoClobber { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var path = ResolvePath(Path);
            try
            {
                ClusterValidator.Validate(Cluster);
                if (NoClobber && File.Exists(path))
                    throw new EtcdOpsException(ErrorIds.InventoryExists, FailureKind.ResourceExists,
                        $"'{path}' already exists and -NoClobber was given. Choose another path or omit -NoClobber to replace it.", path);
                if (!ShouldProcess(path, $"Write inventory of cluster '{Cluster.Name}'")) return;
                ClusterInventory.Save(Cluster, path);
                if (PassThru) WriteObject(new FileInfo(path));
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex, path);
            }
        }
    }
}
