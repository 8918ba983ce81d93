using System;
using System.Collections.Generic;
using System.Linq;

namespace EtcdOps.Api
{
    /// <summary>
    /// Decides where a cluster call connects, in this order: explicit endpoints and TLS files (etcdctl's
    /// --endpoints/--cacert/--cert/--key), a certificate set, the piped clusters' members, and finally the
    /// ETCDCTL_ENDPOINTS/ETCDCTL_CACERT/ETCDCTL_CERT/ETCDCTL_KEY environment an etcdctl user already has.
    /// Endpoints and TLS files are resolved independently, so a piped cluster works with -CertificateSet.
    /// </summary>
    internal sealed class EtcdConnectionResolver
    {
        public IList<string> Endpoints { get; } = new List<string>();
        public string? CaCertificatePath { get; set; }
        public string? ClientCertificatePath { get; set; }
        public string? ClientKeyPath { get; set; }
        public IList<EtcdCertificateSet> CertificateSets { get; } = new List<EtcdCertificateSet>();
        public IList<EtcdCluster> Clusters { get; } = new List<EtcdCluster>();

        /// <summary>Reads an environment variable; replaceable in tests.</summary>
        public Func<string, string?> Environment { get; set; } = System.Environment.GetEnvironmentVariable;

        /// <summary>Turns a user-given path into a full path (the cmdlet resolves it against PowerShell's location).</summary>
        public Func<string, string> ResolvePath { get; set; } = System.IO.Path.GetFullPath;

        public EtcdConnection Resolve()
        {
            string? ca, cert, key, tlsSource;
            if (CaCertificatePath != null || ClientCertificatePath != null || ClientKeyPath != null)
            {
                (ca, cert, key, tlsSource) = (Full(CaCertificatePath), Full(ClientCertificatePath), Full(ClientKeyPath), "-CaCertPath/-CertPath/-KeyPath");
            }
            else if (CertificateSets.Count > 0)
            {
                var sets = CertificateSets.GroupBy(s => s.Path, StringComparer.Ordinal).Select(g => g.First()).ToList();
                if (sets.Count > 1)
                    throw new EtcdOpsException(ErrorIds.ConflictingCertificateSets, FailureKind.InvalidArgument,
                        $"Different certificate sets arrived ({string.Join(", ", sets.Select(s => s.Path))}); one call talks to one cluster. " +
                        "Give -CertificateSet explicitly or query the clusters separately.", sets[1]);
                var set = sets[0];
                (ca, cert, key, tlsSource) = (set.CaCertificatePath, set.ClientCertificatePath, set.ClientKeyPath, $"certificate set {set.Path}");
            }
            else
            {
                (ca, cert, key, tlsSource) = (Full(Environment("ETCDCTL_CACERT")), Full(Environment("ETCDCTL_CERT")), Full(Environment("ETCDCTL_KEY")), "ETCDCTL_CACERT/CERT/KEY");
                if (ca == null && cert == null && key == null) tlsSource = "none";
            }

            IEnumerable<string> endpoints;
            string endpointSource;
            if (Endpoints.Count > 0)
            {
                (endpoints, endpointSource) = (Endpoints, "-Endpoint");
            }
            else if (Clusters.Count > 0)
            {
                // Several node configs of one cluster arrive with the same cluster: ask each member once.
                endpoints = Clusters.SelectMany(c => c.ClientUrls);
                endpointSource = "cluster " + string.Join(", ", Clusters.Select(c => c.Name).Distinct());
            }
            else
            {
                var fromEnvironment = Environment("ETCDCTL_ENDPOINTS");
                (endpoints, endpointSource) = (fromEnvironment == null ? new string[0] : new[] { fromEnvironment }, "ETCDCTL_ENDPOINTS");
            }

            var connection = new EtcdConnection(endpoints, ca, cert, key) { Source = $"endpoints from {endpointSource}; TLS files from {tlsSource}" };
            if (connection.Endpoints.Count == 0)
                throw new EtcdOpsException(ErrorIds.NoEtcdEndpoint, FailureKind.InvalidArgument,
                    "No etcd endpoint to ask. Give -Endpoint, pipe an EtcdCluster (or a node config), or set ETCDCTL_ENDPOINTS as for etcdctl.", null);
            return connection;
        }

        private string? Full(string? path) => string.IsNullOrWhiteSpace(path) ? null : ResolvePath(path!);
    }
}
