namespace EtcdOps.Pki
{
    /// <summary>Key types EtcdOps issues. All are accepted by Go's TLS stack (and so by every etcd release).</summary>
    public enum CertificateKeyAlgorithm
    {
        EcdsaP256,
        EcdsaP384,
        Rsa2048,
        Rsa3072,
        Rsa4096,
    }

    /// <summary>What a certificate is for in an etcd certificate set.</summary>
    public enum CertificateRole
    {
        CA,
        Server,
        Peer,
        Client,
        Other,
    }
}
