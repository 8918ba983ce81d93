using System;
using System.IO;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Save, "EtcdSnapshot")]
    [OutputType(typeof(EtcdSnapshot))]
    public sealed class SaveEtcdSnapshotCommand : EtcdApiCmdlet
    {
        /// <summary>A file to write, or a folder to write &lt;cluster&gt;-&lt;UTC time&gt;-r&lt;revision&gt;.db into. Default: the current folder.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = ".";

        /// <summary>Replace an existing file given with -Path.</summary>
        [Parameter]
        public SwitchParameter Force { get; set; }

        /// <summary>Seconds each endpoint has to answer the status and health checks that choose the member.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        /// <summary>Seconds to wait for each part of the stream (not for the whole snapshot).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public double IdleTimeout { get; set; } = 60;

        protected override void EndProcessing()
        {
            var (file, folder) = ResolveTarget();
            var client = CreateClient(ResolveConnection(Seconds(Timeout)));
            try
            {
                var endpoints = client.Connection.Endpoints;
                var readiness = client.CheckReadiness(endpoints, Seconds(Timeout), Cancellation);
                EtcdEndpointStatus source;
                try
                {
                    source = SnapshotSaver.ChooseSource(readiness.Status, readiness.Health);
                }
                catch (EtcdOpsException ex)
                {
                    ThrowFailure(ex);
                    return;
                }
                WriteVerbose($"Taking the snapshot from member {source.ID} at {source.Endpoint} (etcd {source.Version}, revision {source.Revision}, {client.Transport}).");
                var clusterName = Clusters.FirstOrDefault()?.Name ?? "etcd";
                var snapshot = WithTransferProgress($"Saving a snapshot of {source.Endpoint}", file ?? folder!, progress =>
                    SnapshotSaver.SaveAsync(client.Api, source, file, folder, clusterName, progress.Report, Seconds(IdleTimeout), Cancellation));
                WriteVerbose($"Saved {snapshot.Path} ({snapshot.Size} bytes, revision {snapshot.Revision}, SHA-256 {snapshot.Sha256}); metadata in {snapshot.MetadataPath}.");
                WriteObject(snapshot);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                // Ctrl+C: the .part file is gone; PowerShell stops the pipeline.
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
            }
        }

        /// <summary>An existing folder, or a file whose folder exists (and which does not, unless -Force).</summary>
        private (string? File, string? Folder) ResolveTarget()
        {
            var full = ResolvePath(Path);
            if (Directory.Exists(full)) return (null, full);
            var parent = System.IO.Path.GetDirectoryName(full);
            if (parent == null || !Directory.Exists(parent))
                ThrowInvalidArgument(ErrorIds.InvalidSnapshotPath, $"The folder of '{full}' does not exist. Give an existing folder, or a file in one.", Path);
            if (File.Exists(full) && !Force)
                ThrowInvalidArgument(ErrorIds.InvalidSnapshotPath, $"'{full}' exists already. Give another name, a folder, or -Force to replace it.", Path);
            return (full, null);
        }
    }
}
