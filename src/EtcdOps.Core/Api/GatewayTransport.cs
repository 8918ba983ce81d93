using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>One reply from etcd's JSON gateway: the parsed body, or etcd's error (gRPC code and message).</summary>
    internal sealed class GatewayReply
    {
        public int HttpStatus { get; set; }
        public Dictionary<string, object?> Body { get; set; } = new Dictionary<string, object?>();
        public int GrpcCode { get; set; }
        public string ErrorMessage { get; set; } = "";
        public bool Ok => HttpStatus >= 200 && HttpStatus < 300;

        /// <summary>gRPC PermissionDenied: the request reached raft, the user just may not read the key.</summary>
        public bool PermissionDenied => GrpcCode == 7 || ErrorMessage.IndexOf("permission denied", StringComparison.OrdinalIgnoreCase) >= 0;
    }

    /// <summary>
    /// The HTTPS client for etcd's gRPC-JSON gateway (POST /v3/...), with the client certificate and the
    /// CA-pinned server check. One transport per set of TLS files is kept for the session, so repeated calls
    /// (Wait-EtcdCluster polling, scripts in a loop) reuse connections instead of new TLS handshakes.
    /// </summary>
    internal sealed class GatewayTransport : IDisposable
    {
        private static readonly object CacheLock = new object();
        private static readonly List<KeyValuePair<string, GatewayTransport>> Cache = new List<KeyValuePair<string, GatewayTransport>>();
        private const int CacheSize = 4;

        private readonly HttpClient _http;
        private readonly ServerCertificateValidator? _validator;
        private readonly ConcurrentDictionary<string, string> _tlsFailures = new ConcurrentDictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        // When each endpoint's server certificate last passed our check: a failure after that, in the same request, is
        // the server refusing our client certificate (TLS 1.3 reports it only after the client finished its handshake).
        private readonly ConcurrentDictionary<string, long> _serverVerifiedAt = new ConcurrentDictionary<string, long>(StringComparer.OrdinalIgnoreCase);
        private readonly List<X509Certificate2> _anchors = new List<X509Certificate2>();
        private readonly X509Certificate2? _clientCertificate;
        private readonly string? _certPath;

        public bool HasClientCertificate { get; }
        public string? CaPath { get; }

        private GatewayTransport(string? caPath, string? certPath, string? keyPath)
        {
            CaPath = caPath;
            var handler = new HttpClientHandler
            {
                UseProxy = false, // the gateway is reached directly, never through a workstation's proxy
                UseCookies = false,
                AllowAutoRedirect = false,
                ClientCertificateOptions = ClientCertificateOption.Manual,
            };
            SetTlsVersions(handler);
            if (caPath != null)
            {
                _anchors = PemCredentials.LoadCertificates(caPath, "CA certificate");
                _validator = new ServerCertificateValidator(_anchors, caPath);
                handler.ServerCertificateCustomValidationCallback = ValidateServer;
            }
            if (certPath != null)
            {
                if (keyPath == null)
                    throw new EtcdOpsException("MissingClientKey", FailureKind.InvalidArgument,
                        $"A client certificate ('{certPath}') was given without its key. Give -KeyPath too (etcdctl --key).", certPath);
                _clientCertificate = PemCredentials.LoadClientCertificate(certPath, keyPath);
                _certPath = certPath;
                handler.ClientCertificates.Add(_clientCertificate);
                HasClientCertificate = true;
            }
            else if (keyPath != null)
            {
                throw new EtcdOpsException("MissingClientCertificate", FailureKind.InvalidArgument,
                    $"A client key ('{keyPath}') was given without its certificate. Give -CertPath too (etcdctl --cert).", keyPath);
            }
            _http = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
        }

        /// <summary>The shared transport for these TLS files (reloaded when a file changes).</summary>
        public static GatewayTransport For(string? caPath, string? certPath, string? keyPath)
        {
            var key = string.Join("|", Stamp(caPath), Stamp(certPath), Stamp(keyPath));
            lock (CacheLock)
            {
                foreach (var entry in Cache)
                    if (entry.Key == key) return entry.Value;
            }
            var created = new GatewayTransport(caPath, certPath, keyPath);
            lock (CacheLock)
            {
                Cache.Insert(0, new KeyValuePair<string, GatewayTransport>(key, created));
                // Older transports may still be in use by another runspace; let the GC finish them.
                if (Cache.Count > CacheSize) Cache.RemoveAt(Cache.Count - 1);
            }
            return created;
        }

        private static string Stamp(string? path)
        {
            if (path == null) return "";
            var info = new FileInfo(path);
            return info.Exists ? $"{info.FullName}@{info.LastWriteTimeUtc.Ticks}:{info.Length}" : path;
        }

        private static void SetTlsVersions(HttpClientHandler handler)
        {
            const SslProtocols tls13 = (SslProtocols)12288; // SslProtocols.Tls13, absent from netstandard2.0
            try
            {
                handler.SslProtocols = SslProtocols.Tls12 | tls13;
            }
            catch (Exception ex) when (ex is NotSupportedException || ex is ArgumentException || ex is PlatformNotSupportedException)
            {
                handler.SslProtocols = SslProtocols.Tls12;
            }
        }

        private bool ValidateServer(HttpRequestMessage request, X509Certificate2 certificate, X509Chain chain, System.Net.Security.SslPolicyErrors errors)
        {
            var uri = request.RequestUri!;
            var failure = _validator!.Validate(certificate, chain, uri.DnsSafeHost);
            if (failure == null)
            {
                _tlsFailures.TryRemove(uri.Authority, out _);
                _serverVerifiedAt[uri.Authority] = System.Diagnostics.Stopwatch.GetTimestamp();
            }
            else _tlsFailures[uri.Authority] = failure;
            return failure == null;
        }

        /// <summary>
        /// POSTs <paramref name="json"/> to <paramref name="path"/> on one endpoint within <paramref name="timeout"/>.
        /// Transport failures (refused, timed out, TLS) become an <see cref="EtcdOpsException"/> that names the endpoint
        /// and the fix; an answer from etcd, even an error, is returned as a <see cref="GatewayReply"/>.
        /// </summary>
        public async Task<GatewayReply> PostAsync(string endpoint, string path, string json, TimeSpan timeout, CancellationToken cancellation)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timer.CancelAfter(timeout);
            var uri = new Uri(endpoint + path);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, uri) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timer.Token).ConfigureAwait(false);
                var text = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
                return Parse(endpoint, path, (int)response.StatusCode, text);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                throw new EtcdOpsException("EtcdEndpointTimeout", FailureKind.OperationTimeout,
                    $"{endpoint}: no answer within {timeout.TotalSeconds:0.###} s. Check that etcd runs there and the address is reachable, or raise -Timeout.", endpoint);
            }
            catch (HttpRequestException ex)
            {
                throw Classify(endpoint, uri, ex, started);
            }
        }

        private static GatewayReply Parse(string endpoint, string path, int status, string text)
        {
            var reply = new GatewayReply { HttpStatus = status };
            object? parsed;
            try
            {
                parsed = text.Trim().Length == 0 ? new Dictionary<string, object?>() : Json.Parse(text);
            }
            catch (FormatException ex)
            {
                throw new EtcdOpsException("EtcdInvalidReply", FailureKind.InvalidData,
                    $"{endpoint}{path} answered HTTP {status} with a body that is not JSON ({ex.Message}). Is this an etcd v3 client URL?", endpoint, ex);
            }
            if (!(parsed is Dictionary<string, object?> body))
                throw new EtcdOpsException("EtcdInvalidReply", FailureKind.InvalidData,
                    $"{endpoint}{path} answered HTTP {status} with JSON that is not an object. Is this an etcd v3 client URL?", endpoint);
            reply.Body = body;
            if (!reply.Ok)
            {
                // grpc-gateway error bodies: {"code":N,"message":"..."} (3.5) or with "error" as well (3.4).
                int.TryParse(body.String("code"), out var code);
                reply.GrpcCode = code;
                var message = body.String("message");
                reply.ErrorMessage = message.Length > 0 ? message : body.String("error");
                if (reply.ErrorMessage.Length == 0) reply.ErrorMessage = $"HTTP {status}";
            }
            return reply;
        }

        private EtcdOpsException Classify(string endpoint, Uri uri, HttpRequestException ex, long started)
        {
            if (ClientCertificateRefused(uri, ex, started))
                return new EtcdOpsException("EtcdTlsClientCertificateRejected", FailureKind.SecurityError,
                    $"{endpoint}: etcd refused the client certificate in the TLS handshake ({Innermost(ex).Message}). {ClientCertificateHint()}", endpoint, ex);
            var socket = Find<SocketException>(ex);
            if (socket != null)
            {
                var hint = socket.SocketErrorCode == SocketError.ConnectionRefused
                    ? "nothing listens there: is etcd running, and is this its client port (listen-client-urls)?"
                    : "check the address and that the host is reachable.";
                return new EtcdOpsException("EtcdEndpointUnreachable", FailureKind.ConnectionError,
                    $"{endpoint}: {Describe(socket)}; {hint}", endpoint, ex);
            }
            if (_tlsFailures.TryGetValue(uri.Authority, out var reason))
                return new EtcdOpsException("EtcdTlsServerCertificateRejected", FailureKind.SecurityError,
                    $"{endpoint}: TLS handshake refused by EtcdOps: {reason}.", endpoint, ex);
            if (Find<AuthenticationException>(ex) != null || Find<IOException>(ex) != null)
            {
                var detail = Innermost(ex).Message;
                var hint = uri.Scheme == Uri.UriSchemeHttp
                    ? "The endpoint uses http://, but etcd there may expect TLS: use https:// and give -CaCertPath."
                    : HasClientCertificate
                        ? "etcd closed the TLS connection: check that the client certificate was issued by etcd's trusted-ca-file and allows client authentication."
                        : "etcd closed the TLS connection; with client-cert-auth it requires a client certificate: give -CertPath and -KeyPath (etcdctl --cert/--key) or -CertificateSet.";
                return new EtcdOpsException("EtcdTlsHandshakeFailed", FailureKind.SecurityError,
                    $"{endpoint}: TLS handshake failed ({detail}). {hint}", endpoint, ex);
            }
            return new EtcdOpsException("EtcdEndpointUnreachable", FailureKind.ConnectionError,
                $"{endpoint}: {Innermost(ex).Message}", endpoint, ex);
        }

        /// <summary>
        /// Our check passed the server's certificate during this request, and then the connection failed at the TLS or socket
        /// level: etcd (client-cert-auth) did not accept the certificate we presented.
        /// </summary>
        private bool ClientCertificateRefused(Uri uri, HttpRequestException ex, long started)
        {
            if (!HasClientCertificate || uri.Scheme != Uri.UriSchemeHttps) return false;
            if (!_serverVerifiedAt.TryGetValue(uri.Authority, out var verified) || verified < started) return false;
            if (_tlsFailures.ContainsKey(uri.Authority)) return false;
            // TLS 1.2: the handshake fails with etcd's alert. TLS 1.3: our side of the handshake completed, then etcd's alert,
            // a reset or the end of the connection arrives on the first write or read. etcd answers every request it accepted.
            var socket = Find<SocketException>(ex);
            if (socket != null) return socket.SocketErrorCode == SocketError.ConnectionReset || socket.SocketErrorCode == SocketError.ConnectionAborted;
            return Find<AuthenticationException>(ex) != null || Find<IOException>(ex) != null;
        }

        /// <summary>Why etcd may have refused our client certificate, from what we can see on our side.</summary>
        private string ClientCertificateHint()
        {
            var cert = _clientCertificate!;
            var ours = $"'{_certPath}' (subject '{cert.Subject}', issued by '{cert.Issuer}')";
            // Signed by the CA, not merely naming it: two clusters' CAs may carry the same name.
            var parser = new Org.BouncyCastle.X509.X509CertificateParser();
            var leaf = parser.ReadCertificate(cert.RawData);
            var fromCa = _anchors.Any(a => CertificateSetValidator.IssuedBy(leaf, parser.ReadCertificate(a.RawData)));
            if (!fromCa)
                return $"The client certificate {ours} is not signed by this cluster's CA, the one the server's certificate chains to ('{string.Join("', '", _anchors.Select(a => a.Subject))}' in '{CaPath}'). " +
                       "Give this cluster's client certificate: -CertificateSet with the set of this cluster, or -CertPath and -KeyPath issued by its CA (etcdctl --cert/--key).";
            var now = DateTime.Now;
            if (cert.NotAfter < now || cert.NotBefore > now)
                return $"The client certificate {ours} is valid only from {cert.NotBefore:yyyy-MM-dd HH:mm} to {cert.NotAfter:yyyy-MM-dd HH:mm}. Renew it from this cluster's CA (Test-EtcdCertificateSet says how).";
            return $"The client certificate {ours} is signed by the CA in '{CaPath}'; check that it allows client authentication (ClientAuth) " +
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

        private static T? Find<T>(Exception ex) where T : Exception
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
                if (e is T match) return match;
            return null;
        }

        private static Exception Innermost(Exception ex)
        {
            while (ex.InnerException != null) ex = ex.InnerException;
            return ex;
        }

        public void Dispose() => _http.Dispose();
    }
}
