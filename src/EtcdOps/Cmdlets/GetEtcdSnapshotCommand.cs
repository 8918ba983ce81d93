using System.IO;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdSnapshot")]
    [OutputType(typeof(EtcdSnapshot))]
    public sealed class GetEtcdSnapshotCommand : EtcdCmdlet
    {
        /// <summary>Snapshot files, or folders whose *.db files are read (newest name last).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = new string[0];

        protected override void ProcessRecord()
        {
            foreach (var given in Path)
            {
                var full = ResolvePath(given);
                if (Directory.Exists(full))
                {
                    foreach (var file in Directory.GetFiles(full, "*.db").OrderBy(f => f, System.StringComparer.Ordinal)) Write(file);
                }
                else if (File.Exists(full)) Write(full);
                else
                    WriteFailure(new EtcdOpsException(ErrorIds.InvalidSnapshotPath, FailureKind.ObjectNotFound,
                        $"'{full}' is neither a snapshot file nor a folder.", given), given);
            }
        }

        private void Write(string file)
        {
            if (Cancellation.IsCancellationRequested) return;
            WriteVerbose($"Checking {file}.");
            var snapshot = SnapshotFile.Inspect(file);
            if (!snapshot.IsValid) WriteWarning($"{snapshot.Path}: {snapshot.Problem}");
            WriteObject(snapshot);
        }
    }
}
