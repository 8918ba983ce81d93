using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace EtcdOps.Remote
{
    /// <summary>
    /// One SSH connection to one host, used for every step on that host. Verifies the host key against
    /// known_hosts before authenticating; runs scripts as root, through sudo when the user is not root.
    /// </summary>
    internal sealed class SshRemoteHost : IRemoteHost
    {
        private static readonly object KnownHostsGate = new object();
        private readonly SshClient _client;
        private readonly SshOptions _options;
        private readonly string _target;
        private SudoMode _sudo = SudoMode.None;
        private HostKeyVerdict _verdict = HostKeyVerdict.Unknown;
        private string _fingerprint = "";

        private enum SudoMode { None, NoPassword, Password }

        private SshRemoteHost(string name, string target, SshOptions options, SshClient client)
        {
            Name = name; _target = target; _options = options; _client = client;
        }

        public string Name { get; }

        public static async Task<SshRemoteHost> ConnectAsync(string name, string target, SshOptions options, CancellationToken cancellation)
        {
            var known = new KnownHosts(options.KnownHostsPath);
            SshRemoteHost host;
            // The login's key and password bytes are needed only until the server has accepted them.
            using (var login = SshLogin.Create(options, name))
            {
                var info = new ConnectionInfo(target, options.Port, options.User, login.Methods) { Timeout = options.ConnectTimeout };
                PreferKnownKeyTypes(info, known.KnownKeyTypes(target, options.Port));
                PreferGcm(info);
                PreferKeyExchanges(info);
                var client = new SshClient(info);
                host = new SshRemoteHost(name, target, options, client);
                client.HostKeyReceived += (_, e) => host.OnHostKey(known, e);
                try
                {
                    await ConnectOnOwnThreadAsync(client, cancellation).ConfigureAwait(false);
                }
                catch (OperationCanceledException) { client.Dispose(); throw; }
                catch (Exception ex) when (ex is SshConnectionException || ex is SshAuthenticationException || ex is SocketException || ex is SshOperationTimeoutException || ex is ProxyException)
                {
                    client.Dispose();
                    throw host.ConnectFailure(ex, login);
                }
            }
            await host.DetectSudoAsync(cancellation).ConfigureAwait(false);
            return host;
        }

        /// <summary>
        /// SSH.NET waits synchronously for the key exchange and the login, even in ConnectAsync. On a pool thread each
        /// connection would hold one for its whole handshake, and with few cores the pool adds threads only every half
        /// second or so: seven hosts took seconds to connect. A thread of its own per handshake; Ctrl+C closes the socket.
        /// </summary>
        private static Task ConnectOnOwnThreadAsync(SshClient client, CancellationToken cancellation)
        {
            cancellation.ThrowIfCancellationRequested();
            return Task.Factory.StartNew(() =>
            {
                try
                {
                    using (cancellation.Register(client.Dispose)) client.Connect();
                }
                catch (Exception ex) when (cancellation.IsCancellationRequested && !(ex is OperationCanceledException))
                {
                    throw new OperationCanceledException("The SSH connection was cancelled.", ex, cancellation);
                }
                cancellation.ThrowIfCancellationRequested();
            }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }

        private void OnHostKey(KnownHosts known, HostKeyEventArgs e)
        {
            var blob = e.HostKey;
            var type = SshWire.FirstString(blob);
            _fingerprint = KnownHosts.Fingerprint(blob);
            _verdict = known.Check(_target, _options.Port, type, blob);
            switch (_options.HostKeyPolicy)
            {
                case HostKeyPolicy.Ignore:
                    e.CanTrust = _verdict != HostKeyVerdict.Revoked;
                    break;
                case HostKeyPolicy.AcceptNew:
                    e.CanTrust = _verdict == HostKeyVerdict.Trusted || _verdict == HostKeyVerdict.Unknown;
                    if (_verdict == HostKeyVerdict.Unknown)
                        lock (KnownHostsGate) known.Add(_target, _options.Port, type, blob);
                    break;
                default:
                    e.CanTrust = _verdict == HostKeyVerdict.Trusted;
                    break;
            }
        }

        private EtcdOpsException ConnectFailure(Exception ex, SshLogin login)
        {
            var where = KnownHosts.LookupName(_target, _options.Port);
            if (ex is SshConnectionException && _verdict != HostKeyVerdict.Trusted && _options.HostKeyPolicy != HostKeyPolicy.Ignore || _verdict == HostKeyVerdict.Revoked)
            {
                switch (_verdict)
                {
                    case HostKeyVerdict.Changed:
                        return new EtcdOpsException(ErrorIds.HostKeyChanged, FailureKind.SecurityError,
                            $"{Name}: the host key of {where} ({_fingerprint}) does not match {_options.KnownHostsPath}. Nothing was changed on the host. " +
                            $"This could be a man-in-the-middle attack, or the host was reinstalled. Verify the new fingerprint out of band, then remove the old entry with: {KeygenRemoveCommand(where, _options)}.", Name, ex);
                    case HostKeyVerdict.Revoked:
                        return new EtcdOpsException(ErrorIds.HostKeyRevoked, FailureKind.SecurityError,
                            $"{Name}: the host key of {where} ({_fingerprint}) is marked @revoked in {_options.KnownHostsPath}. Refusing to connect.", Name, ex);
                    case HostKeyVerdict.Unknown when _fingerprint.Length > 0:
                        return new EtcdOpsException(ErrorIds.HostKeyUnknown, FailureKind.SecurityError,
                            $"{Name}: {where} is not in {_options.KnownHostsPath} (its key is {_fingerprint}). Verify the fingerprint, then add it " +
                            $"({KeyscanAddCommand(_target, _options)}), or pass -HostKeyPolicy AcceptNew to record it on first use.", Name, ex);
                }
            }
            if (ex is SshAuthenticationException)
                return new EtcdOpsException(ErrorIds.SshAuthenticationFailed, FailureKind.SecurityError,
                    $"{Name}: SSH login as '{_options.User}' on {where} was refused: {ex.Message.TrimEnd('.')}. {login.RefusalHint()}", Name, ex);
            if (ex is SshOperationTimeoutException)
                return new EtcdOpsException(ErrorIds.SshTimeout, FailureKind.OperationTimeout,
                    $"{Name}: no SSH answer from {where} within {_options.ConnectTimeout.TotalSeconds:0} s. Check that the host is up and port {_options.Port} is reachable.", Name, ex);
            return new EtcdOpsException(ErrorIds.SshConnectFailed, FailureKind.ConnectionError,
                $"{Name}: cannot connect to {where}: {ex.Message}. Check the address, -SshPort and that sshd is running.", Name, ex);
        }

        /// <summary>Non-root users work through sudo: without a password (sudo -n) or with the given one (sudo -S).</summary>
        private async Task DetectSudoAsync(CancellationToken cancellation)
        {
            if (_options.User == "root") return;
            var probe = await ExecAsync("sudo -n true", null, cancellation).ConfigureAwait(false);
            if (probe.Succeeded) { _sudo = SudoMode.NoPassword; return; }
            if (_options.Password == null)
                throw new EtcdOpsException(ErrorIds.SudoPasswordRequired, FailureKind.SecurityError,
                    $"{Name}: '{_options.User}' needs a password for sudo. Pass -SshCredential with that user's password, or allow passwordless sudo for it.", Name);
            var check = await ExecAsync("sudo -S -p '' -v", PasswordLine(), cancellation).ConfigureAwait(false);
            if (!check.Succeeded)
                throw new EtcdOpsException(ErrorIds.SudoRefused, FailureKind.SecurityError,
                    $"{Name}: sudo refused '{_options.User}' with the given password. Check the password in -SshCredential and that the user may use sudo.", Name);
            _sudo = SudoMode.Password;
        }

        public async Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation)
        {
            // One sh for the whole line, so sudo covers every command of a sequence.
            var wrapped = "sh -c " + RemoteScript.Quote(command);
            switch (_sudo)
            {
                case SudoMode.NoPassword:
                    return await ExecAsync("sudo -n " + wrapped, input, cancellation).ConfigureAwait(false);
                case SudoMode.Password:
                    // sudo reads the password line from stdin; the script gets the rest.
                    var all = input == null ? PasswordLine() : Concat(PasswordLine(), input);
                    try { return await ExecAsync("sudo -S -p '' " + wrapped, all, cancellation).ConfigureAwait(false); }
                    finally { Array.Clear(all, 0, all.Length); }
                default:
                    return await ExecAsync(wrapped, input, cancellation).ConfigureAwait(false);
            }
        }

        private async Task<RemoteResult> ExecAsync(string command, byte[]? input, CancellationToken cancellation)
        {
            using var cmd = _client.CreateCommand(command);
            var run = cmd.ExecuteAsync(cancellation);
            if (input != null)
            {
                try
                {
                    // SSH.NET's input stream writes synchronously, waiting on the server's window. On a thread of its own
                    // a 60 MB release does not hold a pool thread for its whole upload: seven at once starved the pool
                    // that every other host's steps (and their continuations) run on.
                    await Task.Factory.StartNew(() =>
                    {
                        using var stdin = cmd.CreateInputStream();
                        stdin.Write(input, 0, input.Length);
                    }, cancellation, TaskCreationOptions.LongRunning, TaskScheduler.Default).ConfigureAwait(false);
                }
                // The command ended before it read all its input (it failed early): its exit status and stderr say why.
                catch (Exception ex) when (run.IsCompleted && (ex is InvalidOperationException || ex is SshException || ex is ObjectDisposedException)) { }
            }
            try
            {
                await run.ConfigureAwait(false);
            }
            catch (SshException ex) when (!(ex is SshOperationTimeoutException))
            {
                throw new EtcdOpsException(ErrorIds.SshConnectionLost, FailureKind.ConnectionError, $"{Name}: the SSH connection failed: {ex.Message}", Name, ex);
            }
            return new RemoteResult(cmd.ExitStatus ?? -1, cmd.Result, cmd.Error);
        }

        private byte[] PasswordLine() => Utf8(_options.Password!, "\n");

        /// <summary>The password's UTF-8 bytes (plus <paramref name="suffix"/>), unprotected only for as long as it takes.</summary>
        private static byte[] Utf8(SecureString secret, string suffix = "")
        {
            var ptr = Marshal.SecureStringToGlobalAllocUnicode(secret);
            try { return Encoding.UTF8.GetBytes(Marshal.PtrToStringUni(ptr) + suffix); }
            finally { Marshal.ZeroFreeGlobalAllocUnicode(ptr); }
        }

        /// <summary>The command that removes a host's old key: names the file unless it is the default one, as ssh-keygen would edit that.</summary>
        internal static string KeygenRemoveCommand(string where, SshOptions options) =>
            $"ssh-keygen -R '{where}'" + (options.CustomKnownHosts ? $" -f '{options.KnownHostsPath}'" : "");

        internal static string KeyscanAddCommand(string target, SshOptions options) =>
            $"ssh-keyscan -p {options.Port} {target} >> " + (options.CustomKnownHosts ? $"'{options.KnownHostsPath}'" : "~/.ssh/known_hosts");

        /// <summary>Like OpenSSH: when known_hosts has keys for the host, ask only for those types so the check is meaningful.</summary>
        private static void PreferKnownKeyTypes(ConnectionInfo info, System.Collections.Generic.IReadOnlyList<string> knownTypes)
        {
            if (knownTypes.Count == 0) return;
            bool Wanted(string algorithm) => knownTypes.Any(t =>
                t == algorithm || (t == "ssh-rsa" && algorithm.StartsWith("rsa-sha2-", StringComparison.Ordinal)));
            var unwanted = info.HostKeyAlgorithms.Keys.Where(a => !Wanted(a)).ToList();
            if (unwanted.Count == info.HostKeyAlgorithms.Count) return;
            foreach (var a in unwanted) info.HostKeyAlgorithms.Remove(a);
        }

        /// <summary>
        /// AES-GCM first (SSH.NET offers AES-CTR with a separate MAC first): it is AES-NI's authenticated mode with no
        /// MAC pass, measured here at a third of aes128-ctr's time for a release archive. OpenSSH servers all offer it.
        /// </summary>
        internal static void PreferGcm(ConnectionInfo info) =>
            Reorder(info.Encryptions, name => name.EndsWith("-gcm@openssh.com", StringComparison.Ordinal) ? 0 : 1);

        /// <summary>
        /// The key exchanges EtcdOps asks for first, in this order: the ML-KEM hybrid (post-quantum, OpenSSH 9.9+) and
        /// X25519. SSH.NET puts sntrup761x25519 (the post-quantum choice of OpenSSH 9.0-9.8) before X25519, but its
        /// managed NTRU Prime costs 150-300 ms of CPU per connection (600 ms in a fresh session) against 10-30 ms: on the
        /// lab a 7-member deploy took 1.3 s longer with it. It stays offered, after them. Go's x/crypto/ssh (Terraform,
        /// Packer) makes the same choice: ML-KEM, else X25519.
        /// </summary>
        internal static readonly string[] PreferredKeyExchanges = { "mlkem768x25519-sha256", "curve25519-sha256", "curve25519-sha256@libssh.org" };

        internal static void PreferKeyExchanges(ConnectionInfo info) =>
            Reorder(info.KeyExchangeAlgorithms, name => Array.IndexOf(PreferredKeyExchanges, name) is var i && i >= 0 ? i : PreferredKeyExchanges.Length);

        /// <summary>Puts an algorithm list in the order of <paramref name="rank"/> (lowest first), keeping SSH.NET's order among equals.</summary>
        internal static void Reorder<T>(IDictionary<string, T> algorithms, Func<string, int> rank)
        {
            var all = algorithms.ToList();
            algorithms.Clear();
            foreach (var a in all.OrderBy(a => rank(a.Key))) algorithms.Add(a.Key, a.Value);
        }

        private static byte[] Concat(byte[] a, byte[] b)
        {
            var r = new byte[a.Length + b.Length];
            Buffer.BlockCopy(a, 0, r, 0, a.Length);
            Buffer.BlockCopy(b, 0, r, a.Length, b.Length);
            return r;
        }

        public void Dispose()
        {
            try { if (_client.IsConnected) _client.Disconnect(); } catch (Exception) { /* closing anyway */ }
            _client.Dispose();
        }
    }
}
