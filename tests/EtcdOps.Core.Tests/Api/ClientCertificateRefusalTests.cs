using System;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using EtcdOps.Tests.Pki;
using Xunit;

namespace EtcdOps.Tests.Api
{
    /// <summary>
    /// A TLS server on loopback that, like etcd with client-cert-auth, accepts only client certificates of its CA. A client
    /// certificate of another CA must be reported as refused by the server, not as an unreachable host.
    /// </summary>
    public sealed class ClientCertificateRefusalTests : IDisposable
    {
        private readonly TempDirectory _dir = new TempDirectory();
        private readonly EtcdCertificateSet _cluster;
        private readonly EtcdCertificateSet _rogue;

        public ClientCertificateRefusalTests()
        {
            _cluster = PkiTestSupport.NewSet(_dir.Sub("cluster"));
            _rogue = PkiTestSupport.NewSet(_dir.Sub("rogue"));
        }

        public void Dispose() => _dir.Dispose();

        private async Task<EndpointResult<EtcdEndpointStatus>> StatusThroughStrictServer(SslProtocols protocols, string certPath, string keyPath)
        {
            using var serverCert = X509Certificate2.CreateFromPemFile(_cluster.ServerCertificatePath, _cluster.ServerKeyPath);
            using var ca = PkiTestSupport.Load(_cluster.CaCertificatePath);
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var stop = new CancellationTokenSource();
            var server = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    TcpClient tcp;
                    try { tcp = await listener.AcceptTcpClientAsync(stop.Token); }
                    catch (OperationCanceledException) { return; }
                    catch (SocketException) { return; }
                    using (tcp)
                    using (var tls = new SslStream(tcp.GetStream(), false, (_, c, _, _) => c is X509Certificate2 x && SignedBy(x, ca)))
                    {
                        try
                        {
                            await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                            {
                                ServerCertificate = serverCert, ClientCertificateRequired = true, EnabledSslProtocols = protocols,
                                // etcd offers HTTP/2 (gRPC) and HTTP/1.1 (the JSON gateway) on its client port.
                                ApplicationProtocols = new() { SslApplicationProtocol.Http2, SslApplicationProtocol.Http11 },
                            }, stop.Token);
                            _ = await tls.ReadAsync(new byte[4096], stop.Token);
                            var reply = System.Text.Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}");
                            await tls.WriteAsync(reply, stop.Token);
                            await tls.FlushAsync(stop.Token);
                        }
                        catch (Exception ex) when (ex is AuthenticationException || ex is System.IO.IOException || ex is OperationCanceledException) { }
                    }
                }
            });
            try
            {
                var client = new EtcdClient(new EtcdConnection(new[] { $"https://127.0.0.1:{port}" }, _cluster.CaCertificatePath, certPath, keyPath)
                    { Timeout = TimeSpan.FromSeconds(5) });
                return Assert.Single(client.GetStatus(client.Connection.Endpoints, CancellationToken.None));
            }
            finally
            {
                stop.Cancel();
                listener.Stop();
                await server;
            }
        }

        private static bool SignedBy(X509Certificate2 leaf, X509Certificate2 ca)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(leaf);
        }

        [Fact]
        public async Task TheClusterClientCertificateIsAccepted()
        {
            var result = await StatusThroughStrictServer(SslProtocols.Tls13, _cluster.ClientCertificatePath, _cluster.ClientKeyPath);
            // The test server answers an HTTP/1.1 {} to anything: the request went through, nothing blames the certificate.
            Assert.NotEqual("EtcdTlsClientCertificateRejected", result.Failure?.ErrorId);
            Assert.DoesNotContain("TLS", result.Failure?.Message ?? "");
        }

        [Theory]
        [InlineData(SslProtocols.Tls12)]
        [InlineData(SslProtocols.Tls13)]
        public async Task AClientCertificateOfAnotherCaIsReportedAsRefusedByTheServer(SslProtocols protocols)
        {
            var result = await StatusThroughStrictServer(protocols, _rogue.ClientCertificatePath, _rogue.ClientKeyPath);
            Assert.Equal("EtcdTlsClientCertificateRejected", result.Failure!.ErrorId);
            Assert.Equal(FailureKind.SecurityError, result.Failure.Kind);
            Assert.Contains("etcd refused the client certificate", result.Failure.Message);
            // Both CAs are named O=lab, CN=etcd-ca: the signature, not the name, tells them apart.
            Assert.Contains("is not signed by this cluster's CA", result.Failure.Message);
            Assert.Contains(_rogue.ClientCertificatePath, result.Failure.Message);
            Assert.Contains("-CertificateSet", result.Failure.Message);
            Assert.DoesNotContain("reachable", result.Failure.Message);
        }
    }
}
