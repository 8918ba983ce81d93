using System;
using System.Collections.Generic;
using System.IO;

namespace EtcdOps.Pki
{
    /// <summary>
    /// A directory of PEM files in the layout operators know from cfssl: ca.pem, ca-key.pem, server.pem,
    /// server-key.pem, &lt;member&gt;.pem, &lt;member&gt;-key.pem, client.pem, client-key.pem.
    /// Holds paths (and, once loaded, parsed certificate details); never a key's content.
    /// </summary>
    public sealed class EtcdCertificateSet
    {
        public const string CaFile = "ca.pem";
        public const string CaKeyFile = "ca-key.pem";
        public const string ServerFile = "server.pem";
        public const string ServerKeyFile = "server-key.pem";
        public const string DefaultClientName = "client";

        public EtcdCertificateSet(string path, IEnumerable<string> peerNames, string clientName = DefaultClientName)
        {
            Path = System.IO.Path.GetFullPath(path);
            PeerNames = new EtcdList<string>(peerNames);
            ClientName = clientName;
        }

        /// <summary>The directory holding the files.</summary>
        public string Path { get; }

        /// <summary>Member names that have a peer certificate in this set.</summary>
        public EtcdList<string> PeerNames { get; }

        /// <summary>Base name of the client certificate files (client.pem by default).</summary>
        public string ClientName { get; }

        public string CaCertificatePath => File(CaFile);

        /// <summary>The CA key, or null when the set was imported without it (the CA key may live elsewhere).</summary>
        public string? CaKeyPath => System.IO.File.Exists(File(CaKeyFile)) ? File(CaKeyFile) : null;

        public string ServerCertificatePath => File(ServerFile);
        public string ServerKeyPath => File(ServerKeyFile);
        public string ClientCertificatePath => File(ClientName + ".pem");
        public string ClientKeyPath => File(ClientName + "-key.pem");

        public string PeerCertificatePath(string memberName) => File(memberName + ".pem");
        public string PeerKeyPath(string memberName) => File(memberName + "-key.pem");

        /// <summary>Parsed details of ca.pem, server.pem, each peer and the client certificate, in that order (empty until loaded).</summary>
        public EtcdList<EtcdCertificateInfo> Certificates { get; internal set; } = new EtcdList<EtcdCertificateInfo>();

        /// <summary>The certificate details for a role (and, for peers, a member name); null when not loaded or absent.</summary>
        public EtcdCertificateInfo? GetCertificate(CertificateRole role, string? memberName = null)
        {
            foreach (var c in Certificates)
                if (c.Is(role) && (memberName == null || string.Equals(c.Name, memberName, StringComparison.OrdinalIgnoreCase)))
                    return c;
            return null;
        }

        public bool HasPeer(string memberName)
        {
            foreach (var n in PeerNames)
                if (string.Equals(n, memberName, StringComparison.OrdinalIgnoreCase)) return true;
            return false;
        }

        private string File(string name) => System.IO.Path.Combine(Path, name);

        public override string ToString() => $"{Path} ({PeerNames.Count} peers)";
    }
}
