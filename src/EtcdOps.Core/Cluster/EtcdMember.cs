namespace EtcdOps
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

        /// <summary>The IP address etcd binds to and advertises. etcd cannot bind to a DNS name.</summary>
        public string Address { get; set; } = "";

        /// <summary>Host name or IP used for SSH; defaults to <see cref="Address"/>.</summary>
        public string? SshHost { get; set; }

        public int? SshPort { get; set; }

        public string? SshUser { get; set; }

        /// <summary>Where SSH connects: <see cref="SshHost"/> when set, otherwise <see cref="Address"/>.</summary>
        public string SshTarget => string.IsNullOrEmpty(SshHost) ? Address : SshHost!;

        public EtcdMember Clone() => (EtcdMember)MemberwiseClone();

        public override string ToString() => $"{Name} ({Address})";
    }
}
