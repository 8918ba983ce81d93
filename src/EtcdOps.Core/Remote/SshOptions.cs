using System;
using System.Security;

namespace EtcdOps
{
    /// <summary>How to reach hosts over SSH. Per-member values in the inventory win over these defaults.</summary>
    public sealed class SshOptions
    {
        public string User { get; set; } = "root";
        public int Port { get; set; } = 22;

        /// <summary>Private key file (OpenSSH or PEM format). When null, password authentication is used.</summary>
        public string? KeyPath { get; set; }

        /// <summary>Password for SSH login (without a key) and for sudo when the user needs one. Never logged.</summary>
        public SecureString? Password { get; set; }

        public string KnownHostsPath { get; set; } = DefaultKnownHostsPath();
        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.Strict;
        public TimeSpan ConnectTimeout { get; set; } = TimeSpan.FromSeconds(15);

        public static string DefaultKnownHostsPath() =>
            System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");

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
