using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Org.BouncyCastle.Asn1.Sec;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace EtcdOps
{
    /// <summary>Keys and PEM: the BouncyCastle side of the PKI, kept internal so no BouncyCastle type leaks out.</summary>
    internal static class PkiCrypto
    {
        private static readonly BigInteger RsaPublicExponent = BigInteger.ValueOf(65537);

        public static AsymmetricCipherKeyPair GenerateKeyPair(CertificateKeyAlgorithm algorithm, SecureRandom random)
        {
            switch (algorithm)
            {
                case CertificateKeyAlgorithm.EcdsaP256: return GenerateEc(SecObjectIdentifiers.SecP256r1, random);
                case CertificateKeyAlgorithm.EcdsaP384: return GenerateEc(SecObjectIdentifiers.SecP384r1, random);
                case CertificateKeyAlgorithm.Rsa2048: return GenerateRsa(2048, random);
                case CertificateKeyAlgorithm.Rsa3072: return GenerateRsa(3072, random);
                case CertificateKeyAlgorithm.Rsa4096: return GenerateRsa(4096, random);
                default: throw new ArgumentOutOfRangeException(nameof(algorithm), algorithm, null);
            }
        }

        private static AsymmetricCipherKeyPair GenerateEc(Org.BouncyCastle.Asn1.DerObjectIdentifier curve, SecureRandom random)
        {
            var generator = new ECKeyPairGenerator("EC");
            generator.Init(new ECKeyGenerationParameters(curve, random));
            return generator.GenerateKeyPair();
        }

        /// <summary>
        /// RSA keys come from the platform (OpenSSL, CNG) when it can make them: its prime search is many times faster
        /// than BouncyCastle's, and RSA key generation is nearly all the cost of an RSA set.
        /// </summary>
        private static AsymmetricCipherKeyPair GenerateRsa(int bits, SecureRandom random)
        {
            var native = GenerateRsaNative(bits);
            if (native != null) return native;
            var generator = new RsaKeyPairGenerator();
            generator.Init(new RsaKeyGenerationParameters(RsaPublicExponent, random, bits, 100));
            return generator.GenerateKeyPair();
        }

        private static AsymmetricCipherKeyPair? GenerateRsaNative(int bits)
        {
            System.Security.Cryptography.RSAParameters p;
            try
            {
                using (var rsa = System.Security.Cryptography.RSA.Create())
                {
                    rsa.KeySize = bits;
                    p = rsa.ExportParameters(true);
                }
                // .NET Framework's default RSA ignores KeySize after creation; the CSP takes it in its constructor.
                if (p.Modulus == null || p.Modulus.Length * 8 != bits)
                {
                    using (var csp = new System.Security.Cryptography.RSACryptoServiceProvider(bits))
                    {
                        try { p = csp.ExportParameters(true); }
                        finally { csp.PersistKeyInCsp = false; }
                    }
                }
            }
            catch (Exception ex) when (ex is System.Security.Cryptography.CryptographicException || ex is PlatformNotSupportedException)
            {
                return null;
            }
            if (p.Modulus == null || p.Modulus.Length * 8 != bits || p.D == null || p.P == null || p.Q == null || p.DP == null || p.DQ == null || p.InverseQ == null || p.Exponent == null)
                return null;
            BigInteger Positive(byte[] bytes) => new BigInteger(1, bytes);
            var publicKey = new RsaKeyParameters(false, Positive(p.Modulus), Positive(p.Exponent));
            var privateKey = new RsaPrivateCrtKeyParameters(Positive(p.Modulus), Positive(p.Exponent), Positive(p.D),
                Positive(p.P), Positive(p.Q), Positive(p.DP), Positive(p.DQ), Positive(p.InverseQ));
            Array.Clear(p.D, 0, p.D.Length);
            Array.Clear(p.P, 0, p.P.Length);
            Array.Clear(p.Q, 0, p.Q.Length);
            Array.Clear(p.DP, 0, p.DP.Length);
            Array.Clear(p.DQ, 0, p.DQ.Length);
            Array.Clear(p.InverseQ, 0, p.InverseQ.Length);
            return new AsymmetricCipherKeyPair(publicKey, privateKey);
        }

        /// <summary>The signature algorithm a CA key signs with: SHA-384 for P-384, SHA-256 otherwise (what Go and cfssl pick).</summary>
        public static string SignatureAlgorithm(AsymmetricKeyParameter signingKey)
        {
            if (signingKey is ECKeyParameters ec)
                return ec.Parameters.Curve.FieldSize > 256 ? "SHA384WITHECDSA" : "SHA256WITHECDSA";
            if (signingKey is RsaKeyParameters) return "SHA256WITHRSA";
            throw new EtcdOpsException(ErrorIds.UnsupportedCaKey, FailureKind.InvalidData,
                $"The CA key is a {signingKey.GetType().Name}; EtcdOps signs with RSA or ECDSA CA keys only. Use a CA made with New-EtcdCertificateSet or cfssl.");
        }

        /// <summary>Names a public key the way the -KeyAlgorithm parameter does: EcdsaP256, Rsa2048, ...</summary>
        public static string Describe(AsymmetricKeyParameter publicKey)
        {
            switch (publicKey)
            {
                case RsaKeyParameters rsa: return "Rsa" + rsa.Modulus.BitLength.ToString(System.Globalization.CultureInfo.InvariantCulture);
                case ECPublicKeyParameters ec:
                    var name = ec.PublicKeyParamSet != null ? ECNamedCurveTable.GetName(ec.PublicKeyParamSet) : null;
                    switch (name)
                    {
                        case "secp256r1": case "P-256": case "prime256v1": return "EcdsaP256";
                        case "secp384r1": case "P-384": return "EcdsaP384";
                        case "secp521r1": case "P-521": return "EcdsaP521";
                        default: return "Ecdsa" + (name ?? ec.Parameters.Curve.FieldSize.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    }
                case Ed25519PublicKeyParameters _: return "Ed25519";
                default: return publicKey.GetType().Name.Replace("PublicKeyParameters", "");
            }
        }

        /// <summary>True when the private key belongs to the public key (Go: "tls: private key does not match public key" otherwise).</summary>
        public static bool KeyMatches(AsymmetricKeyParameter privateKey, AsymmetricKeyParameter publicKey)
        {
            switch (privateKey)
            {
                case RsaPrivateCrtKeyParameters rsa when publicKey is RsaKeyParameters pub:
                    return rsa.Modulus.Equals(pub.Modulus) && rsa.PublicExponent.Equals(pub.Exponent);
                case RsaKeyParameters rsa when publicKey is RsaKeyParameters pub:
                    return rsa.Modulus.Equals(pub.Modulus);
                case ECPrivateKeyParameters ec when publicKey is ECPublicKeyParameters pub:
                    var q = ec.Parameters.G.Multiply(ec.D).Normalize();
                    return ec.Parameters.Curve.Equals(pub.Parameters.Curve) && q.Equals(pub.Q.Normalize());
                case Ed25519PrivateKeyParameters ed when publicKey is Ed25519PublicKeyParameters pub:
                    return Org.BouncyCastle.Utilities.Arrays.AreEqual(ed.GeneratePublicKey().GetEncoded(), pub.GetEncoded());
                default:
                    return false;
            }
        }

        /// <summary>Unencrypted PKCS#8 ("PRIVATE KEY"): what Go's tls.X509KeyPair, openssl and every etcd release read.</summary>
        public static string ToPkcs8Pem(AsymmetricKeyParameter privateKey) =>
            ToPem("PRIVATE KEY", PrivateKeyInfoFactory.CreatePrivateKeyInfo(privateKey).GetEncoded());

        public static string ToPem(X509Certificate certificate) => ToPem("CERTIFICATE", certificate.GetEncoded());

        private static string ToPem(string label, byte[] der)
        {
            var base64 = Convert.ToBase64String(der);
            var text = new StringBuilder(base64.Length + base64.Length / 64 + 64);
            text.Append("-----BEGIN ").Append(label).Append("-----\n");
            for (var i = 0; i < base64.Length; i += 64)
                text.Append(base64, i, Math.Min(64, base64.Length - i)).Append('\n');
            text.Append("-----END ").Append(label).Append("-----\n");
            return text.ToString();
        }

        /// <summary>Every certificate in a PEM (or DER) file, in file order.</summary>
        public static IReadOnlyList<X509Certificate> ReadCertificates(string path)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new EtcdOpsException(ErrorIds.CertificateUnreadable, FailureKind.ObjectNotFound,
                    $"Cannot read certificate file '{path}': {ex.Message}", path, ex);
            }
            return ParseCertificates(bytes, path);
        }

        /// <summary>Every certificate in PEM (or DER) bytes read from <paramref name="path"/> (named in errors), in order.</summary>
        public static IReadOnlyList<X509Certificate> ParseCertificates(byte[] bytes, string path)
        {
            List<X509Certificate> certificates;
            try
            {
                certificates = new List<X509Certificate>(new X509CertificateParser().ReadCertificates(bytes));
            }
            catch (Exception ex) when (!(ex is EtcdOpsException))
            {
                throw new EtcdOpsException(ErrorIds.InvalidCertificateFile, FailureKind.InvalidData,
                    $"'{path}' is not a valid PEM certificate file ({ex.Message}). Check that it holds '-----BEGIN CERTIFICATE-----' blocks.", path, ex);
            }
            if (certificates.Count == 0)
                throw new EtcdOpsException(ErrorIds.InvalidCertificateFile, FailureKind.InvalidData,
                    $"'{path}' holds no certificate. Check that it holds a '-----BEGIN CERTIFICATE-----' block.", path);
            return certificates;
        }

        /// <summary>Reads an unencrypted private key: PKCS#8, PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY").</summary>
        public static AsymmetricKeyParameter ReadPrivateKey(string path)
        {
            string text;
            try { text = File.ReadAllText(path); }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new EtcdOpsException(ErrorIds.KeyUnreadable, FailureKind.ObjectNotFound,
                    $"Cannot read key file '{path}': {ex.Message}", path, ex);
            }
            if (text.IndexOf("ENCRYPTED", StringComparison.Ordinal) >= 0)
                throw new EtcdOpsException(ErrorIds.EncryptedKey, FailureKind.InvalidData,
                    $"'{path}' is encrypted; etcd cannot read encrypted keys. Decrypt it: openssl pkey -in '{path}' -out plain-key.pem (then chmod 600).", path);
            object? parsed;
            try
            {
                using (var reader = new StringReader(text))
                    parsed = new Org.BouncyCastle.OpenSsl.PemReader(reader).ReadObject();
            }
            catch (Exception ex)
            {
                throw new EtcdOpsException(ErrorIds.InvalidKeyFile, FailureKind.InvalidData,
                    $"'{path}' is not a valid PEM private key ({ex.Message}).", path, ex);
            }
            switch (parsed)
            {
                case AsymmetricCipherKeyPair pair: return pair.Private;
                case AsymmetricKeyParameter key when key.IsPrivate: return key;
                default:
                    throw new EtcdOpsException(ErrorIds.InvalidKeyFile, FailureKind.InvalidData,
                        $"'{path}' holds no private key. Give the file with '-----BEGIN PRIVATE KEY-----' (or RSA/EC PRIVATE KEY).", path);
            }
        }
    }
}
