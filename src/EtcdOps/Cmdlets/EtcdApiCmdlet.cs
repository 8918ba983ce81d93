using System;
using System.Collections.Generic;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    /// <summary>
    /// Connection parameters shared by the cluster API cmdlets. Pipeline input (EtcdCluster objects, or node configs
    /// with Cluster and CertificateSet properties) is collected in ProcessRecord and the cluster is asked once, in
    /// EndProcessing, so piping every member's config does not repeat the queries.
    /// </summary>
    public abstract class EtcdApiCmdlet : EtcdCmdlet
    {
        private readonly List<EtcdCluster> _clusters = new List<EtcdCluster>();
        private readonly List<EtcdCertificateSet> _certificateSets = new List<EtcdCertificateSet>();

        /// <summary>Client URLs, like etcdctl --endpoints (comma-separated lists are accepted too).</summary>
        [Parameter(Position = 0)]
        [ValidateNotNullOrEmpty]
        public string[]? Endpoint { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CaCertPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? CertPath { get; set; }

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? KeyPath { get; set; }

        [Parameter(ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet? CertificateSet { get; set; }

        [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCluster? Cluster { get; set; }

        /// <summary>The clusters piped in or given with -Cluster, in the order they came.</summary>
        private protected IReadOnlyList<EtcdCluster> Clusters => _clusters;

        protected override void ProcessRecord()
        {
            if (Cluster != null && !_clusters.Contains(Cluster)) _clusters.Add(Cluster);
            if (CertificateSet != null) _certificateSets.Add(CertificateSet);
        }

        /// <summary>The endpoints and TLS files this call uses (terminating error when there is none).</summary>
        private protected EtcdConnection ResolveConnection(TimeSpan timeout)
        {
            var resolver = new EtcdConnectionResolver
            {
                CaCertificatePath = CaCertPath,
                ClientCertificatePath = CertPath,
                ClientKeyPath = KeyPath,
                ResolvePath = ResolvePath,
            };
            foreach (var e in Endpoint ?? new string[0]) resolver.Endpoints.Add(e);
            foreach (var c in _clusters) resolver.Clusters.Add(c);
            foreach (var s in _certificateSets) resolver.CertificateSets.Add(s);
            try
            {
                var connection = resolver.Resolve();
                connection.Timeout = timeout;
                WriteVerbose($"Connecting to {string.Join(", ", connection.Endpoints)} ({connection.Source}).");
                return connection;
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
                throw; // not reached: ThrowFailure always throws
            }
        }

        /// <summary>An API client for the connection; bad TLS files or a missing CA stop the call.</summary>
        private protected EtcdClient CreateClient(EtcdConnection connection)
        {
            try
            {
                return new EtcdClient(connection);
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
                throw;
            }
        }

        /// <summary>The endpoints to ask: the given ones, or with -AllMembers every member's client URLs.</summary>
        private protected IReadOnlyList<string> TargetEndpoints(EtcdClient client, bool allMembers)
        {
            if (!allMembers) return client.Connection.Endpoints;
            try
            {
                var all = client.GetAllMemberEndpoints(client.Connection.Endpoints, Cancellation);
                WriteVerbose($"Member list names {all.Count} client URLs: {string.Join(", ", all)}.");
                return all;
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
                throw;
            }
        }

        /// <summary>
        /// Runs <paramref name="body"/> with the maintenance operations of this call's connection (member list and status
        /// requests each within <paramref name="requestTimeout"/>). EtcdOps failures stop the call; Ctrl+C ends it quietly.
        /// </summary>
        private protected void RunMaintenance(TimeSpan requestTimeout, Action<EtcdMaintenance> body)
        {
            var maintenance = new EtcdMaintenance(CreateClient(ResolveConnection(requestTimeout)), Cancellation);
            try
            {
                body(maintenance);
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell stops the pipeline.
            }
        }

        /// <summary>Shows <paramref name="status"/> while <paramref name="body"/> runs (one long request); a Completed record always follows.</summary>
        private protected T WithProgress<T>(string activity, string status, Func<T> body)
        {
            var progress = new ProgressRecord(1, activity, status);
            WriteProgress(progress);
            try
            {
                return body();
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                try { WriteProgress(progress); }
                catch (PipelineStoppedException) { }
            }
        }

        protected static TimeSpan Seconds(double seconds) => TimeSpan.FromTicks((long)(seconds * TimeSpan.TicksPerSecond));
    }
}
