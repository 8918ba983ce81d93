using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    /// <summary>Test-EtcdNode's judge on canned output of audit-node.sh: every check passes on a good host, and each fault fails its own check only.</summary>
    public class NodeAuditTests
    {
        private const string Dir = "/etc/etcd dir";

        private static string Conf(string clientExtra = "", string peerExtra = "", string top = "") =>
            "name: etcd-1\ndata-dir: /var/lib/etcd\nlisten-metrics-urls: http://127.0.0.1:2381\nlisten-client-urls: https://10.0.0.1:2379\n" + top +
            $"client-transport-security:\n  cert-file: \"{Dir}/server.pem\"\n  key-file: \"{Dir}/server-key.pem\"\n  client-cert-auth: true\n  trusted-ca-file: \"{Dir}/ca.pem\"\n  auto-tls: false\n" + clientExtra +
            $"peer-transport-security:\n  cert-file: \"{Dir}/etcd-1.pem\"\n  key-file: \"{Dir}/etcd-1-key.pem\"\n  client-cert-auth: true\n  trusted-ca-file: \"{Dir}/ca.pem\"\n  auto-tls: false\n" + peerExtra;

        private static readonly Dictionary<string, string> GoodStats = new Dictionary<string, string>
        {
            [$"{Dir}/conf.yml"] = "600 etcd etcd",
            ["/var/lib/etcd"] = "700 etcd etcd",
            [$"{Dir}/server.pem"] = "644 etcd etcd",
            [$"{Dir}/server-key.pem"] = "600 etcd etcd",
            [$"{Dir}/etcd-1.pem"] = "644 etcd etcd",
            [$"{Dir}/etcd-1-key.pem"] = "600 etcd etcd",
            [$"{Dir}/ca.pem"] = "644 etcd etcd",
            [$"{Dir}/client-key.pem"] = "600 etcd etcd",
        };

        private static string Output(string? conf = null, Dictionary<string, string>? stats = null, string extra = "",
            long started = 2_000_000, long modified = 1_000_000, string caKeyExtra = "")
        {
            var lines = new List<string>
            {
                "unit=/etc/systemd/system/etcd.service",
                $"exec=ExecStart=/usr/local/bin/etcd \"--config-file={Dir}/conf.yml\"",
                $"config={Dir}/conf.yml", "now=3000000", "active=active", $"started={started}", "pid=4242",
                $"cmdconfig={Dir}/conf.yml", $"confmtime={modified}",
            };
            foreach (var s in stats ?? GoodStats) lines.Add(s.Value == "missing" ? $"stat=missing {s.Key}" : $"stat={s.Value} {s.Key}");
            foreach (var k in new[] { "client-key.pem", "etcd-1-key.pem", "server-key.pem" }) lines.Add($"pkey={Dir}/{k}");
            lines.Add("openssl=yes");
            lines.Add("capub=CAHASH");
            lines.Add($"pkeypub=H1 {Dir}/client-key.pem");
            lines.Add($"pkeypub=H2 {Dir}/etcd-1-key.pem");
            lines.Add($"pkeypub=H3 {Dir}/server-key.pem");
            if (caKeyExtra.Length > 0) lines.Add(caKeyExtra);
            if (extra.Length > 0) lines.Add(extra);
            return string.Join("\n", lines) + "\n--- conf\n" + (conf ?? Conf());
        }

        private static IReadOnlyList<EtcdFinding> Judge(string output) => NodeAudit.Judge("etcd-1", NodeAuditFacts.Parse(output));

        private static string[] Failed(string output) => Judge(output).Where(f => f.Severity == "Error").Select(f => f.Rule).ToArray();

        [Fact]
        public void AGoodHostPassesEveryCheckWithOneFindingEach()
        {
            var findings = Judge(Output());
            Assert.Equal(NodeAudit.Checks.Select(c => c.Rule), findings.Select(f => f.Rule));
            Assert.All(findings, f => Assert.Equal("Pass", f.Severity));
            Assert.All(findings, f => Assert.False(string.IsNullOrEmpty(f.Reference)));
            Assert.All(findings, f => Assert.Equal("etcd-1", f.Target));
            Assert.Contains("2.1 Ensure that the --cert-file and --key-file arguments are set as appropriate", findings[0].Reference);
        }

        [Fact]
        public void TheFactsKeepPathsWithSpacesWhole()
        {
            var facts = NodeAuditFacts.Parse(Output());
            Assert.Equal($"{Dir}/conf.yml", facts.ConfigPath);
            Assert.Equal("600", facts.Path($"{Dir}/server-key.pem")!.Mode);
            Assert.Equal("etcd", facts.Path($"{Dir}/server-key.pem")!.Group);
            Assert.Contains($"{Dir}/client-key.pem", facts.PrivateKeyFiles);
            Assert.Equal("H1", facts.PrivateKeyPublic[$"{Dir}/client-key.pem"]);
        }

        [Theory]
        [InlineData("client-cert-auth: true\n  trusted-ca-file", "client-cert-auth: false\n  trusted-ca-file", 1, "CisClientCertAuth")]
        [InlineData("client-cert-auth: true\n  trusted-ca-file", "client-cert-auth: false\n  trusted-ca-file", 2, "CisPeerClientCertAuth")]
        [InlineData("auto-tls: false", "auto-tls: true", 1, "CisAutoTls")]
        [InlineData("auto-tls: false", "auto-tls: true", 2, "CisPeerAutoTls")]
        [InlineData("  key-file: \"/etc/etcd dir/server-key.pem\"\n", "", 1, "CisCertFile")]
        [InlineData("  cert-file: \"/etc/etcd dir/etcd-1.pem\"\n", "", 1, "CisPeerCertFile")]
        [InlineData("  trusted-ca-file: \"/etc/etcd dir/ca.pem\"\n", "", 2, "CisTrustedCa")]
        public void EachConfFaultFailsItsOwnCheckOnly(string from, string to, int occurrence, string rule)
        {
            var conf = Conf();
            var at = -1;
            for (var i = 0; i < occurrence; i++) at = conf.IndexOf(from, at + 1, System.StringComparison.Ordinal);
            conf = conf.Substring(0, at) + to + conf.Substring(at + from.Length);
            var failed = Failed(Output(conf));
            // A key-file that is no longer named is no longer checked for its mode; every other check still passes.
            Assert.Equal(new[] { rule }, failed);
        }

        [Fact]
        public void AKeyReadableByOthersFailsTheKeyCheckWithItsFix()
        {
            var stats = new Dictionary<string, string>(GoodStats) { [$"{Dir}/etcd-1-key.pem"] = "644 etcd etcd" };
            var findings = Judge(Output(stats: stats));
            var failed = Assert.Single(findings, f => f.Severity == "Error");
            Assert.Equal("HostKeyFileMode", failed.Rule);
            Assert.Equal($"{Dir}/etcd-1-key.pem", failed.Key);
            Assert.Contains($"chmod 600 '{Dir}/etcd-1-key.pem'", failed.Message);
        }

        [Fact]
        public void TheClientKeyNextToEtcdsCountsAsAKeyFile()
        {
            var stats = new Dictionary<string, string>(GoodStats) { [$"{Dir}/client-key.pem"] = "640 etcd etcd" };
            Assert.Equal(new[] { "HostKeyFileMode" }, Failed(Output(stats: stats)));
        }

        [Theory]
        [InlineData("/var/lib/etcd", "755 etcd etcd", "HostDataDirMode")]
        [InlineData("/var/lib/etcd", "700 root root", "HostDataDirMode")]
        [InlineData("/etc/etcd dir/conf.yml", "644 etcd etcd", "HostConfigFileMode")]
        [InlineData("/etc/etcd dir/conf.yml", "600 nobody etcd", "HostConfigFileMode")]
        public void ModesAndOwnersOfConfAndDataDir(string path, string stat, string rule)
        {
            var stats = new Dictionary<string, string>(GoodStats) { [path] = stat };
            Assert.Equal(new[] { rule }, Failed(Output(stats: stats)));
        }

        [Fact]
        public void ConfOwnedByRootPasses()
        {
            var stats = new Dictionary<string, string>(GoodStats) { [$"{Dir}/conf.yml"] = "600 root root" };
            Assert.Empty(Failed(Output(stats: stats)));
        }

        [Fact]
        public void AKeyWhosePublicHalfIsTheCasIsTheCaKey()
        {
            var output = Output(caKeyExtra: $"pkey={Dir}/ca-key.pem\nstat=600 root root {Dir}/ca-key.pem\npkeypub=CAHASH {Dir}/ca-key.pem");
            var failed = Assert.Single(Judge(output), f => f.Severity == "Error");
            Assert.Equal("HostCaKey", failed.Rule);
            Assert.Equal($"{Dir}/ca-key.pem", failed.Key);
        }

        [Fact]
        public void WithoutOpensslACaKeyIsKnownByItsName()
        {
            var output = Output(caKeyExtra: $"pkey={Dir}/ca-key.pem\nstat=600 root root {Dir}/ca-key.pem").Replace("openssl=yes\n", "");
            Assert.Equal(new[] { "HostCaKey" }, Failed(output));
            var other = Output(caKeyExtra: $"pkey={Dir}/backup-key.pem\nstat=600 root root {Dir}/backup-key.pem").Replace("openssl=yes\n", "");
            Assert.Empty(Failed(other));
        }

        [Theory]
        [InlineData("listen-metrics-urls: http://127.0.0.1:2381", "listen-metrics-urls: http://10.0.0.1:2381", true)]
        [InlineData("listen-metrics-urls: http://127.0.0.1:2381", "listen-metrics-urls: http://0.0.0.0:2381", true)]
        [InlineData("listen-metrics-urls: http://127.0.0.1:2381", "listen-metrics-urls: https://10.0.0.1:2381", false)]
        [InlineData("listen-metrics-urls: http://127.0.0.1:2381", "listen-metrics-urls: http://[::1]:2381,http://localhost:2382", false)]
        [InlineData("listen-client-urls: https://10.0.0.1:2379", "listen-client-urls: https://10.0.0.1:2379,http://10.0.0.1:2378", true)]
        public void PlainHttpListenersBeyondLoopbackFail(string from, string to, bool fails)
        {
            var failed = Failed(Output(Conf().Replace(from, to)));
            Assert.Equal(fails ? new[] { "HostPlainTextMetrics" } : new string[0], failed);
        }

        [Fact]
        public void AConfChangedAfterEtcdStartedIsAWarningNotAFailure()
        {
            var findings = Judge(Output(started: 1_000_000, modified: 2_000_000));
            var stale = Assert.Single(findings, f => f.Rule == "HostStaleProcess");
            Assert.Equal("Warning", stale.Severity);
            Assert.DoesNotContain(findings, f => f.Severity == "Error");
        }

        [Fact]
        public void AProcessStartedFromAnotherConfIsAWarning()
        {
            var output = Output().Replace($"cmdconfig={Dir}/conf.yml", "cmdconfig=/tmp/old.yml");
            Assert.Equal("Warning", Judge(output).Single(f => f.Rule == "HostStaleProcess").Severity);
        }

        [Fact]
        public void AnUnreadableConfFailsEveryCisCheck()
        {
            var findings = Judge(Output(conf: ""));
            Assert.Equal(NodeAudit.Checks.Take(7).Select(c => c.Rule), findings.Take(7).Where(f => f.Severity == "Error").Select(f => f.Rule));
            Assert.Equal(NodeAudit.Checks.Count, findings.Count);
        }

        [Fact]
        public void AHostWithoutAUnitIsNotDeployed()
        {
            Assert.False(NodeAuditFacts.Parse("unit=\n").Deployed);
            Assert.True(NodeAuditFacts.Parse(Output()).Deployed);
        }

        [Theory]
        [InlineData("600", true)]
        [InlineData("400", true)]
        [InlineData("640", false)]
        [InlineData("644", false)]
        [InlineData("700", false)]
        [InlineData("", false)]
        public void OnlyTheOwnerMayRead(string mode, bool expected) => Assert.Equal(expected, NodeAudit.OnlyOwner(mode));
    }
}
