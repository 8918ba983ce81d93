namespace EtcdOps.Pki
{
    /// <summary>
    /// The commands messages advise for certificate problems. Each one keeps the cluster's CA: a running cluster survives
    /// new leaves from its own CA (etcd reads them at the next handshake) but not a new CA rolled onto all members at once.
    /// </summary>
    internal static class CertificateAdvice
    {
        /// <summary>Re-issues the leaves of a set from the CA in its folder (ca.pem and ca-key.pem stay as they are).</summary>
        public static string Reissue(EtcdCertificateSet set) =>
            set.CaKeyPath != null
                ? $"$cluster | New-EtcdCertificateSet -Path '{set.Path}' -Force (it keeps ca.pem and ca-key.pem and re-issues the certificates from them), then Install-EtcdNode"
                : $"$cluster | New-EtcdCertificateSet -Path '{set.Path}' -CaCertificatePath '{set.CaCertificatePath}' -CaKeyPath <this CA's ca-key.pem> -Force, then Install-EtcdNode";

        /// <summary>What a new CA means for a running cluster.</summary>
        public const string CaChange =
            "a cluster running on the old CA must not get the new one in a single step (its members would refuse each other and lose quorum): " +
            "rotate it, trusting both CAs first (old and new ca.pem in one bundle, members restarted one at a time), then swap the certificates, then drop the old CA.";
    }
}
