using System;
using System.Collections.Generic;

namespace EtcdOps.Pki
{
    /// <summary>What New-EtcdCertificateSet was asked for, beyond the cluster itself.</summary>
    internal sealed class CertificateSetRequest
    {
        public CertificateKeyAlgorithm KeyAlgorithm { get; set; } = CertificateKeyAlgorithm.EcdsaP256;

        public int CaValidityDays { get; set; } = 3650;

        public int ValidityDays { get; set; } = 365;

        /// <summary>Extra DNS names for the server certificate (e.g. a round-robin name for all members).</summary>
        public IList<string> DnsNames { get; set; } = new List<string>();

        /// <summary>Extra IP addresses for the server certificate (e.g. a load balancer).</summary>
        public IList<string> IPAddresses { get; set; } = new List<string>();

        public string ClientName { get; set; } = EtcdCertificateSet.DefaultClientName;

        /// <summary>Reuse this CA instead of making one (give both or neither).</summary>
        public string? CaCertificatePath { get; set; }

        public string? CaKeyPath { get; set; }

        /// <summary>Make a new CA even where the target folder holds one (by default a CA in the folder is reused).</summary>
        public bool NewAuthority { get; set; }

        /// <summary>The moment validity counts from; now unless a test needs a certificate from the past.</summary>
        public DateTime? IssuedAtUtc { get; set; }
    }
}
