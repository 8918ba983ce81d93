using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using Xunit;

namespace EtcdOps.Tests.Api
{
    public class ConnectionTests
    {
        [Fact]
        public void EndpointsAreSplitNormalizedAndDeduplicated()
        {
            var endpoints = EtcdConnection.NormalizeEndpoints(new[] { "https://10.0.0.1:2379/,10.0.0.2:2379", "HTTPS://10.0.0.1:2379", "https://[fd00::1]:2379" }, tls: true);
            Assert.Equal(new[] { "https://10.0.0.1:2379", "https://10.0.0.2:2379", "https://[fd00::1]:2379" }, endpoints);
            Assert.Equal(new[] { "http://10.0.0.2:2379" }, EtcdConnection.NormalizeEndpoints(new[] { "10.0.0.2:2379" }, tls: false));
        }

        [Theory]
        [InlineData("ftp://10.0.0.1:2379")]
        [InlineData("https://10.0.0.1:2379/v3/kv")]
        [InlineData("https://user@10.0.0.1:2379")]
        [InlineData("https://")]
        public void InvalidEndpointsAreRefused(string endpoint)
        {
            var ex = Assert.Throws<EtcdOpsException>(() => EtcdConnection.NormalizeEndpoints(new[] { endpoint }, tls: true));
            Assert.Equal("InvalidEndpoint", ex.ErrorId);
        }

        private static EtcdConnectionResolver Resolver(Dictionary<string, string> env) =>
            new EtcdConnectionResolver { Environment = n => env.TryGetValue(n, out var v) ? v : null, ResolvePath = p => "/abs/" + p.TrimStart('/') };

        private static EtcdCluster Cluster(string name, params string[] addresses)
        {
            var c = new EtcdCluster { Name = name };
            for (var i = 0; i < addresses.Length; i++) c.Members.Add(new EtcdMember("m" + i, addresses[i]));
            return c;
        }

        private static readonly Dictionary<string, string> Env = new Dictionary<string, string>
        {
            ["ETCDCTL_ENDPOINTS"] = "https://10.9.9.9:2379",
            ["ETCDCTL_CACERT"] = "env/ca.pem",
            ["ETCDCTL_CERT"] = "env/c.pem",
            ["ETCDCTL_KEY"] = "env/k.pem",
        };

        [Fact]
        public void EnvironmentIsTheLastResort()
        {
            var c = Resolver(Env).Resolve();
            Assert.Equal(new[] { "https://10.9.9.9:2379" }, c.Endpoints);
            Assert.Equal("/abs/env/ca.pem", c.CaCertificatePath);
            Assert.Equal("/abs/env/k.pem", c.ClientKeyPath);
        }

        [Fact]
        public void PipedClustersAndCertificateSetWinOverEnvironment()
        {
            var r = Resolver(Env);
            var cluster = Cluster("lab", "10.0.0.1", "10.0.0.2");
            r.Clusters.Add(cluster);
            r.Clusters.Add(cluster); // several node configs of one cluster
            r.CertificateSets.Add(new EtcdCertificateSet("/pki", new[] { "m0" }));
            r.CertificateSets.Add(new EtcdCertificateSet("/pki", new[] { "m1" }));
            var c = r.Resolve();
            Assert.Equal(new[] { "https://10.0.0.1:2379", "https://10.0.0.2:2379" }, c.Endpoints);
            Assert.EndsWith("ca.pem", c.CaCertificatePath);
            Assert.EndsWith("client-key.pem", c.ClientKeyPath);
            Assert.StartsWith(System.IO.Path.GetFullPath("/pki"), c.ClientCertificatePath);
        }

        [Fact]
        public void ExplicitParametersWinOverEverything()
        {
            var r = Resolver(Env);
            r.Clusters.Add(Cluster("lab", "10.0.0.1"));
            r.CertificateSets.Add(new EtcdCertificateSet("/pki", new string[0]));
            r.Endpoints.Add("https://10.1.1.1:2379");
            r.CaCertificatePath = "mine/ca.pem";
            var c = r.Resolve();
            Assert.Equal(new[] { "https://10.1.1.1:2379" }, c.Endpoints);
            Assert.Equal("/abs/mine/ca.pem", c.CaCertificatePath);
            Assert.Null(c.ClientCertificatePath); // explicit TLS files are taken as a group, never mixed with a set
        }

        [Fact]
        public void TwoDifferentCertificateSetsAreRefused()
        {
            var r = Resolver(Env);
            r.CertificateSets.Add(new EtcdCertificateSet("/pki-a", new string[0]));
            r.CertificateSets.Add(new EtcdCertificateSet("/pki-b", new string[0]));
            Assert.Equal("ConflictingCertificateSets", Assert.Throws<EtcdOpsException>(() => r.Resolve()).ErrorId);
        }

        [Fact]
        public void NoEndpointAnywhereIsRefused()
        {
            var ex = Assert.Throws<EtcdOpsException>(() => Resolver(new Dictionary<string, string>()).Resolve());
            Assert.Equal("NoEtcdEndpoint", ex.ErrorId);
            Assert.Contains("ETCDCTL_ENDPOINTS", ex.Message);
        }

        [Fact]
        public void HttpsWithoutCaIsRefusedRatherThanTrustingTheSystemStore()
        {
            var c = new EtcdConnection(new[] { "https://127.0.0.1:2379" }, null, null, null);
            var ex = Assert.Throws<EtcdOpsException>(() => new EtcdClient(c));
            Assert.Equal("MissingCaCertificate", ex.ErrorId);
        }

        [Fact]
        public void RefusedPortGivesAnUnreachableRow()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            var client = new EtcdClient(new EtcdConnection(new[] { $"http://127.0.0.1:{port}" }, null, null, null));
            var result = Assert.Single(client.GetStatus(client.Connection.Endpoints, CancellationToken.None));
            Assert.Equal("EtcdEndpointUnreachable", result.Failure!.ErrorId);
            Assert.Contains("connection refused", result.Row.Error);
        }

        [Fact]
        public void SilentEndpointTimesOutInsteadOfHanging()
        {
            var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start(); // accepts connections (backlog) but never answers
            try
            {
                var port = ((IPEndPoint)listener.LocalEndpoint).Port;
                var client = new EtcdClient(new EtcdConnection(new[] { $"http://127.0.0.1:{port}" }, null, null, null) { Timeout = TimeSpan.FromMilliseconds(300) });
                var result = Assert.Single(client.GetHealth(client.Connection.Endpoints, CancellationToken.None));
                Assert.False(result.Row.Health);
                Assert.Equal("EtcdEndpointTimeout", result.Failure!.ErrorId);
            }
            finally
            {
                listener.Stop();
            }
        }

        [Fact]
        public void EtcdctlEnvironmentQuotesForEachShell()
        {
            var c = new EtcdConnection(new[] { "https://10.0.0.1:2379", "https://10.0.0.2:2379" }, "/p/it's/ca.pem", "/p/c.pem", "/p/k.pem");
            Assert.Equal(new[]
            {
                "export ETCDCTL_API='3'",
                "export ETCDCTL_ENDPOINTS='https://10.0.0.1:2379,https://10.0.0.2:2379'",
                "export ETCDCTL_CACERT='/p/it'\\''s/ca.pem'",
                "export ETCDCTL_CERT='/p/c.pem'",
                "export ETCDCTL_KEY='/p/k.pem'",
            }, EtcdctlEnvironment.Render(c, EtcdShell.Bash, EtcdEnvironmentFormat.Etcdctl));
            Assert.Equal("$env:ETCDCTL_CACERT = '/p/it''s/ca.pem'", EtcdctlEnvironment.Render(c, EtcdShell.PowerShell, EtcdEnvironmentFormat.Etcdctl)[2]);
            Assert.Equal(new[]
            {
                "--datastore-endpoint='https://10.0.0.1:2379,https://10.0.0.2:2379'",
                "--datastore-cafile='/p/it'\\''s/ca.pem'",
                "--datastore-certfile='/p/c.pem'",
                "--datastore-keyfile='/p/k.pem'",
            }, EtcdctlEnvironment.Render(c, EtcdShell.Bash, EtcdEnvironmentFormat.K3s));
        }
    }
}
