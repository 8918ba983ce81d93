using System;
using System.IO;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Xunit;

namespace EtcdOps.Tests.Api
{
    public sealed class TlsTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("etcdops-tls-").FullName;

        public void Dispose() => Directory.Delete(_dir, recursive: true);

        private static X509Certificate2 NewCa(string name, bool rsa = false)
        {
            using AsymmetricAlgorithm key = rsa ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = key is RSA r
                ? new CertificateRequest($"CN={name}", r, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest($"CN={name}", (ECDsa)key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
            request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
            return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-90), DateTimeOffset.UtcNow.AddYears(1));
        }

        private static X509Certificate2 NewLeaf(X509Certificate2 ca, string eku, DateTimeOffset? notAfter = null, bool withSan = true)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest("CN=etcd-server", key, HashAlgorithmName.SHA256);
            request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid(eku) }, false));
            if (withSan)
            {
                var san = new SubjectAlternativeNameBuilder();
                san.AddIpAddress(IPAddress.Parse("127.0.5.1"));
                san.AddDnsName("*.etcd.example");
                san.AddDnsName("localhost");
                request.CertificateExtensions.Add(san.Build());
            }
            var serial = new byte[8];
            RandomNumberGenerator.Fill(serial);
            var end = notAfter ?? DateTimeOffset.UtcNow.AddDays(30);
            return request.Create(ca, end.AddDays(-30), end, serial).CopyWithPrivateKey(key);
        }

        private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
        private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

        private static ServerCertificateValidator Validator(X509Certificate2 ca) => new ServerCertificateValidator(new() { ca }, "ca.pem");

        [Theory]
        [InlineData("127.0.5.1")]
        [InlineData("localhost")]
        [InlineData("m1.etcd.example")]
        public void AcceptsALeafOfTheGivenCaForAListedName(string host)
        {
            var ca = NewCa("etcd-ca");
            Assert.Null(Validator(ca).Validate(NewLeaf(ca, ServerAuth), null, host));
        }

        [Theory]
        [InlineData("127.0.5.2")]
        [InlineData("a.b.etcd.example")] // a wildcard covers one label only
        [InlineData("etcd.example")]
        public void RefusesANameTheCertificateDoesNotList(string host)
        {
            var ca = NewCa("etcd-ca");
            var reason = Validator(ca).Validate(NewLeaf(ca, ServerAuth), null, host);
            Assert.Contains($"not valid for '{host}'", reason);
            Assert.Contains("127.0.5.1", reason);
        }

        [Fact]
        public void RefusesALeafOfAnotherCa()
        {
            var ca = NewCa("etcd-ca");
            var other = NewCa("other-ca");
            var reason = Validator(other).Validate(NewLeaf(ca, ServerAuth), null, "127.0.5.1");
            Assert.Contains("was not issued by the CA in 'ca.pem'", reason);
            Assert.Contains("CN=other-ca", reason);
        }

        [Fact]
        public void RefusesAnExpiredLeaf()
        {
            var ca = NewCa("etcd-ca");
            var reason = Validator(ca).Validate(NewLeaf(ca, ServerAuth, DateTimeOffset.UtcNow.AddHours(-1)), null, "127.0.5.1");
            Assert.Contains("expired or not yet valid", reason);
        }

        [Fact]
        public void RefusesALeafWithoutServerAuth()
        {
            var ca = NewCa("etcd-ca");
            var reason = Validator(ca).Validate(NewLeaf(ca, ClientAuth), null, "127.0.5.1");
            Assert.Contains("server authentication", reason);
        }

        [Fact]
        public void RefusesALeafWithoutSubjectAlternativeNames()
        {
            var ca = NewCa("etcd-ca");
            var reason = Validator(ca).Validate(NewLeaf(ca, ServerAuth, withSan: false), null, "127.0.5.1");
            Assert.Contains("no subject alternative names", reason);
        }

        private string WritePem(string name, string label, byte[] der)
        {
            var path = Path.Combine(_dir, name);
            File.WriteAllText(path, PemEncoding.WriteString(label, der) + "\n");
            return path;
        }

        [Theory]
        [InlineData("rsa-pkcs1")]
        [InlineData("rsa-pkcs8")]
        [InlineData("ec-sec1")]
        [InlineData("ec-pkcs8")]
        public void LoadsClientCertificateWithEveryKeyFormat(string format)
        {
            var ca = NewCa("etcd-ca", rsa: format.StartsWith("rsa"));
            AsymmetricAlgorithm key = format.StartsWith("rsa") ? RSA.Create(2048) : ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = key is RSA rsa
                ? new CertificateRequest("CN=client", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)
                : new CertificateRequest("CN=client", (ECDsa)key, HashAlgorithmName.SHA256);
            var cert = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1), new byte[] { 1, 2, 3 });
            var certPath = WritePem("client.pem", "CERTIFICATE", cert.RawData);
            var keyPath = format switch
            {
                "rsa-pkcs1" => WritePem("client-key.pem", "RSA PRIVATE KEY", ((RSA)key).ExportRSAPrivateKey()),
                "ec-sec1" => WritePem("client-key.pem", "EC PRIVATE KEY", ((ECDsa)key).ExportECPrivateKey()),
                _ => WritePem("client-key.pem", "PRIVATE KEY", key.ExportPkcs8PrivateKey()),
            };

            using var loaded = PemCredentials.LoadClientCertificate(certPath, keyPath);
            Assert.True(loaded.HasPrivateKey);
            Assert.Equal(cert.Thumbprint, loaded.Thumbprint);
            // The loaded key signs what the certificate's public key verifies.
            var data = new byte[] { 1, 2, 3, 4 };
            if (key is RSA)
                Assert.True(cert.GetRSAPublicKey()!.VerifyData(data, loaded.GetRSAPrivateKey()!.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1));
            else
                Assert.True(cert.GetECDsaPublicKey()!.VerifyData(data, loaded.GetECDsaPrivateKey()!.SignData(data, HashAlgorithmName.SHA256), HashAlgorithmName.SHA256));
        }

        [Fact]
        public void RefusesAKeyThatBelongsToAnotherCertificate()
        {
            var ca = NewCa("etcd-ca");
            using var other = RSA.Create(2048);
            var certPath = WritePem("ca.pem", "CERTIFICATE", ca.RawData);
            var keyPath = WritePem("wrong-key.pem", "RSA PRIVATE KEY", other.ExportRSAPrivateKey());
            var ex = Assert.Throws<EtcdOpsException>(() => PemCredentials.LoadClientCertificate(certPath, keyPath));
            Assert.Equal("ClientKeyMismatch", ex.ErrorId);
        }

        [Fact]
        public void RefusesEncryptedAndMissingFiles()
        {
            var ca = NewCa("etcd-ca");
            var certPath = WritePem("ca.pem", "CERTIFICATE", ca.RawData);
            using var key = RSA.Create(2048);
            var encrypted = WritePem("enc-key.pem", "ENCRYPTED PRIVATE KEY",
                key.ExportEncryptedPkcs8PrivateKey("pw", new PbeParameters(PbeEncryptionAlgorithm.Aes128Cbc, HashAlgorithmName.SHA256, 1000)));
            // The same IDs as the PKI's own checks of the same files (one PEM reader), in the connection's words.
            var encryptedKey = Assert.Throws<EtcdOpsException>(() => PemCredentials.LoadClientCertificate(certPath, encrypted));
            Assert.Equal(ErrorIds.EncryptedKey, encryptedKey.ErrorId);
            Assert.Contains("The client key file for the connection", encryptedKey.Message);
            Assert.Equal(ErrorIds.EncryptedKey, Assert.Throws<EtcdOpsException>(() => PkiCrypto.ReadPrivateKey(encrypted)).ErrorId);
            Assert.Equal(ErrorIds.CertificateUnreadable, Assert.Throws<EtcdOpsException>(() => PemCredentials.LoadCertificates(Path.Combine(_dir, "none.pem"), "CA certificate")).ErrorId);
            Assert.Equal(ErrorIds.InvalidCertificateFile, Assert.Throws<EtcdOpsException>(() => PemCredentials.LoadCertificates(encrypted, "CA certificate")).ErrorId);
        }

        [Fact]
        public void ReadsEveryCertificateOfABundle()
        {
            var a = NewCa("a");
            var b = NewCa("b");
            var path = Path.Combine(_dir, "bundle.pem");
            File.WriteAllText(path, PemEncoding.WriteString("CERTIFICATE", a.RawData) + "\n" + PemEncoding.WriteString("CERTIFICATE", b.RawData) + "\n");
            Assert.Equal(2, PemCredentials.LoadCertificates(path, "CA certificate").Count);
        }
    }
}
