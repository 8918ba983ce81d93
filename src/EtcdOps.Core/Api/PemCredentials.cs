using System;
using System.Collections.Generic;
using System.Linq;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;

namespace EtcdOps.Api
{
    /// <summary>
    /// The PEM files etcdctl takes (--cacert, --cert, --key) as .NET certificates for a TLS handshake. The files are
    /// read by the PKI's one PEM reader (<see cref="PkiCrypto"/>: the same faults give the same error IDs everywhere);
    /// netstandard2.0 cannot build a certificate with a PEM key, so an in-memory PKCS#12 carries certificate and key
    /// into an <see cref="X509Certificate2"/>. Nothing touches the disk.
    /// </summary>
    internal static class PemCredentials
    {
        /// <summary>Every certificate in a PEM (or DER) file: a CA file may hold a bundle.</summary>
        public static List<X509Certificate2> LoadCertificates(string path, string what) =>
            Read(path, what, () => PkiCrypto.ReadCertificates(path)).Select(c => new X509Certificate2(c.GetEncoded())).ToList();

        /// <summary>The client certificate with its private key, ready for a TLS handshake.</summary>
        public static X509Certificate2 LoadClientCertificate(string certPath, string keyPath)
        {
            var certificates = Read(certPath, "client certificate", () => PkiCrypto.ReadCertificates(certPath));
            var key = Read(keyPath, "client key", () => PkiCrypto.ReadPrivateKey(keyPath));
            if (!KeyMatches(key, certificates[0].GetPublicKey()))
                throw new EtcdOpsException(ErrorIds.ClientKeyMismatch, FailureKind.InvalidArgument,
                    $"The key in '{keyPath}' does not belong to the certificate in '{certPath}'. Give the key file that was issued with this certificate (etcdctl --cert/--key pair).",
                    keyPath);

            var store = new Pkcs12StoreBuilder()
                .SetKeyAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
                .SetCertAlgorithm(PkcsObjectIdentifiers.PbeWithShaAnd3KeyTripleDesCbc)
                .Build();
            var chain = new X509CertificateEntry[certificates.Count];
            for (var i = 0; i < certificates.Count; i++) chain[i] = new X509CertificateEntry(certificates[i]);
            store.SetKeyEntry("client", new AsymmetricKeyEntry(key), chain);

            // The PKCS#12 lives only in memory; its password only protects that transient buffer.
            var password = Guid.NewGuid().ToString("N");
            using var buffer = new MemoryStream();
            store.Save(buffer, password.ToCharArray(), new SecureRandom());
            var pfx = buffer.ToArray();
            try
            {
                return new X509Certificate2(pfx, password, KeyStorageFlags());
            }
            finally
            {
                Array.Clear(pfx, 0, pfx.Length);
            }
        }

        // Linux: the key stays in memory. Windows' TLS stack (SChannel) cannot use an ephemeral key for client
        // authentication and macOS does not support ephemeral keys, so there the default (temporary) key set is used.
        private static X509KeyStorageFlags KeyStorageFlags() =>
#if NET
            OperatingSystem.IsLinux() ? X509KeyStorageFlags.EphemeralKeySet : X509KeyStorageFlags.DefaultKeySet;
#else
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? (X509KeyStorageFlags)32 /* EphemeralKeySet, absent from netstandard2.0 */ : X509KeyStorageFlags.DefaultKeySet;
#endif

        /// <summary>The PKI reader's failure, with the same ID, said in the words of the connection (which file, etcdctl's flag).</summary>
        private static T Read<T>(string path, string what, Func<T> read)
        {
            try
            {
                return read();
            }
            catch (EtcdOpsException ex)
            {
                throw new EtcdOpsException(ex.ErrorId, ex.Kind,
                    $"The {what} file for the connection is not usable: {ex.Message} (etcdctl's --cacert, --cert and --key take the same files.)", path, ex);
            }
        }

        // The comparison itself is the PKI's; a client key must also be of a kind etcd's clients use.
        private static bool KeyMatches(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey) =>
            privateKey is RsaPrivateCrtKeyParameters || privateKey is ECPrivateKeyParameters
                ? PkiCrypto.KeyMatches(privateKey, publicKey)
                : throw new EtcdOpsException(ErrorIds.UnsupportedClientKey, FailureKind.InvalidArgument,
                    $"The client key is a {privateKey.GetType().Name}; use an RSA or EC key, as etcd does.", null);
    }
}
