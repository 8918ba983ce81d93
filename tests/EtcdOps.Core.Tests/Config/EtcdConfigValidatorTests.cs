using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Config
{
    public class EtcdConfigValidatorTests
    {
        private static EtcdCluster Three(string version = "3.5.16") => new EtcdCluster
        {
            Name = "staging", Token = "tok", Version = version,
            Members = { new EtcdMember("a", "10.0.0.1"), new EtcdMember("b", "10.0.0.2"), new EtcdMember("c", "10.0.0.3") },
        };

        private static IReadOnlyList<EtcdNodeConfig> Render(string version = "3.5.16", EtcdConfigOptions? options = null) =>
            EtcdConfigRenderer.Render(Three(version), null, options ?? new EtcdConfigOptions(), out _);

        private static string Base(string extra = "") =>
            "name: a\ndata-dir: /var/lib/etcd\nlisten-peer-urls: https://10.0.0.1:2380\nlisten-client-urls: https://10.0.0.1:2379\n" +
            "initial-advertise-peer-urls: https://10.0.0.1:2380\nadvertise-client-urls: https://10.0.0.1:2379\n" +
            "initial-cluster: a=https://10.0.0.1:2380,b=https://10.0.0.2:2380,c=https://10.0.0.3:2380\ninitial-cluster-token: tok\n" +
            "client-transport-security:\n  cert-file: /etc/etcd/server.pem\n  key-file: /etc/etcd/server-key.pem\n  client-cert-auth: true\n  trusted-ca-file: /etc/etcd/ca.pem\n" +
            "peer-transport-security:\n  cert-file: /etc/etcd/a.pem\n  key-file: /etc/etcd/a-key.pem\n  client-cert-auth: true\n  trusted-ca-file: /etc/etcd/ca.pem\n" + extra;

        private static string[] Errors(string yaml, string version = "3.5.16") =>
            EtcdConfigValidator.Validate(yaml, "f", version).Where(f => f.Is(FindingSeverity.Error)).Select(f => f.Rule).ToArray();

        private static string[] Warnings(string yaml, string version = "3.5.16") =>
            EtcdConfigValidator.Validate(yaml, "f", version).Where(f => f.Is(FindingSeverity.Warning)).Select(f => f.Rule).ToArray();

        [Theory]
        [InlineData("3.4.23")]
        [InlineData("3.5.16")]
        [InlineData("3.6.0")]
        public void RenderedConfigsHaveNoFindings(string version) => Assert.Empty(EtcdConfigValidator.Validate(Render(version)));

        [Fact]
        public void BaseDocumentIsClean() => Assert.Empty(EtcdConfigValidator.Validate(Base(), "f", "3.5.16"));

        [Theory]
        [InlineData("proxy: off\n", "ProxyValue")]                      // YAML 1.1: off is a boolean
        [InlineData("auto-compaction-retention: 1\n", "TypeMismatch")]   // etcd wants a string
        [InlineData("enable-v2: \"false\"\n", "TypeMismatch")]
        [InlineData("heartbeat-interval: 1.5\n", "TypeMismatch")]
        [InlineData("max-wals: -1\n", "TypeMismatch")]
        [InlineData("log-outputs: stderr\n", "TypeMismatch")]
        [InlineData("log-outputs: [default, /var/log/etcd.log]\n", "LogOutputsDefaultMixed")]
        [InlineData("initial-cluster-state: maybe\n", "InvalidClusterState")]
        [InlineData("election-timeout: 400\n", "ElectionTimeoutTooShort")]
        [InlineData("election-timeout: 0\n", "ElectionTimeout")]
        [InlineData("tls-min-version: TLS1.0\n", "TlsVersion")]
        [InlineData("cipher-suites: [TLS_NOPE]\n", "UnknownCipherSuite")]
        [InlineData("log-level: loud\n", "LogLevel")]
        [InlineData("auto-compaction-retention: '-1'\n", "AutoCompactionRetention")]
        public void ExtraKeyIsAnError(string extra, string rule) => Assert.Contains(rule, Errors(Base(extra)));

        [Theory]
        [InlineData("initial-cluster-token: '12345'\n")]
        [InlineData("auto-compaction-retention: \"1\"\n")]
        [InlineData("auto-compaction-retention: 30m\n")]
        [InlineData("proxy: 'off'\n")]
        [InlineData("wal-dir:\ndiscovery:\ncors:\n")]
        [InlineData("log-outputs: [stderr, /var/log/etcd/etcd.log]\n")]
        [InlineData("initial-cluster-token: !!str 12345\n")]
        public void ValidVariantsHaveNoErrors(string extra) => Assert.Empty(Errors(Base(extra).Replace("initial-cluster-token: tok\n", extra.StartsWith("initial-cluster-token") ? "" : "initial-cluster-token: tok\n")));

        [Fact]
        public void NameMissingFromInitialClusterQuotesEtcd()
        {
            var f = EtcdConfigValidator.Validate(Base().Replace("name: a", "name: z"), "f", "3.5.16").Single(x => x.Rule == "NameNotInInitialCluster");
            Assert.Contains("couldn't find local name \"z\" in the initial cluster configuration", f.Message);
            Assert.StartsWith("line 1, column 7: ", f.Message);
            Assert.Equal("name", f.Key);
        }

        [Theory]
        [InlineData("https://etcd.example.com:2379", "DnsNameInListenUrl")]
        [InlineData("10.0.0.1:2379", "UrlWithoutScheme")]
        [InlineData("https://10.0.0.1", "UrlWithoutPort")]
        [InlineData("https://10.0.0.1:2379/x", "UrlWithPath")]
        [InlineData("ftp://10.0.0.1:2379", "InvalidUrlScheme")]
        public void BadListenUrls(string url, string rule) =>
            Assert.Contains(rule, Errors(Base().Replace("listen-client-urls: https://10.0.0.1:2379", "listen-client-urls: " + url)));

        [Fact]
        public void LocalhostAndIpv6MayBeBound() =>
            Assert.Empty(Errors(Base().Replace("listen-client-urls: https://10.0.0.1:2379", "listen-client-urls: https://10.0.0.1:2379, https://localhost:2379,https://[::1]:2379")));

        [Fact]
        public void CapnslogRulesApplyTo34Only()
        {
            var yaml = Base("log-outputs: [stderr, stdout]\n");
            Assert.Contains("LogOutputs", Errors(yaml, "3.4.23"));
            Assert.Empty(Errors(yaml, "3.5.16"));
            Assert.Empty(Errors(Base("logger: zap\nlog-outputs: [stderr, stdout]\n"), "3.4.23"));
        }

        [Fact]
        public void VersionSpecificKeysAreWarnedNotRefused()
        {
            Assert.Contains("UnknownKey", Warnings(Base("tls-min-version: TLS1.2\n"), "3.4.23"));
            Assert.Contains("UnknownKey", Warnings(Base("enable-v2: false\n"), "3.6.0"));
            Assert.Contains("UnknownKey", Warnings(Base("snapshot-cuont: 5\n")));
            Assert.Empty(Warnings(Base("enable-v2: false\n"), "3.5.16"));
        }

        [Fact]
        public void ExperimentalKeysThatThreeSixRenamedAreWarnedWithTheNewName()
        {
            Assert.Contains("RenamedKey", Warnings(Base("experimental-corrupt-check-time: 5m\n"), "3.6.0"));
            Assert.Contains("RenamedKey", Warnings(Base("experimental-initial-corrupt-check: true\n"), "3.6.0"));
            var message = EtcdConfigValidator.Validate(Base("experimental-initial-corrupt-check: true\n"), "f", "3.6.0").First(f => f.Rule == "RenamedKey").Message;
            Assert.Contains("feature-gates: InitialCorruptCheck=true", message);
            Assert.DoesNotContain("RenamedKey", Warnings(Base("experimental-corrupt-check-time: 5m\n"), "3.5.16"));
        }

        [Theory]
        [InlineData("  auto-tls: true\n", "AutoTlsOn")]
        [InlineData("strict-reconfig-check: false\n", "StrictReconfigCheckOff")]
        [InlineData("quota-backend-bytes: 17179869184\n", "QuotaAboveRecommended")]
        [InlineData("listen-metrics-urls: http://10.0.0.1:2381\n", "MetricsNotLoopback")]
        [InlineData("enable-v2: true\n", "EnableV2")]
        public void SecurityWarnings(string extra, string rule)
        {
            var yaml = extra.StartsWith("  ") ? Base().Replace("  trusted-ca-file: /etc/etcd/ca.pem\npeer", "  trusted-ca-file: /etc/etcd/ca.pem\n" + extra + "peer") : Base(extra);
            Assert.Contains(rule, Warnings(yaml));
            Assert.Empty(Errors(yaml));
        }

        [Fact]
        public void MissingTlsAndClientCertAuthAreCisWarnings()
        {
            var plain = "name: a\ndata-dir: /d\nlisten-client-urls: http://10.0.0.1:2379\nadvertise-client-urls: http://10.0.0.1:2379\n" +
                        "initial-cluster: a=http://10.0.0.1:2380\ninitial-advertise-peer-urls: http://10.0.0.1:2380\nlisten-peer-urls: http://10.0.0.1:2380\n";
            var warnings = Warnings(plain);
            Assert.Equal(2, warnings.Count(w => w == "TlsNotConfigured"));
            Assert.Equal(2, warnings.Count(w => w == "ClientCertAuthOff"));
        }

        [Fact]
        public void PlainHttpNextToTlsIsWarned() =>
            Assert.Contains("PlainHttpWithTls", Warnings(Base().Replace("listen-client-urls: https://10.0.0.1:2379", "listen-client-urls: https://10.0.0.1:2379,http://127.0.0.1:2379")));

        [Fact]
        public void CrossMemberRules()
        {
            var configs = Render().ToList();
            var other = Three(); other.Token = "other";
            var odd = EtcdConfigRenderer.Render(other, null, new EtcdConfigOptions(), out _)[1];
            var findings = EtcdConfigValidator.Validate(new[] { configs[0], odd, configs[2] });
            Assert.Contains(findings, f => f.Rule == "TokenMismatch" && f.Target == "b");

            var moved = Three(); moved.Members[2].Address = "10.0.0.9";
            var mismatched = EtcdConfigRenderer.Render(moved, null, new EtcdConfigOptions(), out _)[2];
            Assert.Contains(EtcdConfigValidator.Validate(new[] { configs[0], configs[1], mismatched }), f => f.Rule == "InitialClusterMismatch");

            var dup = EtcdConfigValidator.Validate(new[] { configs[0], configs[0] });
            Assert.Contains(dup, f => f.Rule == "DuplicateMemberName" && f.Is(FindingSeverity.Error));
        }

        [Fact]
        public void EvenMemberCountIsWarnedOnce()
        {
            var four = Three(); four.Members.Add(new EtcdMember("d", "10.0.0.4"));
            var findings = EtcdConfigValidator.Validate(EtcdConfigRenderer.Render(four, null, new EtcdConfigOptions(), out _));
            Assert.Single(findings, f => f.Rule == "EvenMemberCount");
        }

        [Fact]
        public void StrictMakesEveryFindingAnError()
        {
            var findings = EtcdConfigValidator.Validate(Base("strict-reconfig-check: false\n"), "f", "3.5.16", strict: true);
            Assert.NotEmpty(findings);
            Assert.All(findings, f => Assert.Equal("Error", f.Severity));
        }

        [Theory]
        [InlineData("name: [a\n")]
        [InlineData("name: a\n  bad: indent\n")]
        [InlineData("a: 1\na: 2\n")]
        [InlineData("\t- tab\n")]
        [InlineData("key: \"unterminated\n")]
        [InlineData("{{{{")]
        [InlineData("- just\n- a list\n")]
        [InlineData("")]
        [InlineData("---\na: 1\n---\nb: 2\n")]
        [InlineData("client-transport-security: yes\n")]
        [InlineData("initial-cluster: a\n")]
        [InlineData("initial-cluster: a=https://[::1\n")]
        [InlineData("? [a, b]\n: c\n")]
        public void MalformedInputIsAFindingNeverAnException(string yaml)
        {
            var findings = EtcdConfigValidator.Validate(yaml, "f", "3.5.16");
            Assert.Contains(findings, f => f.Is(FindingSeverity.Error));
        }

        [Fact]
        public void SyntaxErrorsCarryLineAndColumn()
        {
            var f = EtcdConfigValidator.Validate("name: a\ndata-dir: /x\n  oops: [\n", "f", "3.5.16").Single();
            Assert.Equal("YamlSyntax", f.Rule);
            Assert.Matches(@"^line [23], column \d+: ", f.Message);
        }

        [Fact]
        public void GuideConfIsFreeOfErrorsFor35()
        {
            var dir = AppContext.BaseDirectory;
            while (dir != null && !Directory.Exists(Path.Combine(dir, "tests", "config-corpus"))) dir = Path.GetDirectoryName(dir);
            Assert.NotNull(dir);
            var guide = File.ReadAllText(Path.Combine(dir!, "tests", "config-corpus", "guide", "conf.yml"));
            Assert.Empty(Errors(guide, "3.5.16"));
        }
    }
}
