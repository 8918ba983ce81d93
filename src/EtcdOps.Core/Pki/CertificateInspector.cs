using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;
using Org.BouncyCastle.X509.Extension;

namespace EtcdOps.Pki
{
    /// <summary>Turns certificates into <see cref="EtcdCertificateInfo"/> and answers the questions the checks ask.</summary>
    internal static class CertificateInspector
    {
        private static readonly string[] KeyUsageNames =
        {
            "DigitalSignature", "NonRepudiation", "KeyEncipherment", "DataEncipherment",
            "KeyAgreement", "KeyCertSign", "CrlSign", "EncipherOnly", "DecipherOnly",
        };

        private static readonly Dictionary<string, string> PurposeNames = new Dictionary<string, string>
        {
            [KeyPurposeID.id_kp_serverAuth.Id] = "ServerAuth",
            [KeyPurposeID.id_kp_clientAuth.Id] = "ClientAuth",
            [KeyPurposeID.id_kp_codeSigning.Id] = "CodeSigning",
            [KeyPurposeID.id_kp_emailProtection.Id] = "EmailProtection",
            [KeyPurposeID.id_kp_timeStamping.Id] = "TimeStamping",
            [KeyPurposeID.id_kp_OCSPSigning.Id] = "OcspSigning",
            [KeyPurposeID.AnyExtendedKeyUsage.Id] = "Any",
        };

        public static EtcdCertificateInfo Describe(X509Certificate certificate, string path, CertificateRole role, DateTime nowUtc)
        {
            var dns = new List<string>();
            var ips = new List<string>();
            var sans = new List<string>();
            foreach (var name in SubjectAlternativeNames(certificate))
            {
                if (name.TagNo == GeneralName.DnsName)
                {
                    var value = DerIA5String.GetInstance(name.Name).GetString();
                    dns.Add(value);
                    sans.Add("DNS:" + value);
                }
                else if (name.TagNo == GeneralName.IPAddress)
                {
                    var bytes = Asn1OctetString.GetInstance(name.Name).GetOctets();
                    var value = bytes.Length == 4 || bytes.Length == 16 ? new IPAddress(bytes).ToString() : BitConverter.ToString(bytes);
                    ips.Add(value);
                    sans.Add("IP:" + value);
                }
                else if (name.TagNo == GeneralName.UniformResourceIdentifier)
                    sans.Add("URI:" + DerIA5String.GetInstance(name.Name).GetString());
                else if (name.TagNo == GeneralName.Rfc822Name)
                    sans.Add("email:" + DerIA5String.GetInstance(name.Name).GetString());
            }
            var usage = certificate.GetKeyUsage();
            var notAfter = certificate.NotAfter.ToUniversalTime();
            return new EtcdCertificateInfo
            {
                Role = role.ToString(),
                Name = BaseName(path),
                Path = path,
                Subject = certificate.SubjectDN.ToString(),
                Issuer = certificate.IssuerDN.ToString(),
                SerialNumber = certificate.SerialNumber.ToString(16).ToUpperInvariant(),
                SANs = sans,
                DnsNames = dns,
                IPAddresses = ips,
                EKUs = ExtendedKeyUsages(certificate).Select(PurposeName).ToList(),
                KeyUsages = usage == null ? new List<string>() : KeyUsageNames.Where((_, i) => i < usage.Length && usage[i]).ToList(),
                IsCertificateAuthority = IsCa(certificate),
                KeyAlgorithm = PkiCrypto.Describe(certificate.GetPublicKey()),
                SignatureAlgorithm = certificate.SigAlgName,
                NotBefore = certificate.NotBefore.ToUniversalTime().ToLocalTime(),
                NotAfter = notAfter.ToLocalTime(),
                DaysLeft = (int)Math.Floor((notAfter - nowUtc).TotalDays),
                Thumbprint = Hex(DigestUtilities.CalculateDigest("SHA-1", certificate.GetEncoded())),
                SubjectKeyId = KeyId(certificate, X509Extensions.SubjectKeyIdentifier),
                AuthorityKeyId = KeyId(certificate, X509Extensions.AuthorityKeyIdentifier),
            };
        }

        /// <summary>The role a file plays: by its name in the set layout, otherwise by what the certificate allows.</summary>
        public static CertificateRole RoleOf(string path, X509Certificate certificate, string clientName = EtcdCertificateSet.DefaultClientName)
        {
            var name = BaseName(path);
            if (string.Equals(name, "ca", StringComparison.OrdinalIgnoreCase)) return CertificateRole.CA;
            if (string.Equals(name, "server", StringComparison.OrdinalIgnoreCase)) return CertificateRole.Server;
            if (string.Equals(name, clientName, StringComparison.OrdinalIgnoreCase)) return CertificateRole.Client;
            return RoleByContent(certificate);
        }

        public static CertificateRole RoleByContent(X509Certificate certificate)
        {
            if (IsCa(certificate)) return CertificateRole.CA;
            var purposes = ExtendedKeyUsages(certificate);
            if (purposes.Contains(KeyPurposeID.id_kp_serverAuth.Id)) return CertificateRole.Peer;
            if (purposes.Contains(KeyPurposeID.id_kp_clientAuth.Id)) return CertificateRole.Client;
            return CertificateRole.Other;
        }

        public static bool IsCa(X509Certificate certificate)
        {
            var value = certificate.GetExtensionValue(X509Extensions.BasicConstraints);
            return value != null && BasicConstraints.GetInstance(X509ExtensionUtilities.FromExtensionValue(value)).IsCA();
        }

        public static bool IsBasicConstraintsCritical(X509Certificate certificate) =>
            certificate.CertificateStructure.TbsCertificate.Extensions?.GetExtension(X509Extensions.BasicConstraints)?.IsCritical == true;

        /// <summary>EKU OIDs; empty when the extension is absent (Go then allows any usage).</summary>
        public static IReadOnlyList<string> ExtendedKeyUsages(X509Certificate certificate)
        {
            var value = certificate.GetExtensionValue(X509Extensions.ExtendedKeyUsage);
            if (value == null) return Array.Empty<string>();
            return ExtendedKeyUsage.GetInstance(X509ExtensionUtilities.FromExtensionValue(value))
                .GetAllUsages().Select(u => u.Id).ToList();
        }

        public static IEnumerable<GeneralName> SubjectAlternativeNames(X509Certificate certificate)
        {
            var value = certificate.GetExtensionValue(X509Extensions.SubjectAlternativeName);
            if (value == null) return Enumerable.Empty<GeneralName>();
            return GeneralNames.GetInstance(X509ExtensionUtilities.FromExtensionValue(value)).GetNames();
        }

        public static string PurposeName(string oid) => PurposeNames.TryGetValue(oid, out var name) ? name : oid;

        public static string BaseName(string path)
        {
            var name = System.IO.Path.GetFileName(path);
            foreach (var extension in new[] { ".pem", ".crt", ".cer" })
                if (name.EndsWith(extension, StringComparison.OrdinalIgnoreCase)) return name.Substring(0, name.Length - extension.Length);
            return name;
        }

        private static string? KeyId(X509Certificate certificate, DerObjectIdentifier oid)
        {
            var value = certificate.GetExtensionValue(oid);
            if (value == null) return null;
            var parsed = X509ExtensionUtilities.FromExtensionValue(value);
            var id = oid.Equals(X509Extensions.SubjectKeyIdentifier)
                ? SubjectKeyIdentifier.GetInstance(parsed).GetKeyIdentifier()
                : AuthorityKeyIdentifier.GetInstance(parsed).KeyIdentifier?.GetOctets();
            return id == null ? null : Hex(id);
        }

        public static string Hex(byte[] bytes) => BitConverter.ToString(bytes).Replace("-", "");
    }
}
