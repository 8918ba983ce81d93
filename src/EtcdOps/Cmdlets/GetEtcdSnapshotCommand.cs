using System.IO;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdSnapshot", DefaultParameterSetName = ClusterSet)]
    [OutputType(typeof(EtcdSnapshot))]
    public sealed class GetEtcdSnapshotCommand : EtcdHostCmdlet
    {
        private const string PathSet = "Path";
        private const string ClusterSet = "Cluster";

        /// <summary>Snapshot files, or folders whose *.db files are read (newest name last).</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = PathSet)]
        [ValidateNotNullOrEmpty]
        public string[] Path { get; set; } = new string[0];

        /// <summary>List the snapshots on the members' hosts (over SSH): those the snapshot schedule took.</summary>
        [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = ClusterSet)]
        public override EtcdCluster Cluster { get; set; } = null!;

        /// <summary>The folder to list on each host; default: the schedule's (Enable-EtcdSnapshotSchedule -Directory), else /var/lib/etcd-snapshots.</summary>
        [Parameter(ParameterSetName = ClusterSet)]
        [ValidateNotNullOrEmpty]
        public string? Directory { get; set; }

        protected override void BeginProcessing()
        {
            if (ParameterSetName == ClusterSet) base.BeginProcessing();
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ClusterSet)
            {
                base.ProcessRecord();
                return;
            }
            foreach (var given in Path)
            {
                var full = ResolvePath(given);
                if (System.IO.Directory.Exists(full))
                {
                    foreach (var file in System.IO.Directory.GetFiles(full, "*.db").OrderBy(f => f, System.StringComparer.Ordinal)) Write(Inspect(file));
                }
                else if (File.Exists(full)) Write(Inspect(full));
                else
                    WriteFailure(new EtcdOpsException(ErrorIds.InvalidSnapshotPath, FailureKind.ObjectNotFound,
                        $"'{full}' is neither a snapshot file nor a folder.", given), given);
            }
        }

        protected override void EndProcessing()
        {
            if (ParameterSetName != ClusterSet) return;
            foreach (var cluster in Clusters)
            {
                var perHost = RunOnHosts("Listing snapshots", SelectMembers(cluster), (m, host, report, ct) =>
                {
                    report("Hashing snapshots");
                    return HostSnapshotReader.ReadAsync(host, m, Directory, ct);
                });
                foreach (var found in perHost)
                {
                    WriteVerbose($"{found.Member}: {found.Snapshots.Count} snapshot(s) in {found.Directory}.");
                    foreach (var snapshot in found.Snapshots) Write(snapshot);
                }
            }
        }

        private EtcdSnapshot Inspect(string file)
        {
            WriteVerbose($"Checking {file}.");
            return SnapshotFile.Inspect(file);
        }

        private void Write(EtcdSnapshot snapshot)
        {
            if (Cancellation.IsCancellationRequested) return;
            var where = snapshot.Member.Length > 0 ? $"{snapshot.Member}: " : "";
            if (!snapshot.IsValid) WriteWarning($"{where}{snapshot.Path}: {snapshot.Problem}");
            WriteObject(snapshot);
        }
    }
}
