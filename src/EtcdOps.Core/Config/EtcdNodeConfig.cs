using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace EtcdOps.Config
{
    /// <summary>Everything one member needs on its host: conf.yml, the systemd unit, and which certificate files go where.</summary>
    public sealed class EtcdNodeConfig
    {
        public EtcdMember Member { get; set; } = new EtcdMember();
        public EtcdCluster Cluster { get; set; } = new EtcdCluster();

        /// <summary>The certificate set the files come from; null when rendered without one.</summary>
        public EtcdCertificateSet? CertificateSet { get; set; }

        /// <summary>The etcd release the config is rendered for.</summary>
        public string Version { get; set; } = EtcdCluster.DefaultVersion;

        public EtcdConfigSettings Settings { get; set; } = new EtcdConfigSettings();

        /// <summary>The conf.yml text.</summary>
        public string Yaml { get; set; } = "";

        /// <summary>The etcd.service unit text.</summary>
        public string SystemdUnit { get; set; } = "";

        /// <summary>Where etcd lives on the host (binaries, conf.yml, certificates, data, unit): the one place later cmdlets read it from.</summary>
        public EtcdHostLayout Layout { get; set; } = new EtcdHostLayout();

        public string ConfigPath => Layout.ConfigPath;
        public string UnitPath => Layout.UnitPath;

        /// <summary>Certificate and key files to copy to the host. Never the CA key: it stays on the workstation.</summary>
        public EtcdList<EtcdFilePlacement> Files { get; set; } = new EtcdList<EtcdFilePlacement>();

        /// <summary>The local folder the files were written to with -Path; null otherwise.</summary>
        public string? LocalDirectory { get; set; }

        /// <summary>
        /// The same config with another initial-cluster-state. After the first start, members must run with
        /// "existing": with "new" a restarted member whose data directory was lost would try to found a second cluster.
        /// Only the state line of <see cref="Yaml"/> changes, so a checked (or hand-edited) text stays byte for byte.
        /// </summary>
        public EtcdNodeConfig WithInitialClusterState(string state)
        {
            var copy = (EtcdNodeConfig)MemberwiseClone();
            copy.Settings = Settings.Clone();
            copy.Settings.InitialClusterState = EtcdConfigRenderer.CheckClusterState(state);
            copy.Files = Files.Select(f => f.Clone()).ToList();
            copy.Layout = Layout.Clone();
            copy.Yaml = ReplaceStateLine(Yaml, copy.Settings.InitialClusterState);
            return copy;
        }

        private static readonly Regex StateLine = new Regex(@"^initial-cluster-state:[^\n]*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        internal static string ReplaceStateLine(string yaml, string state)
        {
            var line = "initial-cluster-state: " + state;
            if (StateLine.IsMatch(yaml)) return StateLine.Replace(yaml, line, 1);
            return yaml.EndsWith("\n", System.StringComparison.Ordinal) ? yaml + line + "\n" : yaml + "\n" + line + "\n";
        }

        public override string ToString() => $"{Member.Name}: {ConfigPath} (etcd {Version})";
    }

    /// <summary>One file to copy: local path, path on the host, and whether it is a private key (mode 0600, owner etcd).</summary>
    public sealed class EtcdFilePlacement
    {
        public string LocalPath { get; set; } = "";
        public string RemotePath { get; set; } = "";
        public bool IsPrivateKey { get; set; }

        /// <summary>The octal mode the file gets on the host.</summary>
        public string Mode => IsPrivateKey ? "0600" : "0644";

        public EtcdFilePlacement Clone() => (EtcdFilePlacement)MemberwiseClone();

        public override string ToString() => $"{LocalPath} -> {RemotePath}";
    }
}
