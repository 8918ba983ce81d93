using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using Renci.SshNet;

namespace EtcdOps.Remote
{
    /// <summary>
    /// How one connection logs in: the key of -SshKeyPath; else the keys of ssh-agent (SSH_AUTH_SOCK) and/or the
    /// password of -SshCredential. Knows what it tried, so a refusal names what to check. Disposing clears the
    /// loaded key and the password bytes (they are needed only until the login is done).
    /// </summary>
    internal sealed class SshLogin : IDisposable
    {
        private readonly List<IDisposable> _keys = new List<IDisposable>();
        private byte[]? _password;

        private SshLogin(string user) { User = user; }

        public string User { get; }
        public AuthenticationMethod[] Methods { get; private set; } = Array.Empty<AuthenticationMethod>();
        public string? KeyPath { get; private set; }
        public int AgentKeyCount { get; private set; }
        /// <summary>Why ssh-agent was not used although SSH_AUTH_SOCK is set (the socket is stale, say).</summary>
        public string? AgentProblem { get; private set; }
        public bool UsesPassword => _password != null;

        public static SshLogin Create(SshOptions options, string name)
        {
            var login = new SshLogin(options.User);
            try
            {
                var methods = new List<AuthenticationMethod>();
                if (!string.IsNullOrEmpty(options.KeyPath))
                {
                    PrivateKeyFile key;
                    try { key = SshKeys.Load(options.KeyPath!, options.KeyPassphrase); }
                    catch (EtcdOpsException ex) { throw new EtcdOpsException(ex.ErrorId, ex.Kind, $"{name}: {ex.Message}", ex.Target, ex.InnerException); }
                    login._keys.Add(key);
                    login.KeyPath = options.KeyPath;
                    methods.Add(new PrivateKeyAuthenticationMethod(options.User, key));
                }
                else
                {
                    var agent = login.AgentMethod(options);
                    if (agent != null) methods.Add(agent);
                    if (options.Password != null)
                    {
                        login._password = PasswordBytes(options.Password);
                        methods.Add(new PasswordAuthenticationMethod(options.User, login._password));
                    }
                }
                if (methods.Count == 0)
                    throw new EtcdOpsException(ErrorIds.SshNoCredential, FailureKind.InvalidArgument,
                        $"{name}: no way to log in. Give -SshKeyPath, or -SshCredential with a password, or load a key into ssh-agent (SSH_AUTH_SOCK)" +
                        (login.AgentProblem != null ? $"; {login.AgentProblem}" : "") + ".", name);
                login.Methods = methods.ToArray();
                return login;
            }
            catch { login.Dispose(); throw; }
        }

        private AuthenticationMethod? AgentMethod(SshOptions options)
        {
            if (string.IsNullOrEmpty(options.AgentSocketPath)) return null;
            if (!SshAgent.Supported) { AgentProblem = "this PowerShell cannot reach ssh-agent (no Unix domain sockets)"; return null; }
            var agent = new SshAgent(options.AgentSocketPath!);
            try
            {
                var identities = agent.ListIdentities();
                AgentKeyCount = identities.Count;
                if (identities.Count == 0) { AgentProblem = $"ssh-agent at {agent.SocketPath} holds no keys (ssh-add adds one)"; return null; }
                return new PrivateKeyAuthenticationMethod(options.User, new SshAgentKeySource(agent, identities));
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is UnauthorizedAccessException)
            {
                AgentProblem = $"ssh-agent at {agent.SocketPath} (SSH_AUTH_SOCK) does not answer: {ex.Message}";
                return null;
            }
        }

        /// <summary>What to check after the server refused the login, from what was tried.</summary>
        public string RefusalHint()
        {
            if (KeyPath != null)
                return $"Check -SshUser and -SshKeyPath (or the member's sshUser), and that the public key of '{KeyPath}' is in ~{User}/.ssh/authorized_keys on the host.";
            var hints = new List<string>();
            if (AgentKeyCount > 0)
                hints.Add($"none of the {AgentKeyCount} key(s) of ssh-agent was accepted for '{User}' (ssh-add -l lists them; one must be in ~{User}/.ssh/authorized_keys, or give -SshKeyPath)");
            if (UsesPassword)
                hints.Add($"the password of -SshCredential was refused for '{User}': check the user name and password, and that sshd allows password login (PasswordAuthentication yes)");
            var text = string.Join("; ", hints);
            return text.Length == 0 ? "Check -SshUser and the credentials." : char.ToUpperInvariant(text[0]) + text.Substring(1) + ".";
        }

        private static byte[] PasswordBytes(SecureString secret) =>
            SshKeys.WithPlainText(secret, s => Encoding.UTF8.GetBytes(s));

        public void Dispose()
        {
            foreach (var k in _keys) k.Dispose();
            _keys.Clear();
            if (_password != null) Array.Clear(_password, 0, _password.Length);
        }
    }
}
