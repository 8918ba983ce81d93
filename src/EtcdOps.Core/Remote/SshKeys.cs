using System;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.RegularExpressions;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdOps.Remote
{
    /// <summary>What a file given as an SSH key holds, told from its text before any parser sees it.</summary>
    internal enum SshKeyFileKind { Unknown, PublicKey, PrivateKey, EncryptedPrivateKey }

    /// <summary>
    /// Loads the private key of -SshKeyPath: tells a public key from a private one, asks for a passphrase when
    /// the key is encrypted, and says which parameter to fix. Key bytes and the passphrase are cleared after use.
    /// </summary>
    internal static class SshKeys
    {
        private static readonly Regex OpenSshPublicLine = new Regex(
            @"^\s*(?:[^\s""]+\s+)?(?:ssh-|ecdsa-|sk-)[A-Za-z0-9@.\-]+\s+AAAA[A-Za-z0-9+/=]+", RegexOptions.CultureInvariant);

        /// <summary>The kind of key in <paramref name="text"/>; <see cref="SshKeyFileKind.Unknown"/> when not recognised (the parser then decides).</summary>
        public static SshKeyFileKind Inspect(string text)
        {
            var t = text.TrimStart('\uFEFF', ' ', '\t', '\r', '\n');
            if (t.StartsWith("-----BEGIN OPENSSH PRIVATE KEY-----", StringComparison.Ordinal))
                return OpenSshCipher(t) is string cipher && cipher != "none" ? SshKeyFileKind.EncryptedPrivateKey : SshKeyFileKind.PrivateKey;
            if (t.StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----", StringComparison.Ordinal))
                return SshKeyFileKind.EncryptedPrivateKey;
            if (Regex.IsMatch(t, @"^-----BEGIN (?:RSA |DSA |EC )?PRIVATE KEY-----", RegexOptions.CultureInvariant))
                return t.IndexOf("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal) >= 0 ? SshKeyFileKind.EncryptedPrivateKey : SshKeyFileKind.PrivateKey;
            if (t.StartsWith("PuTTY-User-Key-File-", StringComparison.Ordinal))
                return Regex.IsMatch(t, @"^Encryption:\s*none\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)
                    ? SshKeyFileKind.PrivateKey : SshKeyFileKind.EncryptedPrivateKey;
            if (t.StartsWith("---- BEGIN SSH2 PUBLIC KEY ----", StringComparison.Ordinal)
                || Regex.IsMatch(t, @"^-----BEGIN (?:RSA )?PUBLIC KEY-----", RegexOptions.CultureInvariant)
                || OpenSshPublicLine.IsMatch(t))
                return SshKeyFileKind.PublicKey;
            return SshKeyFileKind.Unknown;
        }

        /// <summary>The cipher named in an openssh-key-v1 file ("none" when unencrypted), or null when the file is damaged.</summary>
        private static string? OpenSshCipher(string text)
        {
            try
            {
                var body = Regex.Match(text, "-----BEGIN OPENSSH PRIVATE KEY-----(.*?)-----END", RegexOptions.Singleline).Groups[1].Value;
                var blob = Convert.FromBase64String(Regex.Replace(body, @"\s", ""));
                var magic = Encoding.ASCII.GetBytes("openssh-key-v1\0");
                if (blob.Length < magic.Length + 4) return null;
                for (var i = 0; i < magic.Length; i++) if (blob[i] != magic[i]) return null;
                var at = magic.Length;
                var len = (blob[at] << 24) | (blob[at + 1] << 16) | (blob[at + 2] << 8) | blob[at + 3];
                return len < 0 || len > blob.Length - at - 4 ? null : Encoding.ASCII.GetString(blob, at + 4, len);
            }
            catch (FormatException) { return null; }
        }

        /// <summary>
        /// Checks that the key can be used without keeping it: the cmdlets call this once before any host is
        /// contacted, so a wrong passphrase is one clear error rather than one per host.
        /// </summary>
        public static void Check(string path, SecureString? passphrase) => Load(path, passphrase).Dispose();

        /// <summary>Reads the private key; every failure is an <see cref="EtcdOpsException"/> naming the parameter to fix.</summary>
        public static PrivateKeyFile Load(string path, SecureString? passphrase)
        {
            byte[] bytes;
            try { bytes = File.ReadAllBytes(path); }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                throw new EtcdOpsException(ErrorIds.SshKeyNotFound, FailureKind.ObjectNotFound,
                    $"The SSH key '{path}' does not exist. Check -SshKeyPath.", path, ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new EtcdOpsException(ErrorIds.SshKeyInvalid, FailureKind.InvalidData,
                    $"Cannot read the SSH key '{path}': {ex.Message}. Check -SshKeyPath and the file's permissions.", path, ex);
            }
            try
            {
                var kind = Inspect(Encoding.UTF8.GetString(bytes));
                if (kind == SshKeyFileKind.PublicKey)
                    throw new EtcdOpsException(ErrorIds.SshKeyIsPublic, FailureKind.InvalidArgument, PublicKeyMessage(path), path);
                var hasPassphrase = passphrase != null && passphrase.Length > 0;
                if (kind == SshKeyFileKind.EncryptedPrivateKey && !hasPassphrase)
                    throw PassphraseRequired(path, null);
                try
                {
                    using var stream = new MemoryStream(bytes, writable: false);
                    return hasPassphrase
                        ? WithPlainText(passphrase!, p => new PrivateKeyFile(stream, p))
                        : new PrivateKeyFile(stream);
                }
                catch (SshPassPhraseNullOrEmptyException ex) { throw PassphraseRequired(path, ex); }
                catch (Exception ex) when (kind == SshKeyFileKind.EncryptedPrivateKey && !(ex is OutOfMemoryException))
                {
                    // A wrong passphrase shows as garbage after decryption: check bytes, padding or ASN.1 that do not fit.
                    throw new EtcdOpsException(ErrorIds.SshKeyPassphraseWrong, FailureKind.SecurityError,
                        $"The passphrase given with -SshKeyPassphrase does not open the SSH key '{path}'. Check -SshKeyPassphrase " +
                        $"(ssh-keygen -y -f '{path}' asks for it and prints the public key when it is right).", path, ex);
                }
                catch (Exception ex) when (ex is SshException || ex is ArgumentException || ex is FormatException || ex is System.Security.Cryptography.CryptographicException)
                {
                    throw new EtcdOpsException(ErrorIds.SshKeyInvalid, FailureKind.InvalidData,
                        $"Cannot read the SSH key '{path}': {ex.Message}. -SshKeyPath takes a private key file in OpenSSH, PEM (PKCS#1/PKCS#8) or PuTTY format.", path, ex);
                }
            }
            finally { Array.Clear(bytes, 0, bytes.Length); }
        }

        internal static string PublicKeyMessage(string path)
        {
            var hint = path.EndsWith(".pub", StringComparison.OrdinalIgnoreCase) && File.Exists(path.Substring(0, path.Length - 4))
                ? $" (probably '{path.Substring(0, path.Length - 4)}')" : "";
            return $"'{path}' is a public key. -SshKeyPath needs the private key file{hint}; the public key belongs in the user's authorized_keys on the hosts.";
        }

        private static EtcdOpsException PassphraseRequired(string path, Exception? inner) =>
            new EtcdOpsException(ErrorIds.SshKeyPassphraseRequired, FailureKind.SecurityError,
                $"The SSH key '{path}' is protected by a passphrase. Give it with -SshKeyPassphrase (for example " +
                "-SshKeyPassphrase (Read-Host -AsSecureString 'Key passphrase')), or load the key into ssh-agent and omit -SshKeyPath.", path, inner);

        /// <summary>
        /// Calls <paramref name="use"/> with the secret as a string that lives in a pinned buffer and is zeroed
        /// afterwards (SSH.NET takes the passphrase only as a string). Copies SSH.NET makes itself are beyond reach.
        /// </summary>
        internal static T WithPlainText<T>(SecureString secret, Func<string, T> use)
        {
            var length = secret.Length;
            if (length == 0) return use("");
            var text = new string('\0', length);
            var pin = GCHandle.Alloc(text, GCHandleType.Pinned);
            var unmanaged = IntPtr.Zero;
            try
            {
                unmanaged = Marshal.SecureStringToGlobalAllocUnicode(secret);
                var chars = pin.AddrOfPinnedObject();
                for (var i = 0; i < length; i++) Marshal.WriteInt16(chars, 2 * i, Marshal.ReadInt16(unmanaged, 2 * i));
                return use(text);
            }
            finally
            {
                if (unmanaged != IntPtr.Zero) Marshal.ZeroFreeGlobalAllocUnicode(unmanaged);
                var chars = pin.AddrOfPinnedObject();
                for (var i = 0; i < length; i++) Marshal.WriteInt16(chars, 2 * i, 0);
                pin.Free();
            }
        }
    }
}
