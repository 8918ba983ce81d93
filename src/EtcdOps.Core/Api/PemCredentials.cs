using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Asn1.Pkcs;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.OpenSsl;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using X509Certificate = Org.BouncyCastle.X509.X509Certificate;

namespace EtcdOps.Api
{
    /// <summary>
    /// Reads the PEM files etcdctl takes (--cacert, --cert, --key) into .NET certificates. netstandard2.0 cannot
    /// read PEM keys, so BouncyCastle parses the key (RSA or EC; PKCS#1, SEC1 or PKCS#8) and an in-memory
    /// PKCS#12 carries certificate and key into an <see cref="X509Certificate2"/>. Nothing touches the disk.
    /// </summary>
    internal static class PemCredentials
    {
        /// <summary>Every certificate in a PEM (or DER) file: a CA file may hold a bundle.</summary>
        public static List<X509Certificate2> LoadCertificates(string path, string what)
        {
            var bytes = ReadFile(path, what);
            var result = new List<X509Certificate2>();
            try
            {
                var text = Encoding.ASCII.GetString(bytes);
                if (text.Contains("-----BEGIN"))
                {
                    using var reader = new PemReader(new StringReader(text));
                    object item;
                    while ((item = reader.ReadObject()) != null)
                        if (item is X509Certificate bc) result.Add(new X509Certificate2(bc.GetEncoded()));
                }
                else
                {
                    result.Add(new X509Certificate2(bytes));
                }
            }
            catch (Exception ex) when (!(ex is EtcdOpsException))
            {
                throw Invalid(path, what, $"it cannot be read as a PEM certificate ({ex.Message})", ex);
            }
            if (result.Count == 0) throw Invalid(path, what, "it holds no CERTIFICATE block", null);
            return result;
        }

        /// <summary>The client certificate with its private key, ready for a TLS handshake.</summary>
        public static X509Certificate2 LoadClientCertificate(string certPath, string keyPath)
        {
            var certificates = ReadBouncyCertificates(certPath);
            var key = ReadPrivateKey(keyPath);
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
            RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? (X509KeyStorageFlags)32 /* EphemeralKeySet, absent from netstandard2.0 */ : X509KeyStorageFlags.DefaultKeySet;

        private static List<X509Certificate> ReadBouncyCertificates(string path)
        {
            var bytes = ReadFile(path, "client certificate");
            var result = new List<X509Certificate>();
            try
            {
                using var reader = new PemReader(new StringReader(Encoding.ASCII.GetString(bytes)));
                object item;
                while ((item = reader.ReadObject()) != null)
                    if (item is X509Certificate bc) result.Add(bc);
            }
            catch (Exception ex)
            {
                throw Invalid(path, "client certificate", $"it cannot be read as a PEM certificate ({ex.Message})", ex);
            }
            if (result.Count == 0) throw Invalid(path, "client certificate", "it holds no CERTIFICATE block", null);
            return result;
        }

        private static AsymmetricKeyParameter ReadPrivateKey(string path)
        {
            var text = Encoding.ASCII.GetString(ReadFile(path, "client key"));
            if (text.Contains("ENCRYPTED"))
                throw Invalid(path, "client key", "it is encrypted; etcdctl and etcd need an unencrypted key file (keep it mode 0600 instead)", null);
            object? item;
            try
            {
                using var reader = new PemReader(new StringReader(text));
                do item = reader.ReadObject();
                while (item != null && !(item is AsymmetricCipherKeyPair) && !(item is AsymmetricKeyParameter));
            }
            catch (Exception ex)
            {
                throw Invalid(path, "client key", $"it cannot be read as a PEM private key ({ex.Message})", ex);
            }
            var key = item is AsymmetricCipherKeyPair pair ? pair.Private : item as AsymmetricKeyParameter;
            if (key == null || !key.IsPrivate)
                throw Invalid(path, "client key", "it holds no RSA or EC PRIVATE KEY block", null);
            return key;
        }

        // The comparison itself is the PKI's; a client key must also be of a kind etcd's clients use.
        private static bool KeyMatches(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey) =>
            privateKey is RsaPrivateCrtKeyParameters || privateKey is ECPrivateKeyParameters
                ? PkiCrypto.KeyMatches(privateKey, publicKey)
                : throw new EtcdOpsException(ErrorIds.UnsupportedClientKey, FailureKind.InvalidArgument,
                    $"The client key is a {privateKey.GetType().Name}; use an RSA or EC key, as etcd does.", null);

        private static byte[] ReadFile(string path, string what)
        {
            try
            {
                return File.ReadAllBytes(path);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                var reason = ex is FileNotFoundException || ex is DirectoryNotFoundException ? "it does not exist" : ex.Message;
                throw new EtcdOpsException(ErrorIds.TlsFileNotReadable, FailureKind.ObjectNotFound,
                    $"Cannot read the {what} file '{path}': {reason}. Check the path (etcdctl's --cacert, --cert and --key take the same files).", path, ex);
            }
        }

        private static EtcdOpsException Invalid(string path, string what, string reason, Exception? inner) =>
            new EtcdOpsException(ErrorIds.InvalidTlsFile, FailureKind.InvalidData, $"The {what} file '{path}' is not usable: {reason}.", path, inner);
    }
}
