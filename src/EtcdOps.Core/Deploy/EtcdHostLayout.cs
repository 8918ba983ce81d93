using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>
    /// Where etcd lives on one host: binaries, conf.yml, certificates, data and WAL, the systemd unit, the etcd
    /// account. New-EtcdConfig decides it; every later cmdlet that only has the cluster reads it back from the host
    /// (the unit that runs etcd names conf.yml, and conf.yml names the rest): one mechanism, no second copy to drift.
    /// </summary>
    public sealed class EtcdHostLayout
    {
        public const string DefaultBinaryDirectory = "/usr/local/bin";
        public const string DefaultCertificateDirectory = "/etc/etcd";
        public const string DefaultConfigPath = "/etc/etcd/conf.yml";
        public const string DefaultUnitPath = "/etc/systemd/system/etcd.service";
        public const int DefaultEtcdId = 1501;

        public string BinaryDirectory { get; set; } = DefaultBinaryDirectory;
        public string ConfigPath { get; set; } = DefaultConfigPath;
        public string CertificateDirectory { get; set; } = DefaultCertificateDirectory;
        public string DataDir { get; set; } = EtcdCluster.DefaultDataDir;

        /// <summary>Null: the WAL lives under the data directory.</summary>
        public string? WalDir { get; set; }

        public string UnitPath { get; set; } = DefaultUnitPath;
        public int EtcdUid { get; set; } = DefaultEtcdId;
        public int EtcdGid { get; set; } = DefaultEtcdId;

        /// <summary>The files etcd was told to use (certificates, keys, CAs), as conf.yml names them; empty for a layout not read from a host.</summary>
        public IReadOnlyList<string> CertificateFiles { get; set; } = Array.Empty<string>();

        /// <summary>The certificate files of conf.yml (cert-file, trusted-ca-file), without the keys: what may be read back.</summary>
        public IReadOnlyList<string> PublicCertificateFiles { get; set; } = Array.Empty<string>();

        /// <summary>conf.yml's file for each TLS role: client-transport-security's and peer-transport-security's cert-file and key-file.</summary>
        public string? ServerCertificateFile { get; set; }
        public string? ServerKeyFile { get; set; }
        public string? PeerCertificateFile { get; set; }
        public string? PeerKeyFile { get; set; }

        /// <summary>conf.yml's trusted-ca-file of each transport: the CA pools etcd builds once, at start.</summary>
        public IReadOnlyList<string> TrustedCaFiles { get; set; } = Array.Empty<string>();
        /// <summary>client-transport-security's trusted-ca-file: the CA etcd's clients are checked against (and, in EtcdOps' sets, the server's CA).</summary>
        public string? ClientCaFile { get; set; }

        /// <summary>The CA a client on the host (etcdctl) trusts: conf.yml's client trusted-ca-file, else ca.pem in the certificate folder.</summary>
        public string ClientTrustedCaFile => ClientCaFile ?? CertificateDirectory.TrimEnd('/') + "/" + EtcdCertificateSet.CaFile;

        /// <summary>The client certificate Install-EtcdNode places beside the server's: &lt;name&gt;.pem (New-EtcdCertificateSet -ClientName).</summary>
        public string ClientCertificateFile(string clientName) => CertificateDirectory.TrimEnd('/') + "/" + clientName + ".pem";

        public string ClientKeyFile(string clientName) => CertificateDirectory.TrimEnd('/') + "/" + clientName + "-key.pem";

        /// <summary>The systemd unit's name: etcd for /etc/systemd/system/etcd.service.</summary>
        public string UnitName
        {
            get
            {
                var file = UnitPath.Substring(UnitPath.LastIndexOf('/') + 1);
                return file.EndsWith(".service", StringComparison.Ordinal) ? file.Substring(0, file.Length - 8) : file;
            }
        }

        public string ConfigDirectory => Directory(ConfigPath);

        public string EtcdBinary => BinaryDirectory.TrimEnd('/') + "/etcd";

        public string EtcdctlBinary => BinaryDirectory.TrimEnd('/') + "/etcdctl";

        /// <summary>etcdutl (etcd 3.5 and later; a 3.4 host has none).</summary>
        public string EtcdutlBinary => BinaryDirectory.TrimEnd('/') + "/etcdutl";

        /// <summary>The directories etcd must own (0700): config, data, and a separate WAL dir.</summary>
        public IReadOnlyList<string> EtcdDirectories =>
            new[] { ConfigDirectory, DataDir }.Concat(WalDir == null ? Array.Empty<string>() : new[] { WalDir }).Distinct().ToList();

        public EtcdHostLayout Clone() => (EtcdHostLayout)MemberwiseClone();

        public override string ToString() => $"{UnitPath} -> {EtcdBinary} --config-file={ConfigPath}";

        /// <summary>The layout New-EtcdConfig's options describe.</summary>
        internal static EtcdHostLayout FromOptions(EtcdConfigOptions options, string dataDir, string? walDir) => new EtcdHostLayout
        {
            BinaryDirectory = options.BinaryDirectory.TrimEnd('/'),
            ConfigPath = options.ConfigPath,
            CertificateDirectory = options.CertificateDirectory.TrimEnd('/'),
            UnitPath = options.UnitPath,
            DataDir = dataDir,
            WalDir = string.IsNullOrEmpty(walDir) ? null : walDir,
        };

        /// <summary>
        /// Reads the layout back from a host: the systemd unit that runs <c>etcd --config-file=...</c> (etcd.service
        /// first), then that conf.yml. A host without etcd gets the defaults, with <paramref name="defaultDataDir"/>.
        /// </summary>
        internal static Task<EtcdHostLayout> ReadAsync(IRemoteHost host, string defaultDataDir, CancellationToken cancellation) =>
            ReadAsync(host, defaultDataDir, Directory(DefaultUnitPath), cancellation);

        /// <summary>The same, looking for the unit in <paramref name="unitDirectory"/>.</summary>
        internal static async Task<EtcdHostLayout> ReadAsync(IRemoteHost host, string defaultDataDir, string unitDirectory, CancellationToken cancellation)
        {
            // Prints "unit=<path>", "exec=<ExecStart line>", then conf.yml after a marker line.
            var output = await host.RunCheckedAsync(RemoteScript.ReadLayout.Command(unitDirectory), "reading where etcd is installed", cancellation).ConfigureAwait(false);
            return Parse(output, defaultDataDir);
        }

        private static readonly Regex ExecStart = new Regex(@"^ExecStart=\s*[-@:+!]*(?<bin>\S*/)?etcd\s.*--config-file=(?<conf>\S+)", RegexOptions.CultureInvariant);

        internal static EtcdHostLayout Parse(string output, string defaultDataDir)
        {
            var layout = new EtcdHostLayout { DataDir = defaultDataDir };
            var marker = output.IndexOf("--- conf\n", StringComparison.Ordinal);
            var head = marker < 0 ? output : output.Substring(0, marker);
            var conf = marker < 0 ? "" : output.Substring(marker + 9);
            string? unit = null, exec = null;
            foreach (var line in head.Split('\n'))
            {
                if (line.StartsWith("unit=", StringComparison.Ordinal)) unit = line.Substring(5).Trim();
                else if (line.StartsWith("exec=", StringComparison.Ordinal)) exec = line.Substring(5).Trim();
            }
            if (unit == null || exec == null) return layout;
            layout.UnitPath = unit;
            var m = ExecStart.Match(exec);
            if (m.Success)
            {
                if (m.Groups["bin"].Success && m.Groups["bin"].Value.Length > 1) layout.BinaryDirectory = m.Groups["bin"].Value.TrimEnd('/');
                layout.ConfigPath = m.Groups["conf"].Value;
                layout.CertificateDirectory = Directory(layout.ConfigPath);
            }
            if (conf.Trim().Length == 0) return layout;
            var doc = ConfigDocument.Parse(conf, layout.ConfigPath);
            if (!doc.IsUsable) return layout;
            layout.DataDir = doc.GetString("data-dir") ?? defaultDataDir;
            layout.WalDir = doc.GetString("wal-dir");
            var files = new List<string>();
            var certificates = new List<string>();
            var trusted = new List<string>();
            foreach (var section in new[] { "client-transport-security", "peer-transport-security" })
            {
                if (doc.Get(section) is not { Kind: ConfigValueKind.Map } tls) continue;
                foreach (var key in new[] { "cert-file", "key-file", "trusted-ca-file" })
                {
                    if (!tls.Map.TryGetValue(key, out var v) || v.Kind != ConfigValueKind.String || v.Text.Length == 0) continue;
                    var client = section == "client-transport-security";
                    if (key == "cert-file") { if (client) layout.ServerCertificateFile = v.Text; else layout.PeerCertificateFile = v.Text; }
                    if (key == "key-file") { if (client) layout.ServerKeyFile = v.Text; else layout.PeerKeyFile = v.Text; }
                    if (key == "trusted-ca-file" && !trusted.Contains(v.Text)) trusted.Add(v.Text);
                    if (key == "trusted-ca-file" && client) layout.ClientCaFile = v.Text;
                    if (!files.Contains(v.Text)) files.Add(v.Text);
                    if (key != "key-file" && !certificates.Contains(v.Text)) certificates.Add(v.Text);
                }
            }
            layout.CertificateFiles = files;
            layout.PublicCertificateFiles = certificates;
            layout.TrustedCaFiles = trusted;
            var certFile = files.FirstOrDefault();
            if (certFile != null) layout.CertificateDirectory = Directory(certFile);
            return layout;
        }

        /// <summary>
        /// Whether Uninstall may remove a directory whole: only one that is clearly etcd's own (its name says etcd,
        /// like /etc/etcd or /etc/ssl/etcd), never a shared one such as /etc/ssl or /usr/local/bin.
        /// </summary>
        internal static bool IsEtcdOwnDirectory(string path)
        {
            var trimmed = path.TrimEnd('/');
            var name = trimmed.Substring(trimmed.LastIndexOf('/') + 1);
            return trimmed.Count(c => c == '/') >= 2 && name.IndexOf("etcd", StringComparison.OrdinalIgnoreCase) >= 0;
        }

        private static string Directory(string path)
        {
            var i = path.TrimEnd('/').LastIndexOf('/');
            return i <= 0 ? "/" : path.Substring(0, i);
        }
    }
}
