using System;
using System.Security;

namespace EtcdOps.Remote
{
    /// <summary>How to reach hosts over SSH. Per-member values in the inventory win over these defaults.</summary>
    internal sealed class SshOptions
    {
        public string User { get; set; } = "root";
        public int Port { get; set; } = 22;

        /// <summary>Private key file (OpenSSH, PEM or PuTTY format). When null, the keys of ssh-agent and/or the password are used.</summary>
        public string? KeyPath { get; set; }

        /// <summary>The passphrase of an encrypted <see cref="KeyPath"/>. Never logged; its plain text is cleared after the key is read.</summary>
        public SecureString? KeyPassphrase { get; set; }

        /// <summary>The ssh-agent socket whose keys are offered when no <see cref="KeyPath"/> is given. Default: SSH_AUTH_SOCK.</summary>
        public string? AgentSocketPath { get; set; } = Environment.GetEnvironmentVariable("SSH_AUTH_SOCK");

        /// <summary>Password for SSH login (without a key) and for sudo when the user needs one. Never logged.</summary>
        public SecureString? Password { get; set; }

        public string KnownHostsPath { get; set; } = DefaultKnownHostsPath();
        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.Strict;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

        /// <summary>True when <see cref="KnownHostsPath"/> is not the user's default file (hints then name it, e.g. ssh-keygen -f).</summary>
        public bool CustomKnownHosts =>
            !string.Equals(System.IO.Path.GetFullPath(KnownHostsPath), System.IO.Path.GetFullPath(DefaultKnownHostsPath()),
                System.IO.Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

        public static string DefaultKnownHostsPath() =>
            System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

        /// <summary>Reads the key once and lets it go: throws the error a connection would give (public key, passphrase missing or wrong).</summary>
        public static void CheckKey(string keyPath, SecureString? passphrase) => SshKeys.Check(keyPath, passphrase);

        /// <summary>The options for one member: its SshUser/SshPort override the defaults.</summary>
        public SshOptions ForMember(EtcdMember member)
        {
            var copy = (SshOptions)MemberwiseClone();
            if (!string.IsNullOrEmpty(member.SshUser)) copy.User = member.SshUser!;
            if (member.SshPort.HasValue) copy.Port = member.SshPort.Value;
            return copy;
        }
    }
}
