namespace EtcdOps.Cluster
{
    /// <summary>One etcd member: its name, the IP it listens on, and optionally how to reach it over SSH.</summary>
    public sealed class EtcdMember
    {
        public EtcdMember() { }

        public EtcdMember(string name, string address)
        {
            Name = name;
            Address = address;
        }

        /// <summary>Member name (etcd's <c>name</c>); a valid host label.</summary>
        public string Name { get; set; } = "";

        private string _address = "";
        private string? _sshHost;

        /// <summary>
        /// The IP address etcd binds to and advertises. etcd cannot bind to a DNS name. IPv6 is kept bare and in its
        /// canonical form (<c>[fd00:0::11]</c> becomes <c>fd00::11</c>): URLs add their own brackets.
        /// </summary>
        public string Address { get => _address; set => _address = NormalizeAddress(value); }

        /// <summary>Host name or IP used for SSH; defaults to <see cref="Address"/>.</summary>
        public string? SshHost { get => _sshHost; set => _sshHost = value == null ? null : NormalizeAddress(value); }

        /// <summary>Bare, canonical IPv6; anything else as given (trimmed), for the validator to judge.</summary>
        public static string NormalizeAddress(string? value)
        {
            var text = (value ?? "").Trim();
            var inner = text.Length > 2 && text[0] == '[' && text[text.Length - 1] == ']' ? text.Substring(1, text.Length - 2) : text;
            if (inner.Contains(":") && !inner.Contains("%") && !inner.Contains("[") &&
                System.Net.IPAddress.TryParse(inner, out var ip) && ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
                return ip.ToString();
            return text;
        }

        public int? SshPort { get; set; }

        public string? SshUser { get; set; }

        /// <summary>Where SSH connects: <see cref="SshHost"/> when set, otherwise <see cref="Address"/>.</summary>
        public string SshTarget => string.IsNullOrEmpty(SshHost) ? Address : SshHost!;

        public EtcdMember Clone() => (EtcdMember)MemberwiseClone();

        public override string ToString() => $"{Name} ({Address})";
    }
}
