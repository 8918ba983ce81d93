using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>
    /// Test-EtcdNode's judge: the CIS etcd recommendations 2.1-2.7 read from the conf.yml the unit really starts etcd
    /// with (kube-bench reads them from <c>ps</c>, which shows nothing for a --config-file deploy), and the host checks
    /// for etcd's files. Exactly one finding per check per member, Pass or Error (Warning for the running process),
    /// each failure with its fix.
    /// </summary>
    internal static class NodeAudit
    {
        private const string Cis = "CIS Kubernetes Benchmark v1.8, ";
        private const string KubeBench = " (kube-bench cfg/cis-1.8/etcd.yaml)";
        private const string Client = "client-transport-security";
        private const string Peer = "peer-transport-security";
        internal const string EtcdAccount = "etcd";

        /// <summary>The checks in the order they are reported: (rule, reference).</summary>
        internal static readonly IReadOnlyList<(string Rule, string Reference)> Checks = new[]
        {
            (ErrorIds.CisCertFile, Cis + "2.1 Ensure that the --cert-file and --key-file arguments are set as appropriate" + KubeBench),
            (ErrorIds.CisClientCertAuth, Cis + "2.2 Ensure that the --client-cert-auth argument is set to true" + KubeBench),
            (ErrorIds.CisAutoTls, Cis + "2.3 Ensure that the --auto-tls argument is not set to true" + KubeBench),
            (ErrorIds.CisPeerCertFile, Cis + "2.4 Ensure that the --peer-cert-file and --peer-key-file arguments are set as appropriate" + KubeBench),
            (ErrorIds.CisPeerClientCertAuth, Cis + "2.5 Ensure that the --peer-client-cert-auth argument is set to true" + KubeBench),
            (ErrorIds.CisPeerAutoTls, Cis + "2.6 Ensure that the --peer-auto-tls argument is not set to true" + KubeBench),
            (ErrorIds.CisTrustedCa, Cis + "2.7 Ensure that a unique Certificate Authority is used for etcd" + KubeBench),
            (ErrorIds.HostConfigFileMode, "EtcdOps host check: conf.yml holds the cluster's layout and key paths; 600, owned by root or etcd"),
            (ErrorIds.HostDataDirMode, Cis + "1.1.11 and 1.1.12: etcd data directory permissions 700 or more restrictive, ownership etcd:etcd"),
            (ErrorIds.HostKeyFileMode, "EtcdOps host check (as CIS 1.1.21 for Kubernetes PKI key files): etcd's private keys 600"),
            (ErrorIds.HostCaKey, "EtcdOps host check: the CA key stays on the workstation; a host holds only its own keys"),
            (ErrorIds.HostPlainTextMetrics, "etcd docs, listen-metrics-urls: /metrics and /health without TLS only on a loopback address"),
            (ErrorIds.HostStaleProcess, "EtcdOps host check: the running etcd was started from the conf.yml on disk"),
        };

        /// <summary>Reads one member's facts (one round trip) and judges them; a host without an etcd unit is an EtcdNotInstalled error.</summary>
        public static async Task<IReadOnlyList<EtcdFinding>> AuditAsync(IRemoteHost host, EtcdMember member, CancellationToken cancellation)
        {
            var facts = await NodeAuditFacts.ReadAsync(host, cancellation).ConfigureAwait(false);
            if (!facts.Deployed)
                throw new EtcdOpsException(ErrorIds.EtcdNotInstalled, FailureKind.NotInstalled,
                    $"{member.Name}: no systemd unit in {NodeAuditFacts.DefaultUnitDirectory} runs etcd --config-file=... on {member.SshTarget}. Deploy the member with Install-EtcdNode first.", member.Name);
            return Judge(member.Name, facts);
        }

        public static IReadOnlyList<EtcdFinding> Judge(string member, NodeAuditFacts facts)
        {
            var findings = new List<EtcdFinding>();
            void Add(FindingSeverity severity, string rule, string? key, string message) =>
                findings.Add(new EtcdFinding(severity, rule, member, key, message) { Reference = Checks.First(c => c.Rule == rule).Reference });

            var conf = facts.ConfigPath ?? EtcdHostLayout.DefaultConfigPath;
            var doc = ConfigDocument.Parse(facts.ConfigText, conf);
            if (facts.ConfigText.Trim().Length == 0 || !doc.IsUsable)
            {
                var why = facts.ConfigText.Trim().Length == 0
                    ? $"{conf} could not be read (the unit {facts.UnitPath} names it)"
                    : $"{conf} is not a config etcd can read ({doc.SyntaxError ?? doc.ShapeError})";
                foreach (var (rule, _) in Checks.Take(7))
                    Add(FindingSeverity.Error, rule, null, why + ". Re-deploy the member with Install-EtcdNode.");
            }
            else
            {
                CertAndKey(Add, doc, Client, ErrorIds.CisCertFile);
                ClientCertAuth(Add, doc, Client, ErrorIds.CisClientCertAuth);
                AutoTls(Add, doc, Client, ErrorIds.CisAutoTls);
                CertAndKey(Add, doc, Peer, ErrorIds.CisPeerCertFile);
                ClientCertAuth(Add, doc, Peer, ErrorIds.CisPeerClientCertAuth);
                AutoTls(Add, doc, Peer, ErrorIds.CisPeerAutoTls);
                TrustedCa(Add, doc, facts);
            }

            ConfigFile(Add, conf, facts);
            DataDirectories(Add, doc, facts);
            KeyFiles(Add, doc, facts);
            CaKey(Add, doc, facts);
            PlainTextListeners(Add, doc);
            RunningProcess(Add, conf, facts);
            return findings;
        }

        private delegate void AddFinding(FindingSeverity severity, string rule, string? key, string message);

        private static string? Setting(ConfigDocument doc, string section, string key) =>
            doc.Get(section) is { Kind: ConfigValueKind.Map } map && map.Map.TryGetValue(key, out var v) && v.Kind == ConfigValueKind.String && v.Text.Length > 0 ? v.Text : null;

        private static ConfigValue? Value(ConfigDocument doc, string section, string key) =>
            doc.Get(section) is { Kind: ConfigValueKind.Map } map && map.Map.TryGetValue(key, out var v) && v.Kind != ConfigValueKind.Null ? v : null;

        private static void CertAndKey(AddFinding add, ConfigDocument doc, string section, string rule)
        {
            var cert = Setting(doc, section, "cert-file");
            var key = Setting(doc, section, "key-file");
            if (cert != null && key != null)
                add(FindingSeverity.Pass, rule, section, $"{section} names cert-file {cert} and key-file {key}.");
            else
                add(FindingSeverity.Error, rule, section + "." + (cert == null ? "cert-file" : "key-file"),
                    $"{section} has no {(cert == null ? "cert-file" : "key-file")}: etcd {(section == Client ? "serves clients" : "talks to its peers")} without its own certificate. " +
                    "Set cert-file and key-file (New-EtcdConfig -CertificateSet does), deploy with Install-EtcdNode.");
        }

        private static void ClientCertAuth(AddFinding add, ConfigDocument doc, string section, string rule)
        {
            var v = Value(doc, section, "client-cert-auth");
            if (v != null && ConfigDocument.IsTrue(v))
                add(FindingSeverity.Pass, rule, section + ".client-cert-auth", $"{section}.client-cert-auth is true.");
            else
                add(FindingSeverity.Error, rule, section + ".client-cert-auth",
                    $"{section}.client-cert-auth is {(v == null ? "not set (false)" : v.Text)}: etcd accepts {(section == Client ? "clients" : "peers")} without a certificate of its CA. " +
                    $"Set {section}.client-cert-auth: true in conf.yml and restart the member (Restart-EtcdNode), or re-deploy with Install-EtcdNode.");
        }

        private static void AutoTls(AddFinding add, ConfigDocument doc, string section, string rule)
        {
            var v = Value(doc, section, "auto-tls");
            if (v == null || !ConfigDocument.IsTrue(v))
                add(FindingSeverity.Pass, rule, section + ".auto-tls", $"{section}.auto-tls is {(v == null ? "not set (false)" : v.Text)}.");
            else
                add(FindingSeverity.Error, rule, section + ".auto-tls",
                    $"{section}.auto-tls is true: etcd may serve a self-signed certificate nobody can verify. " +
                    $"Remove {section}.auto-tls or set it to false in conf.yml and restart the member (Restart-EtcdNode), or re-deploy with Install-EtcdNode.");
        }

        private static void TrustedCa(AddFinding add, ConfigDocument doc, NodeAuditFacts facts)
        {
            var client = Setting(doc, Client, "trusted-ca-file");
            var peer = Setting(doc, Peer, "trusted-ca-file");
            var missing = new[] { (Client, client), (Peer, peer) }.Where(s => s.Item2 == null).Select(s => s.Item1 + ".trusted-ca-file").ToList();
            var absent = new[] { client, peer }.Where(p => p != null && facts.Path(p) is { Exists: false }).Distinct().ToList();
            if (missing.Count == 0 && absent.Count == 0)
                add(FindingSeverity.Pass, ErrorIds.CisTrustedCa, "trusted-ca-file",
                    client == peer ? $"Clients and peers are verified against {client}." : $"Clients are verified against {client}, peers against {peer}.");
            else if (missing.Count > 0)
                add(FindingSeverity.Error, ErrorIds.CisTrustedCa, missing[0],
                    $"{string.Join(" and ", missing)} {(missing.Count == 1 ? "is" : "are")} not set: etcd does not check certificates against a CA of its own. " +
                    "Give etcd a dedicated CA (New-EtcdCertificateSet makes one) and deploy with Install-EtcdNode.");
            else
                add(FindingSeverity.Error, ErrorIds.CisTrustedCa, absent[0],
                    $"{string.Join(", ", absent)} does not exist on the host: etcd cannot verify certificates. Re-deploy the member with Install-EtcdNode.");
        }

        private static void ConfigFile(AddFinding add, string conf, NodeAuditFacts facts)
        {
            var p = facts.Path(conf);
            if (p == null || !p.Exists)
                add(FindingSeverity.Error, ErrorIds.HostConfigFileMode, conf, $"{conf} does not exist. Re-deploy the member with Install-EtcdNode.");
            else if (OnlyOwner(p.Mode) && (p.User == "root" || p.User == EtcdAccount))
                add(FindingSeverity.Pass, ErrorIds.HostConfigFileMode, conf, $"{p}.");
            else
                add(FindingSeverity.Error, ErrorIds.HostConfigFileMode, conf,
                    $"{p}: conf.yml must be 600 and owned by root or {EtcdAccount}. Fix: chown {EtcdAccount}:{EtcdAccount} '{conf}' && chmod 600 '{conf}'.");
        }

        private static void DataDirectories(AddFinding add, ConfigDocument doc, NodeAuditFacts facts)
        {
            var dirs = new[] { doc.IsUsable ? doc.GetString("data-dir") : null, doc.IsUsable ? doc.GetString("wal-dir") : null }
                .Where(d => !string.IsNullOrEmpty(d)).Select(d => d!).Distinct().ToList();
            if (dirs.Count == 0)
            {
                add(FindingSeverity.Error, ErrorIds.HostDataDirMode, "data-dir",
                    "conf.yml names no data-dir: etcd would keep its data in the directory it starts in. Re-deploy the member with Install-EtcdNode.");
                return;
            }
            var bad = dirs.Select(d => facts.Path(d) ?? new RemotePathFacts { Path = d }).Where(p => !(p.Exists && p.Mode == "700" && p.User == EtcdAccount && p.Group == EtcdAccount)).ToList();
            if (bad.Count == 0)
                add(FindingSeverity.Pass, ErrorIds.HostDataDirMode, dirs[0], string.Join(", ", dirs.Select(d => facts.Path(d)!.ToString())) + ".");
            else
                add(FindingSeverity.Error, ErrorIds.HostDataDirMode, bad[0].Path,
                    $"{string.Join(", ", bad)}: etcd's data must be 700 {EtcdAccount}:{EtcdAccount}. Fix: " +
                    string.Join(" && ", bad.Select(b => $"chown {EtcdAccount}:{EtcdAccount} '{b.Path}' && chmod 700 '{b.Path}'")) + ".");
        }

        private static IReadOnlyList<string> KeyPaths(ConfigDocument doc) => doc.IsUsable
            ? new[] { Setting(doc, Client, "key-file"), Setting(doc, Peer, "key-file") }.Where(k => k != null).Select(k => k!).Distinct().ToList()
            : (IReadOnlyList<string>)Array.Empty<string>();

        private static void KeyFiles(AddFinding add, ConfigDocument doc, NodeAuditFacts facts)
        {
            // The keys conf.yml names, and every other private key lying next to them (client-key.pem for etcdctl on the host).
            var keys = KeyPaths(doc).Concat(facts.PrivateKeyFiles).Distinct(StringComparer.Ordinal).ToList();
            if (KeyPaths(doc).Count == 0)
            {
                add(FindingSeverity.Error, ErrorIds.HostKeyFileMode, "key-file", "conf.yml names no key-file. Re-deploy the member with Install-EtcdNode.");
                return;
            }
            var seen = keys.Select(k => facts.Path(k) ?? new RemotePathFacts { Path = k }).ToList();
            var bad = seen.Where(p => !(p.Exists && OnlyOwner(p.Mode))).ToList();
            if (bad.Count == 0)
                add(FindingSeverity.Pass, ErrorIds.HostKeyFileMode, keys[0], string.Join(", ", seen) + ".");
            else
                add(FindingSeverity.Error, ErrorIds.HostKeyFileMode, bad[0].Path,
                    $"{string.Join(", ", bad)}: a private key must be readable by its owner only. Fix: " +
                    string.Join(" && ", bad.Select(b => b.Exists ? $"chmod 600 '{b.Path}'" : $"re-deploy the member with Install-EtcdNode ('{b.Path}' is missing)")) + ".");
        }

        private static readonly System.Text.RegularExpressions.Regex CaKeyName =
            new System.Text.RegularExpressions.Regex(@"(^|[-_.])ca([-_.]|$)", System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

        private static void CaKey(AddFinding add, ConfigDocument doc, NodeAuditFacts facts)
        {
            var own = KeyPaths(doc);
            List<string> caKeys;
            string how;
            if (facts.OpensslAvailable && facts.CaPublicKeys.Count > 0)
            {
                // A private key whose public half is a trusted CA certificate's is that CA's key.
                caKeys = facts.PrivateKeyFiles.Where(k => facts.PrivateKeyPublic.TryGetValue(k, out var h) && facts.CaPublicKeys.Contains(h)).ToList();
                how = "its public key is the CA certificate's";
            }
            else
            {
                // Without openssl on the host: judged by name (ca-key.pem, ca.key, etcd-ca-key.pem, ...).
                caKeys = facts.PrivateKeyFiles.Where(k => !own.Contains(k, StringComparer.Ordinal) && CaKeyName.IsMatch(k.Substring(k.LastIndexOf('/') + 1))).ToList();
                how = "judged by its name: the host has no openssl to compare it with the CA certificate";
            }
            if (caKeys.Count == 0)
                add(FindingSeverity.Pass, ErrorIds.HostCaKey, null,
                    $"No CA key on the host; the private keys next to etcd's files are {(facts.PrivateKeyFiles.Count == 0 ? "none" : string.Join(", ", facts.PrivateKeyFiles))}" +
                    (facts.OpensslAvailable ? ", none of them a trusted CA's." : " (judged by name: the host has no openssl)."));
            else
                add(FindingSeverity.Error, ErrorIds.HostCaKey, caKeys[0],
                    $"{string.Join(", ", caKeys)} {(caKeys.Count == 1 ? "is" : "are")} the CA's private key ({how}): whoever reads it can mint certificates the cluster trusts. " +
                    "Keep the CA key on the workstation and remove it from the host: " + string.Join(" && ", caKeys.Select(s => $"shred -u '{s}'")) + ".");
        }

        private static void PlainTextListeners(AddFinding add, ConfigDocument doc)
        {
            var open = new List<string>();
            if (doc.IsUsable)
                foreach (var key in new[] { "listen-metrics-urls", "listen-client-urls", "listen-client-http-urls" })
                {
                    var text = doc.GetString(key);
                    if (text == null) continue;
                    foreach (var url in text.Split(',').Select(u => u.Trim()).Where(u => u.Length > 0))
                        if (url.StartsWith("http://", StringComparison.OrdinalIgnoreCase) && !IsLoopback(url)) open.Add($"{key}: {url}");
                }
            var metrics = doc.IsUsable ? doc.GetString("listen-metrics-urls") : null;
            if (open.Count == 0)
                add(FindingSeverity.Pass, ErrorIds.HostPlainTextMetrics, "listen-metrics-urls",
                    metrics == null ? "No extra metrics listener; /metrics and /health are served only on the TLS client URLs." : $"listen-metrics-urls is {metrics}: plain HTTP only on loopback, if at all.");
            else
                add(FindingSeverity.Error, ErrorIds.HostPlainTextMetrics, open[0].Substring(0, open[0].IndexOf(':')),
                    $"{string.Join("; ", open)}: /metrics and /health answer anyone on the network without TLS (and on a client URL, so does the whole API). " +
                    "Use an https:// URL, or http://127.0.0.1:<port> for a local scraper, and restart the member; New-EtcdConfig -MetricsUrl takes it.");
        }

        private static void RunningProcess(AddFinding add, string conf, NodeAuditFacts facts)
        {
            if (facts.Active != "active" || facts.MainPid == 0)
            {
                add(FindingSeverity.Warning, ErrorIds.HostStaleProcess, facts.UnitPath,
                    $"etcd is not running (systemd: {(facts.Active.Length == 0 ? "unknown" : facts.Active)}): the checks above read its files only. Start it with Start-EtcdNode.");
                return;
            }
            if (facts.ProcessConfigPath != null && facts.ProcessConfigPath != conf)
            {
                add(FindingSeverity.Warning, ErrorIds.HostStaleProcess, facts.ProcessConfigPath,
                    $"The running etcd (pid {facts.MainPid}) uses {facts.ProcessConfigPath}, the unit now names {conf}: the checks describe what a restart would use. Restart it with Restart-EtcdNode.");
                return;
            }
            if (facts.StartedMicros is long started && facts.ConfigModifiedMicros is long modified && modified > started)
            {
                add(FindingSeverity.Warning, ErrorIds.HostStaleProcess, conf,
                    $"{conf} changed at {Time(modified)}, after etcd started ({Time(started)}): the running process still uses the old settings, the checks above describe the file. " +
                    "Restart the member (Restart-EtcdNode) to apply it.");
                return;
            }
            add(FindingSeverity.Pass, ErrorIds.HostStaleProcess, conf,
                $"etcd (pid {facts.MainPid}) runs with {conf}{(facts.StartedMicros is long s ? ", started " + Time(s) : "")}, after its last change.");
        }

        /// <summary>Readable by its owner and by nobody else: 600 and 400 pass; 640, 644 and 700 do not.</summary>
        internal static bool OnlyOwner(string mode)
        {
            if (mode.Length == 0 || mode.Any(c => c < '0' || c > '7')) return false;
            var bits = Convert.ToInt32(mode, 8);
            return (bits & 0x3F) == 0 && (bits & 0x100) != 0 && (bits & 0x40) == 0 && bits <= 0x1FF;
        }

        internal static bool IsLoopback(string url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri)) return false;
            var host = uri.Host.Trim('[', ']');
            if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)) return true;
            return System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip);
        }

        private static string Time(long micros) =>
            DateTimeOffset.FromUnixTimeMilliseconds(micros / 1000).ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
    }
}
