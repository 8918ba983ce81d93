using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Pki
{
    /// <summary>
    /// Leaf renewal without restarts (etcd reads certificate and key files at every TLS handshake): new leaves from the
    /// set's own CA into the set's folder (old files kept in a dated backup folder beside it), the files each host's
    /// conf.yml names replaced in place, and each member's ports checked to serve the new certificates.
    /// </summary>
    internal static class CertificateRenewal
    {
        /// <summary>The leaf files of the chosen roles, in the set's layout.</summary>
        public static IReadOnlyList<string> FilesFor(EtcdCertificateSet set, EtcdCluster cluster, IReadOnlyCollection<CertificateRole> roles)
        {
            var files = new List<string>();
            if (roles.Contains(CertificateRole.Server)) files.AddRange(new[] { EtcdCertificateSet.ServerFile, EtcdCertificateSet.ServerKeyFile });
            if (roles.Contains(CertificateRole.Peer))
                foreach (var m in cluster.Members) files.AddRange(new[] { m.Name + ".pem", m.Name + "-key.pem" });
            if (roles.Contains(CertificateRole.Client)) files.AddRange(new[] { set.ClientName + ".pem", set.ClientName + "-key.pem" });
            return files;
        }

        /// <summary>Copies the files about to be replaced to &lt;set folder&gt;.backup-&lt;UTC yyyyMMddTHHmmssZ&gt; (owner-only); returns that folder.</summary>
        public static string Backup(EtcdCertificateSet set, IEnumerable<string> files, DateTime nowUtc)
        {
            var folder = set.Path.TrimEnd('/', '\\') + ".backup-" + nowUtc.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            Directory.CreateDirectory(folder);
            FileModes.Set(folder, Convert.ToInt32("700", 8));
            foreach (var name in files.Append(EtcdCertificateSet.CaFile))
            {
                var source = Path.Combine(set.Path, name);
                if (!File.Exists(source)) continue;
                var target = Path.Combine(folder, name);
                File.Copy(source, target, overwrite: true);
                FileModes.SetOwnerOnly(target);
            }
            return folder;
        }

        /// <summary>
        /// New leaves for <paramref name="files"/> from the set's CA, with the same key type and the same extra server
        /// names as today's server certificate; written over the old ones (all or nothing).
        /// </summary>
        public static EtcdCertificateSet Issue(EtcdCluster cluster, EtcdCertificateSet set, IReadOnlyCollection<string> files, int validityDays, CancellationToken cancellation)
        {
            if (set.CaKeyPath == null)
                throw new EtcdOpsException(ErrorIds.CaKeyNotInPlace, FailureKind.InvalidArgument,
                    $"The set in '{set.Path}' has no ca-key.pem, so no certificate can be issued from its CA. Renew where the CA key is kept.", set.Path);
            var request = RequestLike(set, validityDays);
            request.CaCertificatePath = set.CaCertificatePath;
            request.CaKeyPath = set.CaKeyPath;
            return CertificateSetFactory.Create(cluster, request, cancellation).Only(files.Contains).WriteTo(set.Path, force: true);
        }

        /// <summary>A request for leaves like <paramref name="set"/>'s: its client name, today's server certificate's key type and extra names.</summary>
        public static CertificateSetRequest RequestLike(EtcdCertificateSet set, int validityDays)
        {
            var server = CertificateSetLoader.ReadCertificates(set.ServerCertificatePath).First();
            var request = new CertificateSetRequest
            {
                ValidityDays = validityDays,
                ClientName = set.ClientName,
                DnsNames = server.DnsNames.ToList(),
                IPAddresses = server.IPAddresses.ToList(),
            };
            if (Enum.TryParse<CertificateKeyAlgorithm>(server.KeyAlgorithm, out var algorithm)) request.KeyAlgorithm = algorithm;
            return request;
        }

        /// <summary>The renewed files a host needs, at the paths its conf.yml names (certificates 0644, keys 0600, owned by etcd).</summary>
        public static IReadOnlyList<RemoteFile> HostFiles(EtcdCertificateSet set, EtcdHostLayout layout, EtcdMember member, IReadOnlyCollection<string> renewed)
        {
            var files = new List<RemoteFile>();
            void Add(string? remote, string local, bool key)
            {
                if (remote == null || !renewed.Contains(Path.GetFileName(local))) return;
                files.Add(new RemoteFile(remote, File.ReadAllBytes(local), key ? "0600" : "0644", "etcd", "etcd"));
            }
            Add(layout.ServerCertificateFile, set.ServerCertificatePath, false);
            Add(layout.ServerKeyFile, set.ServerKeyPath, true);
            Add(layout.PeerCertificateFile, set.PeerCertificatePath(member.Name), false);
            Add(layout.PeerKeyFile, set.PeerKeyPath(member.Name), true);
            // Install puts the client certificate beside the others (etcdctl and the snapshot schedule on the host use it).
            Add(layout.ClientCertificateFile(set.ClientName), set.ClientCertificatePath, false);
            Add(layout.ClientKeyFile(set.ClientName), set.ClientKeyPath, true);
            return files;
        }

        /// <summary>
        /// The serial number of the certificate a TLS server at <paramref name="address"/>:<paramref name="port"/> presents
        /// (hex, as openssl prints it). The server shows its certificate before it asks for ours, so a peer port that
        /// refuses our client certificate still tells.
        /// </summary>
        public static async Task<string> ServedSerialAsync(string address, int port, TimeSpan timeout, CancellationToken cancellation)
        {
            string? serial = null;
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            timer.CancelAfter(timeout);
            using var tcp = new TcpClient();
            try
            {
                await tcp.ConnectAsync(address, port).ConfigureAwait(false);
                using var tls = new SslStream(tcp.GetStream(), false, (_, certificate, _, _) =>
                {
                    if (certificate != null) serial = new X509Certificate2(certificate).SerialNumber;
                    return false; // only looking: no data is exchanged
                });
                using (timer.Token.Register(() => tcp.Close()))
                    await tls.AuthenticateAsClientAsync(address).ConfigureAwait(false);
            }
            catch (Exception ex) when (serial != null || ex is System.Security.Authentication.AuthenticationException || ex is IOException || ex is SocketException || ex is ObjectDisposedException)
            {
                if (serial == null)
                    throw new EtcdOpsException(ErrorIds.EtcdEndpointUnreachable, FailureKind.ConnectionError,
                        $"{address}:{port}: no TLS server certificate could be read ({ex.Message}).", $"{address}:{port}", ex);
            }
            return serial!.TrimStart('0').ToUpperInvariant();
        }
    }
}
