using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EtcdOps.Pki
{
    /// <summary>One file of a set that is not on disk yet. Its content is never shown (it may be a key).</summary>
    internal sealed class PendingFile
    {
        public PendingFile(string name, string content, bool isPrivate, string? sourcePath = null)
        {
            Name = name;
            Content = content;
            IsPrivate = isPrivate;
            SourcePath = sourcePath;
        }

        public string Name { get; }
        public string Content { get; }
        public bool IsPrivate { get; }

        /// <summary>Set when the file is a copy of an existing one (a reused ca.pem).</summary>
        public string? SourcePath { get; }

        public override string ToString() => Name;
    }

    /// <summary>A certificate set issued in memory, ready to be stored as a whole or not at all.</summary>
    internal sealed class PendingCertificateSet
    {
        private readonly List<PendingFile> _files;

        internal PendingCertificateSet(List<PendingFile> files, IReadOnlyList<string> peerNames, string clientName, IReadOnlyList<string> warnings)
        {
            _files = files;
            PeerNames = peerNames;
            ClientName = clientName;
            Warnings = warnings;
        }

        public IReadOnlyList<string> PeerNames { get; }

        /// <summary>True when the set brings a new CA (ca.pem and ca-key.pem are among the files it writes).</summary>
        public bool ReplacesAuthority => _files.Any(f => f.Name == EtcdCertificateSet.CaKeyFile);

        /// <summary>The refusal when files exist and -Force was not given; it says what -Force would do with the CA.</summary>
        public static EtcdOpsException FilesExist(string directory, IReadOnlyList<string> existing, bool newAuthority)
        {
            var replacesCa = existing.Contains(EtcdCertificateSet.CaFile) || existing.Contains(EtcdCertificateSet.CaKeyFile);
            var force = replacesCa
                ? (newAuthority
                    ? "-Force would replace them with a new CA and certificates from it. To keep the CA, leave out -NewAuthority. "
                    : "-Force would replace them, ca.pem with the CA given by -CaCertificatePath. ") +
                  $"If a cluster runs on the CA in this folder, {CertificateAdvice.CaChange}"
                : newAuthority
                    ? "-Force replaces them with certificates from a new CA (the folder holds no CA to keep)."
                    : "-Force re-issues them from the CA (ca.pem and ca-key.pem stay as they are).";
            return new EtcdOpsException(ErrorIds.CertificateFilesExist, FailureKind.ResourceExists,
                $"'{directory}' already holds {string.Join(", ", existing)}. Nothing was written. {force} Or give another -Path.", directory);
        }

        /// <summary>Said when -NewAuthority -Force replaces a CA.</summary>
        public static string ReplacingAuthorityWarning(string directory) =>
            $"Replacing the CA in '{directory}' with a new one. If a cluster runs on the old CA, {CertificateAdvice.CaChange}";

        public string ClientName { get; }

        /// <summary>Things the caller should tell the user (e.g. leaves cut short by the CA's expiry).</summary>
        public IReadOnlyList<string> Warnings { get; }

        /// <summary>The file names the set will write, in order.</summary>
        public IReadOnlyList<string> FileNames => _files.Select(f => f.Name).ToList();

        /// <summary>Files that already exist in <paramref name="directory"/> and would be replaced (a reused CA in place is not one).</summary>
        public IReadOnlyList<string> Conflicts(string directory) =>
            FilesToWrite(directory).Where(f => File.Exists(Path.Combine(directory, f.Name))).Select(f => f.Name).ToList();

        /// <summary>The same set with only the files <paramref name="include"/> names (a renewal of some roles).</summary>
        public PendingCertificateSet Only(Func<string, bool> include) =>
            new PendingCertificateSet(_files.Where(f => include(f.Name)).ToList(), PeerNames, ClientName, Warnings);

        /// <summary>
        /// The files <paramref name="names"/> of a set already stored in <paramref name="directory"/> (a CA rotation's
        /// staging), to be stored in another folder by <see cref="WriteTo"/>; the keys (*-key.pem) stay owner-only.
        /// </summary>
        public static PendingCertificateSet FromDirectory(string directory, IEnumerable<string> names, IReadOnlyList<string> peerNames, string clientName) =>
            new PendingCertificateSet(
                names.Select(n => new PendingFile(n, File.ReadAllText(Path.Combine(directory, n)), n.EndsWith("-key.pem", StringComparison.Ordinal))).ToList(),
                peerNames, clientName, Array.Empty<string>());

        /// <summary>
        /// Stores the set: every file goes to a staging directory inside <paramref name="directory"/> first, then all are
        /// renamed into place. If anything fails, files already moved are removed and replaced ones restored.
        /// </summary>
        public EtcdCertificateSet WriteTo(string directory, bool force)
        {
            directory = Path.GetFullPath(directory);
            var files = FilesToWrite(directory);
            var conflicts = Conflicts(directory);
            if (conflicts.Count > 0 && !force)
                throw FilesExist(directory, conflicts, ReplacesAuthority);

            var createdDirectory = !Directory.Exists(directory);
            var staging = Path.Combine(directory, ".etcdops-pki-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            var moved = new List<string>();
            var backups = new List<(string Backup, string Target)>();
            try
            {
                Directory.CreateDirectory(directory);
                // The set holds the CA key: a directory we create is for its owner only.
                if (createdDirectory) FileModes.Set(directory, Convert.ToInt32("700", 8));
                Directory.CreateDirectory(staging);
                FileModes.Set(staging, Convert.ToInt32("700", 8));
                foreach (var file in files) WriteNew(Path.Combine(staging, file.Name), file);
                foreach (var file in files)
                {
                    var target = Path.Combine(directory, file.Name);
                    if (File.Exists(target))
                    {
                        var backup = Path.Combine(staging, file.Name + ".old");
                        File.Move(target, backup);
                        backups.Add((backup, target));
                    }
                    File.Move(Path.Combine(staging, file.Name), target);
                    moved.Add(target);
                }
            }
            catch (Exception ex)
            {
                foreach (var target in moved) AtomicFile.TryDelete(target);
                foreach (var (backup, target) in backups)
                    try { File.Move(backup, target); } catch (IOException) { }
                TryDeleteDirectory(staging);
                if (createdDirectory) TryDeleteDirectory(directory);
                if (ex is EtcdOpsException) throw;
                throw new EtcdOpsException(ErrorIds.CertificateSetWriteFailed, FailureKind.WriteError,
                    $"Could not write the certificate set to '{directory}': {ex.Message} Nothing was changed; fix the cause and run again.", directory, ex);
            }
            TryDeleteDirectory(staging);
            return CertificateSetLoader.Load(directory, PeerNames, ClientName);
        }

        /// <summary>A reused CA already in the target directory is left as it is.</summary>
        private List<PendingFile> FilesToWrite(string directory) =>
            _files.Where(f => f.SourcePath == null || !IsInPlace(f.SourcePath, directory, f.Name)).ToList();

        internal static bool IsInPlace(string sourcePath, string directory, string fileName) =>
            string.Equals(Path.GetFullPath(sourcePath), Path.Combine(Path.GetFullPath(directory), fileName), StringComparison.Ordinal);

        private static void WriteNew(string path, PendingFile file)
        {
            var bytes = AtomicFile.Utf8NoBom.GetBytes(file.Content);
            using (var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                // Restrict before any byte of a key is written.
                if (file.IsPrivate) FileModes.SetOwnerOnly(path);
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(true);
            }
        }

        private static void TryDeleteDirectory(string path)
        {
            try { if (Directory.Exists(path)) Directory.Delete(path, true); }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }
    }
}
