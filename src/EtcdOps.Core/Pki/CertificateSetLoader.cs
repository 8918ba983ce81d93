using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EtcdOps.Pki
{
    /// <summary>Reads certificate sets and single certificates from disk into EtcdOps objects.</summary>
    internal static class CertificateSetLoader
    {
        /// <summary>
        /// Opens a directory in the cfssl layout. Peers are the other &lt;name&gt;.pem files that have a &lt;name&gt;-key.pem;
        /// missing required files stop the import with the list of what is missing.
        /// </summary>
        public static EtcdCertificateSet Import(string directory, string clientName, out List<string> warnings)
        {
            directory = Path.GetFullPath(directory);
            warnings = new List<string>();
            if (!Directory.Exists(directory))
                throw new EtcdOpsException(ErrorIds.CertificateDirectoryNotFound, FailureKind.ObjectNotFound,
                    $"'{directory}' does not exist or is not a directory. Give the directory holding ca.pem, server.pem and the other files.", directory);

            var missing = new[] { EtcdCertificateSet.CaFile, EtcdCertificateSet.ServerFile, EtcdCertificateSet.ServerKeyFile, clientName + ".pem", clientName + "-key.pem" }
                .Where(f => !File.Exists(Path.Combine(directory, f))).ToList();
            if (missing.Count > 0)
            {
                var hint = missing.Any(m => m.StartsWith(clientName, StringComparison.Ordinal))
                    ? " If the client certificate has another name, give it with -ClientName."
                    : "";
                throw new EtcdOpsException(ErrorIds.IncompleteCertificateSet, FailureKind.ObjectNotFound,
                    $"'{directory}' lacks {string.Join(", ", missing)}; a set needs ca.pem, server.pem, {clientName}.pem, their keys and one <member>.pem per member.{hint}", directory);
            }

            var special = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "ca", "server", clientName };
            var peers = new List<string>();
            foreach (var file in Directory.GetFiles(directory, "*.pem").OrderBy(f => f, StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(file);
                if (special.Contains(name) || name.EndsWith("-key", StringComparison.OrdinalIgnoreCase)) continue;
                if (File.Exists(Path.Combine(directory, name + "-key.pem"))) peers.Add(name);
                else warnings.Add($"{Path.GetFileName(file)} has no {name}-key.pem beside it, so it is not taken as a peer certificate.");
            }
            if (peers.Count == 0)
                warnings.Add($"'{directory}' holds no peer certificate (<member>.pem with <member>-key.pem).");
            return Load(directory, peers, clientName);
        }

        /// <summary>A set whose layout is known; reads and parses its certificates.</summary>
        public static EtcdCertificateSet Load(string directory, IEnumerable<string> peerNames, string clientName)
        {
            var set = new EtcdCertificateSet(directory, peerNames, clientName);
            var now = DateTime.UtcNow;
            var infos = new List<EtcdCertificateInfo>();
            void Add(string path, CertificateRole role)
            {
                if (File.Exists(path)) infos.Add(CertificateInspector.Describe(PkiCrypto.ReadCertificates(path)[0], path, role, now));
            }
            Add(set.CaCertificatePath, CertificateRole.CA);
            Add(set.ServerCertificatePath, CertificateRole.Server);
            foreach (var peer in set.PeerNames) Add(set.PeerCertificatePath(peer), CertificateRole.Peer);
            Add(set.ClientCertificatePath, CertificateRole.Client);
            set.Certificates = infos;
            return set;
        }

        /// <summary>Whether a file is one a directory read would open: a certificate file, never a key.</summary>
        public static bool IsCertificateFile(string path) => File.Exists(path) && IsCertificateFileName(path) && LooksLikeCertificate(path);

        /// <summary>
        /// Every certificate in a file (a bundle gives several), or in every certificate file of a directory
        /// (key files are never opened).
        /// </summary>
        public static IReadOnlyList<EtcdCertificateInfo> ReadCertificates(string path, string clientName = EtcdCertificateSet.DefaultClientName)
        {
            path = Path.GetFullPath(path);
            var now = DateTime.UtcNow;
            IEnumerable<string> files;
            if (Directory.Exists(path))
                files = Directory.GetFiles(path)
                    .Where(IsCertificateFile)
                    .OrderBy(f => Rank(f, clientName)).ThenBy(f => f, StringComparer.Ordinal);
            else if (File.Exists(path))
                files = new[] { path };
            else
                throw new EtcdOpsException(ErrorIds.CertificateNotFound, FailureKind.ObjectNotFound,
                    $"'{path}' does not exist. Give a certificate file or a directory of them.", path);

            var result = new List<EtcdCertificateInfo>();
            foreach (var file in files)
            {
                var certificates = PkiCrypto.ReadCertificates(file);
                for (var i = 0; i < certificates.Count; i++)
                {
                    // In a bundle, the first certificate is the file's own; the rest are its chain.
                    var role = i == 0 ? CertificateInspector.RoleOf(file, certificates[i], clientName) : CertificateInspector.RoleByContent(certificates[i]);
                    result.Add(CertificateInspector.Describe(certificates[i], file, role, now));
                }
            }
            return result;
        }

        private static bool IsCertificateFileName(string file)
        {
            var name = Path.GetFileName(file);
            if (name.EndsWith("-key.pem", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".key", StringComparison.OrdinalIgnoreCase)) return false;
            return name.EndsWith(".pem", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".crt", StringComparison.OrdinalIgnoreCase)
                || name.EndsWith(".cer", StringComparison.OrdinalIgnoreCase);
        }

        private static bool LooksLikeCertificate(string file)
        {
            try
            {
                using (var reader = new StreamReader(file))
                {
                    var buffer = new char[4096];
                    var read = reader.ReadBlock(buffer, 0, buffer.Length);
                    var head = new string(buffer, 0, read);
                    return head.Contains("-----BEGIN CERTIFICATE-----");
                }
            }
            catch (IOException) { return false; }
            catch (UnauthorizedAccessException) { return false; }
        }

        private static int Rank(string file, string clientName)
        {
            var name = CertificateInspector.BaseName(file);
            if (string.Equals(name, "ca", StringComparison.OrdinalIgnoreCase)) return 0;
            if (string.Equals(name, "server", StringComparison.OrdinalIgnoreCase)) return 1;
            if (string.Equals(name, clientName, StringComparison.OrdinalIgnoreCase)) return 3;
            return 2;
        }
    }
}
