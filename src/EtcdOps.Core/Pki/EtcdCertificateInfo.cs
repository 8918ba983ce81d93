using System;
using System.Collections.Generic;

namespace EtcdOps
{
    /// <summary>What an operator checks on a certificate (openssl x509 -text, condensed). Never holds key material.</summary>
    public sealed class EtcdCertificateInfo
    {
        /// <summary>The certificate's role by name (<see cref="CertificateRole"/>): Ca, Server, Peer, Client, Other.</summary>
        public string Role { get; set; } = nameof(CertificateRole.Other);

        /// <summary>The file's base name: <c>ca</c>, <c>server</c>, a member name, <c>client</c>.</summary>
        public string Name { get; set; } = "";

        public string Path { get; set; } = "";

        public string Subject { get; set; } = "";

        public string Issuer { get; set; } = "";

        /// <summary>Serial number in hex, as openssl prints it.</summary>
        public string SerialNumber { get; set; } = "";

        /// <summary>Subject alternative names as openssl prints them: <c>DNS:localhost</c>, <c>IP:127.0.0.1</c>.</summary>
        public EtcdList<string> SANs { get; set; } = new EtcdList<string>();

        public EtcdList<string> DnsNames { get; set; } = new EtcdList<string>();

        public EtcdList<string> IPAddresses { get; set; } = new EtcdList<string>();

        /// <summary>Extended key usages: <c>ServerAuth</c>, <c>ClientAuth</c>, other purposes by name or OID. Empty when the certificate has none.</summary>
        public EtcdList<string> EKUs { get; set; } = new EtcdList<string>();

        /// <summary>Key usages: <c>DigitalSignature</c>, <c>KeyEncipherment</c>, <c>KeyCertSign</c>, ...</summary>
        public EtcdList<string> KeyUsages { get; set; } = new EtcdList<string>();

        /// <summary>basicConstraints CA:true.</summary>
        public bool IsCertificateAuthority { get; set; }

        /// <summary>Key type and size in the names New-EtcdCertificateSet takes: <c>EcdsaP256</c>, <c>Rsa2048</c>, ...</summary>
        public string KeyAlgorithm { get; set; } = "";

        public string SignatureAlgorithm { get; set; } = "";

        /// <summary>True when <see cref="Role"/> names <paramref name="role"/>.</summary>
        public bool Is(CertificateRole role) => string.Equals(Role, role.ToString(), StringComparison.Ordinal);

        /// <summary>The member whose host the certificate was read from (Get-EtcdCertificate -Cluster); empty for local files.</summary>
        public string Member { get; set; } = "";

        /// <summary>Local time, like X509Certificate2, so comparisons with Get-Date are right.</summary>
        public DateTime NotBefore { get; set; }

        public DateTime NotAfter { get; set; }

        /// <summary>Whole days until NotAfter when the certificate was read; negative once expired.</summary>
        public int DaysLeft { get; set; }

        /// <summary>SHA-1 fingerprint in upper-case hex, as X509Certificate2.Thumbprint and <c>openssl x509 -fingerprint</c> show it.</summary>
        public string Thumbprint { get; set; } = "";

        public string? SubjectKeyId { get; set; }

        public string? AuthorityKeyId { get; set; }

        public override string ToString() => $"{Role} {Subject} (until {NotAfter:yyyy-MM-dd})";
    }
}
