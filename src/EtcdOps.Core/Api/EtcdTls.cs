using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;

namespace EtcdOps.Api
{
    /// <summary>
    /// The TLS side of talking to etcd, shared by both transports: the CA that etcd's server certificate must chain
    /// to (never the system store), the client certificate, and what the handshakes so far told us, so that a failed
    /// connection is explained as refused, wrong CA, client certificate rejected or timeout, with the fix.
    /// </summary>
    internal sealed class EtcdTls
    {
        private readonly ServerCertificateValidator? _validator;
        private readonly ConcurrentDictionary<string, string> _tlsFailures = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // When each endpoint's server certificate last passed our check: a failure after that, in the same request, is
        // the server refusing our client certificate (TLS 1.3 reports it only after the client finished its handshake).
        private readonly ConcurrentDictionary<string, long> _serverVerifiedAt = new ConcurrentDictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        private readonly List<X509Certificate2> _anchors = new List<X509Certificate2>();
        private readonly string? _certPath;

        public EtcdTls(string? caPath, string? certPath, string? keyPath)
        {
            CaPath = caPath;
            if (caPath != null)
            {
                _anchors = PemCredentials.LoadCertificates(caPath, "CA certificate");
                _validator = new ServerCertificateValidator(_anchors, caPath);
            }
            if (certPath != null)
            {
                if (keyPath == null)
                    throw new EtcdOpsException(ErrorIds.MissingClientKey, FailureKind.InvalidArgument,
                        $"A client certificate ('{certPath}') was given without its key. Give -KeyPath too (etcdctl --key).", certPath);
                ClientCertificate = PemCredentials.LoadClientCertificate(certPath, keyPath);
                _certPath = certPath;
            }
            else if (keyPath != null)
            {
                throw new EtcdOpsException(ErrorIds.MissingClientCertificate, FailureKind.InvalidArgument,
                    $"A client key ('{keyPath}') was given without its certificate. Give -CertPath too (etcdctl --cert).", keyPath);
            }
        }

        public string? CaPath { get; }
        public X509Certificate2? ClientCertificate { get; }
        public bool HasClientCertificate => ClientCertificate != null;
        public bool VerifiesServer => _validator != null;

        /// <summary>TLS 1.2 and 1.3, as etcd's tls-min-version TLS1.2 allows.</summary>
        public static SslProtocols Protocols
        {
            get
            {
#if NET
                return SslProtocols.Tls12 | SslProtocols.Tls13;
#else
                return SslProtocols.Tls12 | (SslProtocols)12288; // Tls13, absent from netstandard2.0
#endif
            }
        }

        /// <summary>The server check for one handshake to <paramref name="uri"/>; remembers the verdict to explain a failure.</summary>
        public bool ValidateServer(Uri uri, X509Certificate2? certificate, X509Chain? chain)
        {
            var failure = _validator!.Validate(certificate, chain, uri.DnsSafeHost);
            if (failure == null)
            {
                _tlsFailures.TryRemove(uri.Authority, out _);
                _serverVerifiedAt[uri.Authority] = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            else _tlsFailures[uri.Authority] = failure;
            return failure == null;
        }

        public static EtcdOpsException Timeout(string endpoint, TimeSpan timeout) =>
            new EtcdOpsException(ErrorIds.EtcdEndpointTimeout, FailureKind.OperationTimeout,
                $"{endpoint}: no answer within {timeout.TotalSeconds:0.###} s. Check that etcd runs there and the address is reachable, or raise -Timeout.", endpoint);

        public static EtcdOpsException NotAnEtcdClientUrl(string endpoint, string detail, Exception? inner) =>
            new EtcdOpsException(ErrorIds.EtcdInvalidReply, FailureKind.InvalidData,
                $"{endpoint}: the answer is not etcd's v3 API ({detail}). Is this an etcd v3 client URL (listen-client-urls, not the peer port)?", endpoint, inner);

        /// <summary>
        /// Why a request to <paramref name="uri"/> that started at <paramref name="started"/> (a Stopwatch timestamp)
        /// failed below etcd: refused, unreachable, our check refused the server, etcd refused our certificate, other TLS.
        /// </summary>
        public EtcdOpsException Classify(string endpoint, Uri uri, Exception ex, long started)
        {
            if (ClientCertificateRefused(uri, ex, started))
                return new EtcdOpsException(ErrorIds.EtcdTlsClientCertificateRejected, FailureKind.SecurityError,
                    $"{endpoint}: etcd refused the client certificate in the TLS handshake ({Innermost(ex).Message}). {ClientCertificateHint()}", endpoint, ex);
            var socket = Find<SocketException>(ex);
            if (socket != null)
            {
                var hint = socket.SocketErrorCode == SocketError.ConnectionRefused
                    ? "nothing listens there: is etcd running, and is this its client port (listen-client-urls)?"
                    : "check the address and that the host is reachable.";
                return new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError,
                    $"{endpoint}: {Describe(socket)}; {hint}", endpoint, ex);
            }
            if (_tlsFailures.TryGetValue(uri.Authority, out var reason))
                return new EtcdOpsException(ErrorIds.EtcdTlsServerCertificateRejected, FailureKind.SecurityError,
                    $"{endpoint}: TLS handshake refused by EtcdOps: {reason}.", endpoint, ex);
            if (Find<AuthenticationException>(ex) != null || Find<IOException>(ex) != null)
            {
                var detail = Innermost(ex).Message;
                var hint = uri.Scheme == Uri.UriSchemeHttp
                    ? "The endpoint uses http://, but etcd there may expect TLS: use https:// and give -CaCertPath."
                    : HasClientCertificate
                        ? "etcd closed the TLS connection: check that the client certificate was issued by etcd's trusted-ca-file and allows client authentication."
                        : "etcd closed the TLS connection; with client-cert-auth it requires a client certificate: give -CertPath and -KeyPath (etcdctl --cert/--key) or -CertificateSet.";
                return new EtcdOpsException(ErrorIds.EtcdTlsHandshakeFailed, FailureKind.SecurityError,
                    $"{endpoint}: TLS handshake failed ({detail}). {hint}", endpoint, ex);
            }
            return new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError,
                $"{endpoint}: {Innermost(ex).Message}", endpoint, ex);
        }

        /// <summary>
        /// Our check passed the server's certificate during this request, and then the connection failed at the TLS or socket
        /// level: etcd (client-cert-auth) did not accept the certificate we presented.
        /// </summary>
        private bool ClientCertificateRefused(Uri uri, Exception ex, long started)
        {
            if (!HasClientCertificate || uri.Scheme != Uri.UriSchemeHttps) return false;
            if (!_serverVerifiedAt.TryGetValue(uri.Authority, out var verified) || verified < started) return false;
            if (_tlsFailures.ContainsKey(uri.Authority)) return false;
            // TLS 1.2: the handshake fails with etcd's alert. TLS 1.3: our side of the handshake completed, then etcd's alert,
            // a reset or the end of the connection arrives on the first write or read. etcd answers every request it accepted.
            // Which of them we see depends on timing (a loaded machine sees the later ones): a reset, a broken pipe when we
            // write after etcd closed (EPIPE, SocketError.Shutdown), or the end of the stream before etcd's HTTP/2 settings,
            // which .NET reports as an HttpRequestException with nothing below it.
            // Only the TLS 1.2 handshake failure is etcd's verdict itself. The later signs are also what any server that
            // closes or garbles an accepted connection produces, so they count only against a certificate etcd would
            // refuse: not from this cluster's CA, out of its validity, or without clientAuth.
            if (Find<AuthenticationException>(ex) != null) return true;
            var socket = Find<SocketException>(ex);
            var afterHandshake = socket != null
                ? socket.SocketErrorCode == SocketError.ConnectionReset || socket.SocketErrorCode == SocketError.ConnectionAborted || socket.SocketErrorCode == SocketError.Shutdown
                : Find<IOException>(ex) != null || Innermost(ex) is System.Net.Http.HttpRequestException;
            return afterHandshake && ClientCertificateProblem() != null;
        }

        /// <summary>Why etcd would refuse our client certificate, as far as we can tell here; null when it looks acceptable.</summary>
        private string? ClientCertificateProblem()
        {
            var cert = ClientCertificate!;
            var ours = $"'{_certPath}' (subject '{cert.Subject}', issued by '{cert.Issuer}')";
            // Signed by the CA, not merely naming it: two clusters' CAs may carry the same name.
            var parser = new Org.BouncyCastle.X509.X509CertificateParser();
            var leaf = parser.ReadCertificate(cert.RawData);
            if (!_anchors.Any(a => CertificateSetValidator.IssuedBy(leaf, parser.ReadCertificate(a.RawData))))
                return $"The client certificate {ours} is not signed by this cluster's CA, the one the server's certificate chains to ('{string.Join("', '", _anchors.Select(a => a.Subject))}' in '{CaPath}'). " +
                       "Give this cluster's client certificate: -CertificateSet with the set of this cluster, or -CertPath and -KeyPath issued by its CA (etcdctl --cert/--key).";
            var now = DateTime.Now;
            if (cert.NotAfter < now || cert.NotBefore > now)
                return $"The client certificate {ours} is valid only from {cert.NotBefore:yyyy-MM-dd HH:mm} to {cert.NotAfter:yyyy-MM-dd HH:mm}. Renew it from this cluster's CA (Test-EtcdCertificateSet says how).";
            var usages = cert.Extensions.OfType<X509EnhancedKeyUsageExtension>().SelectMany(e => e.EnhancedKeyUsages.Cast<System.Security.Cryptography.Oid>()).Select(o => o.Value).ToList();
            if (usages.Count > 0 && !usages.Contains("1.3.6.1.5.5.7.3.2"))
                return $"The client certificate {ours} does not allow client authentication (no ClientAuth in its extended key usage). Issue a client certificate from this cluster's CA.";
            return null;
        }

        /// <summary>Why etcd may have refused our client certificate, from what we can see on our side.</summary>
        private string ClientCertificateHint()
        {
            var cert = ClientCertificate!;
            return ClientCertificateProblem() ??
                $"The client certificate '{_certPath}' (subject '{cert.Subject}', issued by '{cert.Issuer}') is signed by the CA in '{CaPath}'; check that it allows client authentication (ClientAuth) " +
                "and that etcd's client-transport-security.trusted-ca-file is that CA. Check -CertificateSet or -CertPath/-KeyPath.";
        }

        private static string Describe(SocketException socket) => socket.SocketErrorCode switch
        {
            SocketError.ConnectionRefused => "connection refused",
            SocketError.HostNotFound => "host name not found",
            SocketError.NetworkUnreachable => "network unreachable",
            SocketError.HostUnreachable => "host unreachable",
            SocketError.TimedOut => "connection timed out",
            _ => socket.Message,
        };

        public static T? Find<T>(Exception ex) where T : Exception
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
                if (e is T match) return match;
            return null;
        }

        public static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }
    }

    /// <summary>One transport per set of TLS files for the session (reloaded when a file changes), so repeated calls reuse connections.</summary>
    internal static class EtcdTransports
    {
        private static readonly object CacheLock = new object();
        private static readonly List<KeyValuePair<string, IEtcdTransport>> Cache = new List<KeyValuePair<string, IEtcdTransport>>();
        private const int CacheSize = 4;

        /// <summary>The transport of this build: gRPC on net8.0, the JSON gateway on the desktop build.</summary>
        public static IEtcdTransport For(string? caPath, string? certPath, string? keyPath)
        {
            var key = string.Join("|", Stamp(caPath), Stamp(certPath), Stamp(keyPath));
            lock (CacheLock)
            {
                foreach (var entry in Cache)
                    if (entry.Key == key) return entry.Value;
            }
            var created = Create(caPath, certPath, keyPath);
            lock (CacheLock)
            {
                Cache.Insert(0, new KeyValuePair<string, IEtcdTransport>(key, created));
                // Older transports may still be in use by another runspace; let the GC finish them.
                if (Cache.Count > CacheSize) Cache.RemoveAt(Cache.Count - 1);
            }
            return created;
        }

        /// <summary>A transport of its own, not shared through the cache (its own connections: the performance check's clients).</summary>
        public static IEtcdTransport Create(string? caPath, string? certPath, string? keyPath)
        {
            var tls = new EtcdTls(caPath, certPath, keyPath);
#if NET
            return new GrpcTransport(tls);
#else
            return new GatewayTransport(tls);
#endif
        }

        private static string Stamp(string? path)
        {
            if (path == null) return "";
            var info = new FileInfo(path);
            return info.Exists ? $"{info.FullName}@{info.LastWriteTimeUtc.Ticks}:{info.Length}" : path;
        }
    }
}
