using System;
using System.Collections.Generic;
using System.Linq;

namespace EtcdOps.Api
{
    /// <summary>
    /// Where and how to reach etcd: endpoints (client URLs) and the TLS files etcdctl would take
    /// (--cacert, --cert, --key), plus the per-endpoint timeout.
    /// </summary>
    internal sealed class EtcdConnection
    {
        public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(5);

        public EtcdConnection(IEnumerable<string> endpoints, string? caCertificatePath, string? clientCertificatePath, string? clientKeyPath)
        {
            CaCertificatePath = Blank(caCertificatePath);
            ClientCertificatePath = Blank(clientCertificatePath);
            ClientKeyPath = Blank(clientKeyPath);
            Endpoints = NormalizeEndpoints(endpoints, CaCertificatePath != null);
        }

        public IReadOnlyList<string> Endpoints { get; }
        public string? CaCertificatePath { get; }
        public string? ClientCertificatePath { get; }
        public string? ClientKeyPath { get; }
        public TimeSpan Timeout { get; set; } = DefaultTimeout;

        /// <summary>Where the settings came from (parameters, certificate set, cluster, environment), for messages.</summary>
        public string Source { get; set; } = "parameters";

        public bool HasClientCertificate => ClientCertificatePath != null;

        /// <summary>
        /// Canonical, de-duplicated endpoint URLs in the order given. Like etcdctl, an endpoint without a scheme
        /// uses TLS when a CA is known. Comma-separated lists (ETCDCTL_ENDPOINTS style) are split.
        /// </summary>
        public static IReadOnlyList<string> NormalizeEndpoints(IEnumerable<string> endpoints, bool tls)
        {
            var result = new List<string>();
            foreach (var raw in endpoints.SelectMany(e => (e ?? "").Split(',')))
            {
                var text = raw.Trim();
                if (text.Length == 0) continue;
                var url = Normalize(text, tls);
                if (!result.Contains(url, StringComparer.OrdinalIgnoreCase)) result.Add(url);
            }
            return result;
        }

        private static string Normalize(string text, bool tls)
        {
            var withScheme = text.Contains("://") ? text : (tls ? "https://" : "http://") + text;
            if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) ||
                (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp) ||
                (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0) || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
            {
                throw new EtcdOpsException(ErrorIds.InvalidEndpoint, FailureKind.InvalidArgument,
                    $"'{text}' is not an etcd client URL. Give it as https://HOST:PORT, for example https://10.0.0.11:2379.", text);
            }
            return EtcdCluster.Url(uri.DnsSafeHost, uri.Port, uri.Scheme);
        }

        private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
    }
}
