using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text.RegularExpressions;

namespace EtcdOps.Config
{
    /// <summary>One conf.yml to check: its text, what to call it in findings, and the etcd release it is for.</summary>
    internal sealed class EtcdConfigSource
    {
        public EtcdConfigSource(string yaml, string target, string version)
        {
            Yaml = yaml; Target = target; Version = version;
        }

        public string Yaml { get; }

        /// <summary>Member name or file path.</summary>
        public string Target { get; }

        public string Version { get; }
    }

    /// <summary>
    /// The pre-flight: finds every way etcd would refuse a conf.yml (quoting etcd's own message, verified against the
    /// real 3.4 and 3.5 binaries) and the choices that start but are insecure or fragile. Never throws on bad input.
    /// </summary>
    internal static class EtcdConfigValidator
    {
        private const long EightGiB = 8L * 1024 * 1024 * 1024;
        private const int MaxElectionMs = 50000;

        private static readonly string[] UrlKeys =
            { "listen-peer-urls", "listen-client-urls", "listen-client-http-urls", "listen-metrics-urls", "initial-advertise-peer-urls", "advertise-client-urls" };
        private static readonly HashSet<string> LogLevels = new HashSet<string>(StringComparer.Ordinal) { "debug", "info", "warn", "error", "dpanic", "panic", "fatal" };
        private static readonly Regex Duration = new Regex(@"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h))+$", RegexOptions.CultureInvariant);
        private static readonly HashSet<string> Tls13Suites = new HashSet<string>(StringComparer.Ordinal)
            { "TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256" };
        private static readonly HashSet<string> WeakSuites = new HashSet<string>(StringComparer.Ordinal)
        {
            "TLS_RSA_WITH_RC4_128_SHA", "TLS_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_RC4_128_SHA", "TLS_ECDHE_RSA_WITH_RC4_128_SHA",
            "TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA", "TLS_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
        };
        private static readonly HashSet<string> GoSuites = new HashSet<string>(StringComparer.Ordinal)
        {
            "TLS_RSA_WITH_AES_128_CBC_SHA", "TLS_RSA_WITH_AES_256_CBC_SHA", "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
            "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        };

        static EtcdConfigValidator()
        {
            GoSuites.UnionWith(Tls13Suites);
            GoSuites.UnionWith(WeakSuites);
        }

        public static IReadOnlyList<EtcdFinding> Validate(IEnumerable<EtcdConfigSource> sources, bool strict = false)
        {
            var findings = new List<EtcdFinding>();
            var checkedDocs = new List<CheckedDocument>();
            foreach (var source in sources)
            {
                var doc = ConfigDocument.Parse(source.Yaml ?? "", source.Target);
                var version = EtcdVersion.TryParse(source.Version, out var v) ? v! : EtcdVersion.Parse(EtcdCluster.DefaultVersion);
                var run = new DocumentRules(doc, version, findings);
                run.Check();
                if (doc.IsUsable) checkedDocs.Add(run.Result);
            }
            CrossMemberRules(checkedDocs, findings);
            if (strict)
                foreach (var f in findings) f.Severity = nameof(FindingSeverity.Error);
            return findings;
        }

        public static IReadOnlyList<EtcdFinding> Validate(string yaml, string target, string version, bool strict = false) =>
            Validate(new[] { new EtcdConfigSource(yaml, target, version) }, strict);

        public static IReadOnlyList<EtcdFinding> Validate(IEnumerable<EtcdNodeConfig> configs, bool strict = false) =>
            Validate(configs.Select(c => new EtcdConfigSource(c.Yaml, c.Member.Name, c.Version)), strict);

        /// <summary>What the cross-member rules need from one document.</summary>
        private sealed class CheckedDocument
        {
            public string Target = "";
            public string Name = "";
            public string? InitialCluster;
            public List<KeyValuePair<string, string>> InitialClusterEntries = new List<KeyValuePair<string, string>>();
            public string? Token;
            public List<string> AdvertisePeerUrls = new List<string>();
            public List<string> AdvertiseClientUrls = new List<string>();
        }

        private sealed class DocumentRules
        {
            private readonly ConfigDocument _doc;
            private readonly EtcdVersion _version;
            private readonly List<EtcdFinding> _findings;
            private readonly HashSet<string> _typeErrors = new HashSet<string>(StringComparer.Ordinal);

            public DocumentRules(ConfigDocument doc, EtcdVersion version, List<EtcdFinding> findings)
            {
                _doc = doc; _version = version; _findings = findings;
                Result = new CheckedDocument { Target = doc.Source };
            }

            public CheckedDocument Result { get; }

            private string Etcd => "etcd " + _version.Series;

            private void Add(FindingSeverity severity, string rule, string? key, string message, ConfigValue? at = null)
            {
                var where = at != null && at.Line > 0 ? $"line {at.Line}, column {at.Column}: " : "";
                _findings.Add(new EtcdFinding { Severity = severity.ToString(), Rule = rule, Target = _doc.Source, Key = key, Message = where + message });
            }

            private void Error(string rule, string? key, string message, ConfigValue? at = null) => Add(FindingSeverity.Error, rule, key, message, at);
            private void Warn(string rule, string? key, string message, ConfigValue? at = null) => Add(FindingSeverity.Warning, rule, key, message, at);

            /// <summary>A value that is present, known to this version and of the right type.</summary>
            private ConfigValue? Good(string key) =>
                _typeErrors.Contains(key) || !EtcdConfigSchema.IsKnown(key, _version) ? null : _doc.Get(key);

            private string? GoodString(string key) => Good(key) is { Kind: ConfigValueKind.String } v ? v.Text : null;

            public void Check()
            {
                if (_doc.SyntaxError != null)
                {
                    var at = new ConfigValue(ConfigValueKind.Null, "", _doc.ErrorLine, _doc.ErrorColumn);
                    Error(ErrorIds.YamlSyntax, null,
                        $"{_doc.SyntaxError}. etcd refuses the file ('error converting YAML to JSON: yaml: line {_doc.ErrorLine}: ...'). " +
                        "Fix the YAML there: indent with spaces, quote values that contain ': ', '#' or start with '[', '{', '*' or '&'.", at);
                    return;
                }
                if (_doc.ShapeError != null)
                {
                    Error(ErrorIds.YamlShape, null, $"{_doc.ShapeError}. Write one 'key: value' per line, as New-EtcdConfig renders it.");
                    return;
                }
                CheckKeysAndTypes();
                CheckMembership();
                CheckUrls();
                CheckTimingAndStorage();
                CheckLogging();
                CheckTls();
                CheckSecurityPosture();
            }

            private void CheckKeysAndTypes()
            {
                foreach (var entry in _doc.Keys)
                {
                    var key = entry.Key;
                    if (EtcdConfigSchema.FlagOnlyAllowList(key) is { } nested)
                    {
                        Warn(ErrorIds.UnknownKey, key, $"'{key}' is a command-line flag, not a conf.yml key: etcd ignores it in the file silently, so nothing is restricted. " +
                            $"Write it as {nested}: [...] (a YAML list; read from etcd 3.5.14 on).", entry.Value);
                        continue;
                    }
                    if (!EtcdConfigSchema.IsKnown(key, _version))
                    {
                        var known = EtcdConfigSchema.SeriesKnowing(key);
                        Warn(ErrorIds.UnknownKey, key, known.Length > 0
                            ? $"{Etcd} does not read '{key}' (only etcd {known} does) and ignores it silently, so this setting has no effect. Remove it, or render for the version you deploy."
                            : $"'{key}' is not an {Etcd} setting; etcd ignores unknown keys silently, so this line has no effect. Check the spelling against 'etcd --help'.", entry.Value);
                        continue;
                    }
                    if (_version.AtLeast(3, 6) && EtcdConfigSchema.RenamedIn36(key) is { } renamed)
                        Warn(ErrorIds.RenamedKey, key, $"{Etcd} renamed '{key}': write {renamed} instead. The old name still works in 3.6 and is gone in 3.7.", entry.Value);
                    var type = EtcdConfigSchema.TypeOf(key);
                    if (!CheckType(entry.Value, type, key, EtcdConfigSchema.GoField(key, _version))) _typeErrors.Add(key);
                    else if (type == ConfigValueType.Security) CheckSecuritySection(key, entry.Value);
                }
            }

            private void CheckSecuritySection(string section, ConfigValue value)
            {
                foreach (var entry in value.Map)
                {
                    var key = entry.Key;
                    var full = section + "." + key;
                    if (EtcdConfigSchema.IsAllowListKey(key) && !PeerIdentity.ConfigFileSupportsAllowedCn(_version))
                    {
                        Warn(ErrorIds.UnknownKey, full, $"etcd {_version} does not read {key} from conf.yml (etcd reads it there from 3.5.14 on) and ignores it silently, " +
                            $"so {(section == EtcdConfigSchema.PeerSecurity ? "the peer port" : "the client port")} still admits every certificate of trusted-ca-file. Deploy etcd 3.5.14 or later.", entry.Value);
                        continue;
                    }
                    if (!EtcdConfigSchema.IsKnownSecurityKey(key, _version))
                    {
                        Warn(ErrorIds.UnknownKey, full, $"{Etcd} does not read '{key}' under {section} and ignores it silently. Known keys: {EtcdConfigSchema.SecurityKeyList(_version)}.", entry.Value);
                        continue;
                    }
                    if (!CheckType(entry.Value, EtcdConfigSchema.SecurityTypeOf(key, _version), full, EtcdConfigSchema.GoField(key, _version, section)))
                        _typeErrors.Add(full);
                }
                List<string> Names(string k) =>
                    !_typeErrors.Contains(section + "." + k) && value.Map.TryGetValue(k, out var v) && v.Kind == ConfigValueKind.List
                        ? v.Items.Where(i => i.Kind == ConfigValueKind.String && i.Text.Length > 0).Select(i => i.Text).ToList()
                        : new List<string>();
                if (PeerIdentity.ConfigFileSupportsAllowedCn(_version) && Names("allowed-cn") is { Count: > 0 } cns && Names("allowed-hostname") is { Count: > 0 } hosts)
                    Error(ErrorIds.AllowedCnWithHostname, section + ".allowed-hostname",
                        $"{Etcd} refuses to start: 'AllowedCNs and AllowedHostnames are mutually exclusive (cns=[{string.Join(" ", cns.Select(c => "\"" + c + "\""))}], hostnames=[{string.Join(" ", hosts.Select(h => "\"" + h + "\""))}])'. Keep one of allowed-cn and allowed-hostname.",
                        value.Map["allowed-hostname"]);

            }

            /// <summary>Go's json decoding of etcd's config structs, after YAML 1.1 became JSON. False on a mismatch.</summary>
            private bool CheckType(ConfigValue v, ConfigValueType type, string key, string goField)
            {
                if (v.Kind == ConfigValueKind.Null || type == ConfigValueType.Any) return true;
                string? fix = null;
                var got = v.JsonKind;
                switch (type)
                {
                    case ConfigValueType.String:
                        if (v.Kind == ConfigValueKind.String) return true;
                        fix = v.Kind == ConfigValueKind.List
                            ? $"Write the values as one comma-separated string: {key}: {string.Join(",", v.Items.Select(i => i.Text))}"
                            : $"Quote the value so YAML keeps it a string: {key}: '{v.Text}'";
                        break;
                    case ConfigValueType.Bool:
                        if (v.Kind == ConfigValueKind.Bool) return true;
                        fix = $"Write true or false without quotes.";
                        break;
                    case ConfigValueType.StringList:
                        if (v.Kind == ConfigValueKind.List)
                        {
                            var bad = v.Items.FirstOrDefault(i => i.Kind != ConfigValueKind.String && i.Kind != ConfigValueKind.Null);
                            if (bad == null) return true;
                            Report(bad, bad.JsonKind, "string", $"Quote the list item: '{bad.Text}'");
                            return false;
                        }
                        fix = v.Kind == ConfigValueKind.String
                            ? $"Write a YAML list, even for one value: {key}: [{(v.Text.Contains(",") ? string.Join(", ", v.Text.Split(',').Select(s => s.Trim())) : v.Text)}]"
                            : $"Write a YAML list of strings: {key}: [value]";
                        break;
                    case ConfigValueType.Security:
                        if (v.Kind == ConfigValueKind.Map) return true;
                        fix = "Write it as a mapping with indented keys cert-file, key-file, client-cert-auth, trusted-ca-file, auto-tls.";
                        break;
                    default:
                        if (v.Kind == ConfigValueKind.Number)
                        {
                            var whole = ConfigDocument.WholeNumber(v.Text);
                            if (whole.HasValue && InRange(whole.Value, type)) return true;
                            got = "number " + (whole.HasValue ? whole.Value.ToString(CultureInfo.InvariantCulture) : v.Text);
                        }
                        fix = $"Write a whole number{(IsUnsigned(type) ? " of 0 or more" : "")} without quotes or units.";
                        break;
                }
                Report(v, got, EtcdConfigSchema.GoTypeName(type), fix);
                return false;

                void Report(ConfigValue at, string kind, string goType, string hint) =>
                    Error(ErrorIds.TypeMismatch, key,
                        $"{Etcd} refuses the file: 'json: cannot unmarshal {kind} into Go struct field {goField} of type {goType}'. {hint}", at);
            }

            private static bool IsUnsigned(ConfigValueType t) => t == ConfigValueType.UInt || t == ConfigValueType.UInt32 || t == ConfigValueType.UInt64;

            private static bool InRange(decimal value, ConfigValueType type) => type switch
            {
                ConfigValueType.UInt32 => value >= 0 && value <= uint.MaxValue,
                ConfigValueType.UInt or ConfigValueType.UInt64 => value >= 0 && value <= ulong.MaxValue,
                _ => value >= long.MinValue && value <= long.MaxValue,
            };

            private void CheckMembership()
            {
                var nameValue = Good("name");
                var name = nameValue?.Kind == ConfigValueKind.String ? nameValue.Text : "default";
                Result.Name = name;
                Result.Token = GoodString("initial-cluster-token");
                if (nameValue == null && !_typeErrors.Contains("name"))
                    Warn(ErrorIds.MissingName, "name", $"name is not set, so etcd calls this member 'default'. Set name to the member's name, as listed in initial-cluster.");

                var state = GoodString("initial-cluster-state");
                if (state != null && state != EtcdConfigOptions.StateNew && state != EtcdConfigOptions.StateExisting)
                    Error(ErrorIds.InvalidClusterState, "initial-cluster-state",
                        $"{Etcd} refuses the file: 'unexpected clusterState \"{state}\"'. Use new for the first start of a new cluster, existing afterwards or when joining.", Good("initial-cluster-state"));
                var isNew = state == null || state == EtcdConfigOptions.StateNew;

                if (GoodString("discovery") is { Length: > 0 } || GoodString("discovery-srv") is { Length: > 0 }) return;
                var icValue = Good("initial-cluster");
                var ic = icValue?.Kind == ConfigValueKind.String ? icValue.Text.Trim() : null;
                Result.InitialCluster = ic;
                if (string.IsNullOrEmpty(ic))
                {
                    if (!_typeErrors.Contains("initial-cluster"))
                        Warn(ErrorIds.MissingInitialCluster, "initial-cluster",
                            "initial-cluster is not set, so etcd founds a one-member cluster of its own. List every member as name=peer-url, comma-separated.", icValue);
                    return;
                }

                var entries = new List<KeyValuePair<string, string>>();
                foreach (var raw in ic!.Split(','))
                {
                    var part = raw.Trim();
                    var eq = part.IndexOf('=');
                    if (eq <= 0)
                    {
                        Error(ErrorIds.InitialClusterSyntax, "initial-cluster",
                            $"'{part}' is not name=peer-url; etcd cannot parse initial-cluster. Write it as z-b-data-1=https://192.168.6.204:2380,z-b-data-2=...", icValue);
                        return;
                    }
                    entries.Add(new KeyValuePair<string, string>(part.Substring(0, eq), part.Substring(eq + 1)));
                }
                Result.InitialClusterEntries = entries;
                foreach (var e in entries) CheckUrl("initial-cluster", e.Value, icValue!, binding: false, prefix: "");

                foreach (var dup in entries.GroupBy(e => e.Value, StringComparer.Ordinal).Where(g => g.Count() > 1))
                    Error(ErrorIds.DuplicateUrl, "initial-cluster",
                        $"{Etcd} refuses to start: 'initial cluster {ic} has duplicate url'. {string.Join(" and ", dup.Select(d => d.Key))} both use {dup.Key}; give every member its own peer URL.", icValue);
                foreach (var dup in entries.GroupBy(e => e.Key, StringComparer.Ordinal).Where(g => g.Count() > 1))
                    Error(ErrorIds.DuplicateMemberName, "initial-cluster",
                        $"'{dup.Key}' appears {dup.Count()} times in initial-cluster; etcd reads that as one member with {dup.Count()} peer URLs, not {dup.Count()} members. Give every member its own name.", icValue);

                var mine = entries.Where(e => e.Key == name).Select(e => e.Value).ToList();
                if (mine.Count == 0)
                {
                    Error(ErrorIds.NameNotInInitialCluster, "name",
                        $"{Etcd} refuses to start: 'couldn't find local name \"{name}\" in the initial cluster configuration'. Add {name}=<its peer URL> to initial-cluster, or set name to one of: {string.Join(", ", entries.Select(e => e.Key).Distinct())}.",
                        nameValue ?? icValue);
                    return;
                }

                var advValue = Good("initial-advertise-peer-urls");
                var advertised = advValue?.Kind == ConfigValueKind.String ? SplitUrls(advValue.Text) : new List<string> { "http://localhost:2380" };
                Result.AdvertisePeerUrls = advertised;
                if (_typeErrors.Contains("initial-advertise-peer-urls")) return;
                var missing = mine.FirstOrDefault(u => !advertised.Contains(u));
                var extra = advertised.FirstOrDefault(u => !mine.Contains(u));
                if (missing != null || extra != null)
                {
                    var said = missing != null
                        ? $"--initial-cluster has {name}={missing} but missing from --initial-advertise-peer-urls={string.Join(",", advertised)}"
                        : $"--initial-advertise-peer-urls has {extra} but missing from --initial-cluster={ic}";
                    var fix = $"Make initial-advertise-peer-urls exactly the URL(s) initial-cluster gives for {name}: {string.Join(",", mine)}.";
                    if (isNew) Error(ErrorIds.AdvertisePeerUrlMismatch, "initial-advertise-peer-urls", $"{Etcd} refuses to start a new cluster: '{said}'. {fix}", advValue ?? icValue);
                    else Warn(ErrorIds.AdvertisePeerUrlMismatch, "initial-advertise-peer-urls", $"initial-advertise-peer-urls does not match initial-cluster ({said}). {fix}", advValue ?? icValue);
                }
            }

            private static List<string> SplitUrls(string text) =>
                text.Split(',').Select(s => s.Trim()).Where(s => s.Length > 0).ToList();

            private void CheckUrls()
            {
                foreach (var key in UrlKeys)
                {
                    var value = Good(key);
                    if (value?.Kind != ConfigValueKind.String) continue;
                    var binding = key.StartsWith("listen-", StringComparison.Ordinal);
                    foreach (var url in SplitUrls(value.Text)) CheckUrl(key, url, value, binding, $"unexpected error setting up {key}: ");
                }
                var listenClient = GoodString("listen-client-urls");
                var advertiseClient = Good("advertise-client-urls");
                if (advertiseClient?.Kind == ConfigValueKind.String) Result.AdvertiseClientUrls = SplitUrls(advertiseClient.Text);
                if (!string.IsNullOrEmpty(listenClient) && advertiseClient == null && !_typeErrors.Contains("advertise-client-urls"))
                    Warn(ErrorIds.MissingAdvertiseClientUrls, "advertise-client-urls",
                        "advertise-client-urls is not set, so etcd tells clients and peers to reach this member at http://localhost:2379. Set it to this member's client URL, e.g. https://<its IP>:2379.");
            }

            private void CheckUrl(string key, string url, ConfigValue at, bool binding, string prefix)
            {
                var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
                if (schemeEnd < 0)
                {
                    var said = url.Length > 0 && char.IsLetter(url[0]) || !url.Contains(":")
                        ? $"URL scheme must be http, https, unix, or unixs: {url}"
                        : $"parse \"{url}\": first path segment in URL cannot contain colon";
                    Error(ErrorIds.UrlWithoutScheme, key, $"{Etcd} refuses the file: '{prefix}{said}'. Write the URL with its scheme and port, e.g. https://{url.Split(':')[0]}:2379.", at);
                    return;
                }
                var scheme = url.Substring(0, schemeEnd);
                if (scheme != "http" && scheme != "https" && scheme != "unix" && scheme != "unixs")
                {
                    Error(ErrorIds.InvalidUrlScheme, key, $"{Etcd} refuses the file: '{prefix}URL scheme must be http, https, unix, or unixs: {url}'. Use https.", at);
                    return;
                }
                if (scheme.StartsWith("unix", StringComparison.Ordinal)) return;
                var rest = url.Substring(schemeEnd + 3);
                var slash = rest.IndexOf('/');
                var hostPort = slash >= 0 ? rest.Substring(0, slash) : rest;
                if (!TrySplitHostPort(hostPort, out var host, out var port))
                {
                    Error(ErrorIds.UrlWithoutPort, key, $"{Etcd} refuses the file: '{prefix}URL address does not have the form \"host:port\": {url}'. Add the port, e.g. {scheme}://{hostPort}:{(key.Contains("peer") ? 2380 : 2379)}.", at);
                    return;
                }
                if (slash >= 0)
                {
                    Error(ErrorIds.UrlWithPath, key, $"{Etcd} refuses the file: '{prefix}URL must not contain a path: {url}'. Remove everything after the port.", at);
                    return;
                }
                if (binding && host != "localhost" && !IPAddress.TryParse(host, out _))
                    Error(ErrorIds.DnsNameInListenUrl, key,
                        $"{Etcd} refuses the file: 'expected IP in URL for binding ({url})'. etcd binds only to IP addresses: put the host's IP into {key} (DNS names belong in advertise URLs only).", at);
                if (!int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var p) || p > 65535)
                    Error(ErrorIds.InvalidUrlPort, key, $"'{port}' in {url} is not a TCP port. Use 1-65535.", at);
            }

            private static bool TrySplitHostPort(string hostPort, out string host, out string port)
            {
                host = port = "";
                if (hostPort.StartsWith("[", StringComparison.Ordinal))
                {
                    var close = hostPort.IndexOf(']');
                    if (close < 0 || close + 1 >= hostPort.Length || hostPort[close + 1] != ':') return false;
                    host = hostPort.Substring(1, close - 1);
                    port = hostPort.Substring(close + 2);
                    return true;
                }
                var colon = hostPort.LastIndexOf(':');
                if (colon < 0 || hostPort.IndexOf(':') != colon) return false;
                host = hostPort.Substring(0, colon);
                port = hostPort.Substring(colon + 1);
                return true;
            }

            private long? Whole(string key) => Good(key) is { Kind: ConfigValueKind.Number } v ? (long?)(ConfigDocument.WholeNumber(v.Text) is decimal d && d <= long.MaxValue ? (long)d : long.MaxValue) : null;

            private void CheckTimingAndStorage()
            {
                var hb = Whole("heartbeat-interval") ?? EtcdConfigOptions.DefaultHeartbeatInterval;
                var el = Whole("election-timeout") ?? EtcdConfigOptions.DefaultElectionTimeout;
                if (hb == 0)
                    Error(ErrorIds.HeartbeatInterval, "heartbeat-interval", $"{Etcd} refuses the file: '--heartbeat-interval must be >0 (set to 0ms)'. Use etcd's default 100 (milliseconds), or about the round-trip time between members.", Good("heartbeat-interval"));
                else if (el == 0)
                    Error(ErrorIds.ElectionTimeout, "election-timeout", $"{Etcd} refuses the file: '--election-timeout must be >0 (set to 0ms)'. Use etcd's default 1000 (milliseconds).", Good("election-timeout"));
                else if (5 * (decimal)hb > el)
                    Error(ErrorIds.ElectionTimeoutTooShort, "election-timeout",
                        $"{Etcd} refuses the file: '--election-timeout[{el}ms] should be at least as 5 times as --heartbeat-interval[{hb}ms]'. Raise election-timeout to at least {5 * (decimal)hb} (10 times the heartbeat is usual) or lower heartbeat-interval.",
                        Good("election-timeout") ?? Good("heartbeat-interval"));
                if (el > MaxElectionMs)
                    Error(ErrorIds.ElectionTimeoutTooLong, "election-timeout", $"{Etcd} refuses the file: '--election-timeout[{el}ms] is too long, and should be set less than {MaxElectionMs}ms'. Use at most {MaxElectionMs}.", Good("election-timeout"));

                if (Whole("quota-backend-bytes") is long quota && quota > EightGiB)
                    Warn(ErrorIds.QuotaAboveRecommended, "quota-backend-bytes",
                        $"quota-backend-bytes is {quota} ({quota / (1024.0 * 1024 * 1024):0.#} GiB); etcd recommends at most 8 GiB, beyond which startup, defragmentation and snapshots get slow. Use 8589934592 or less unless you have measured it.", Good("quota-backend-bytes"));

                var mode = GoodString("auto-compaction-mode");
                if (mode != null && mode != "periodic" && mode != "revision")
                    Error(ErrorIds.AutoCompactionMode, "auto-compaction-mode", $"{Etcd} refuses the file: 'unknown auto-compaction-mode \"{mode}\"'. Use periodic or revision.", Good("auto-compaction-mode"));
                var retention = GoodString("auto-compaction-retention");
                if (!string.IsNullOrEmpty(retention) && !(int.TryParse(retention, NumberStyles.None, CultureInfo.InvariantCulture, out _)) && retention != "0" && !Duration.IsMatch(retention!))
                {
                    var why = Regex.IsMatch(retention!, @"^[-+]?[0-9.]+$") ? "missing unit in duration" : "invalid duration";
                    Error(ErrorIds.AutoCompactionRetention, "auto-compaction-retention",
                        $"{Etcd} refuses to start: 'error parsing CompactionRetention: time: {why} \"{retention}\"'. Give hours as a number ('1'), a duration such as '30m', or a revision count in revision mode.", Good("auto-compaction-retention"));
                }
                if (Good("data-dir") == null && !_typeErrors.Contains("data-dir"))
                    Warn(ErrorIds.MissingDataDir, "data-dir", $"data-dir is not set, so etcd keeps its data in '{Result.Name}.etcd' under its working directory. Set data-dir, e.g. /var/lib/etcd.");
            }

            private void CheckLogging()
            {
                var level = GoodString("log-level");
                if (level != null && !LogLevels.Contains(level))
                {
                    var said = _version.AtLeast(3, 5) ? $"panic: unrecognized level: \"{level}\"" : $"panic: unknown level \"{level}\"";
                    Error(ErrorIds.LogLevel, "log-level", $"{Etcd} crashes at start: '{said}'. Use debug, info, warn, error, panic or fatal.", Good("log-level"));
                }
                var logger = GoodString("logger");
                if (logger != null)
                {
                    if (_version.AtLeast(3, 5) && logger == "capnslog")
                        Error(ErrorIds.Logger, "logger", $"{Etcd} refuses the file: '--logger=capnslog is removed in v3.5'. Use logger: zap (or remove the line).", Good("logger"));
                    else if (logger != "zap" && logger != "capnslog")
                        Error(ErrorIds.Logger, "logger", $"{Etcd} refuses the file: unknown logger option '{logger}'. Use logger: zap.", Good("logger"));
                }
                var outputsValue = Good("log-outputs");
                if (outputsValue?.Kind != ConfigValueKind.List) return;
                var outputs = outputsValue.Items.Where(i => i.Kind == ConfigValueKind.String).Select(i => i.Text).ToList();
                var capnslog = !_version.AtLeast(3, 5) && (logger ?? "capnslog") == "capnslog";
                if (capnslog)
                {
                    if (outputs.Count != 1)
                        Error(ErrorIds.LogOutputs, "log-outputs", $"{Etcd} refuses the file: '--logger=capnslog supports only 1 value in '--log-outputs', got [{string.Join(" ", outputs.Select(o => "\"" + o + "\""))}]'. Add logger: zap (etcd 3.4's default logger capnslog takes a single output).", outputsValue);
                    else if (outputs[0] != "default" && outputs[0] != "stderr" && outputs[0] != "stdout")
                        Error(ErrorIds.LogOutputs, "log-outputs", $"{Etcd} refuses the file: 'unknown log-output \"{outputs[0]}\" (only supports \"default\", \"stderr\", \"stdout\")'. Add logger: zap to write to a file with etcd 3.4.", outputsValue);
                }
                else if (outputs.Count > 1 && outputs.Contains("default"))
                    Error(ErrorIds.LogOutputsDefaultMixed, "log-outputs", $"{Etcd} refuses the file: 'multi logoutput for \"default\" is not supported yet'. Use stderr instead of default next to other outputs.", outputsValue);
            }

            private void CheckTls()
            {
                string? min = null;
                foreach (var key in new[] { "tls-min-version", "tls-max-version" })
                {
                    var v = GoodString(key);
                    if (v == null || v.Length == 0) continue;
                    if (v != "TLS1.2" && v != "TLS1.3")
                        Error(ErrorIds.TlsVersion, key, $"{Etcd} refuses the file: 'unexpected TLS version \"{v}\" (must be one of: TLS1.2, TLS1.3)'. Use TLS1.2 or TLS1.3.", Good(key));
                    else if (key == "tls-min-version") min = v;
                }
                var max = GoodString("tls-max-version");
                if (min == "TLS1.3" && max == "TLS1.2")
                    Error(ErrorIds.TlsVersion, "tls-max-version", "tls-max-version TLS1.2 is below tls-min-version TLS1.3; etcd refuses that range. Remove tls-max-version or raise it.", Good("tls-max-version"));

                var suitesValue = Good("cipher-suites");
                if (suitesValue?.Kind != ConfigValueKind.List) return;
                var suites = suitesValue.Items.Where(i => i.Kind == ConfigValueKind.String).Select(i => i.Text).ToList();
                if (suites.Count > 0 && (min == "TLS1.3" && (max == null || max == "TLS1.3")))
                    Error(ErrorIds.CipherSuitesWithTls13, "cipher-suites", $"{Etcd} refuses the file: 'cipher suites cannot be configured when only TLS1.3 is enabled'. Remove cipher-suites (TLS 1.3 suites are fixed), or set tls-min-version: TLS1.2.", suitesValue);
                foreach (var suite in suites)
                {
                    if (!GoSuites.Contains(suite))
                        Error(ErrorIds.UnknownCipherSuite, "cipher-suites", $"{Etcd} refuses to start: 'unexpected TLS cipher suite \"{suite}\"'. Use Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256.", suitesValue);
                    else if (Tls13Suites.Contains(suite))
                        Warn(ErrorIds.Tls13CipherSuite, "cipher-suites", $"{suite} is a TLS 1.3 suite; Go always enables those and ignores them in cipher-suites, so this entry has no effect.", suitesValue);
                    else if (WeakSuites.Contains(suite))
                        Warn(ErrorIds.WeakCipherSuite, "cipher-suites", $"{suite} is considered insecure (RC4, 3DES or CBC with SHA-256). Use ECDHE suites with AES-GCM or ChaCha20.", suitesValue);
                }
            }

            private void CheckSecurityPosture()
            {
                if (EtcdConfigSchema.IsKnown("proxy", _version) && _doc.Get("proxy") is { } proxy)
                {
                    if (proxy.Kind != ConfigValueKind.String || (proxy.Text != "off" && proxy.Text != "readonly" && proxy.Text != "on"))
                        Error(ErrorIds.ProxyValue, "proxy", $"{Etcd} refuses the file: 'unexpected error setting up proxyFlag: invalid value'. Quote it: proxy: 'off' (unquoted off is a YAML boolean), or remove the line.", proxy);
                    else if (proxy.Text != "off")
                        Warn(ErrorIds.ProxyEnabled, "proxy", $"proxy: {proxy.Text} makes etcd run as a v2 proxy, not as a cluster member. Use proxy: 'off'.", proxy);
                }
                if (Good("enable-v2") is { } v2 && ConfigDocument.IsTrue(v2))
                    Warn(ErrorIds.EnableV2, "enable-v2", "enable-v2: true serves the deprecated v2 API, which has its own, separate data and access control. Set enable-v2: false unless an old client needs it.", v2);
                if (Good("strict-reconfig-check") is { Kind: ConfigValueKind.Bool } strict && !ConfigDocument.IsTrue(strict))
                    Warn(ErrorIds.StrictReconfigCheckOff, "strict-reconfig-check", "strict-reconfig-check: false lets a member change proceed that would lose quorum. Set it to true (etcd's default).", strict);

                CheckSection(EtcdConfigSchema.ClientSecurity, "client", "2.1", "2.2", "2.3", new[] { "listen-client-urls", "advertise-client-urls" });
                CheckSection(EtcdConfigSchema.PeerSecurity, "peer", "2.4", "2.5", "2.6", new[] { "listen-peer-urls", "initial-advertise-peer-urls" });

                foreach (var url in Good("listen-metrics-urls") is { Kind: ConfigValueKind.String } m ? SplitUrls(m.Text) : new List<string>())
                {
                    if (!url.StartsWith("http://", StringComparison.Ordinal)) continue;
                    var host = url.Substring(7).Split('/')[0];
                    host = host.StartsWith("[", StringComparison.Ordinal) ? host.Substring(1, Math.Max(0, host.IndexOf(']') - 1)) : host.Split(':')[0];
                    if (host != "localhost" && !(IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip)))
                        Warn(ErrorIds.MetricsNotLoopback, "listen-metrics-urls", $"{url} serves metrics and /health over plain HTTP beyond loopback. Bind it to 127.0.0.1, or use https.", Good("listen-metrics-urls"));
                }
            }

            private void CheckSection(string section, string who, string cisCert, string cisAuth, string cisAuto, string[] urlKeys)
            {
                var value = Good(section);
                var map = value?.Kind == ConfigValueKind.Map ? value.Map : new Dictionary<string, ConfigValue>();
                string? Str(string k) => !_typeErrors.Contains(section + "." + k) && map.TryGetValue(k, out var v) && v.Kind == ConfigValueKind.String ? v.Text : null;
                ConfigValue? Val(string k) => !_typeErrors.Contains(section + "." + k) && map.TryGetValue(k, out var v) && v.Kind != ConfigValueKind.Null ? v : null;

                var cert = Str("cert-file");
                var hasTls = !string.IsNullOrEmpty(cert) && !string.IsNullOrEmpty(Str("key-file"));
                if (!hasTls)
                    Warn(ErrorIds.TlsNotConfigured, section,
                        $"{section} has no cert-file and key-file, so {who} traffic is not encrypted (CIS etcd {cisCert}). Set both, e.g. /etc/etcd/{(who == "client" ? "server" : "<member>")}.pem and -key.pem.", value);
                var auth = Val("client-cert-auth");
                if (auth == null || !ConfigDocument.IsTrue(auth))
                    Warn(ErrorIds.ClientCertAuthOff, section + ".client-cert-auth",
                        $"{section}.client-cert-auth is not true, so any {who} that reaches the port is accepted without a certificate (CIS etcd {cisAuth}). Set client-cert-auth: true and trusted-ca-file.", auth ?? value);
                else if (string.IsNullOrEmpty(Str("trusted-ca-file")))
                    Warn(ErrorIds.TrustedCaMissing, section + ".trusted-ca-file",
                        $"{section}.client-cert-auth is on but trusted-ca-file is not set, so etcd trusts the system CAs for {who} certificates. Set trusted-ca-file to your etcd CA (ca.pem).", value);
                if (Val("auto-tls") is { } autoTls && ConfigDocument.IsTrue(autoTls))
                    Warn(ErrorIds.AutoTlsOn, section + ".auto-tls",
                        $"{section}.auto-tls: true makes etcd use self-signed certificates nobody can verify (CIS etcd {cisAuto}). Set auto-tls: false and use certificates from your CA.", autoTls);

                if (!hasTls) return;
                foreach (var key in urlKeys)
                    if (Good(key) is { Kind: ConfigValueKind.String } urls)
                        foreach (var url in SplitUrls(urls.Text).Where(u => u.StartsWith("http://", StringComparison.Ordinal)))
                            Warn(ErrorIds.PlainHttpWithTls, key, $"{url} is plain HTTP although {section} is configured: {who}s on that URL bypass TLS and certificate checks. Use https://.", urls);
                if (who == "peer" && Result.InitialClusterEntries.Any(e => e.Value.StartsWith("http://", StringComparison.Ordinal)))
                    Warn(ErrorIds.PlainHttpWithTls, "initial-cluster", "initial-cluster lists plain http:// peer URLs although peer TLS is configured. Use https:// for every member.", Good("initial-cluster"));
            }
        }

        private static void CrossMemberRules(List<CheckedDocument> docs, List<EtcdFinding> findings)
        {
            if (docs.Count == 0) return;
            void Add(FindingSeverity s, string rule, string target, string? key, string message) =>
                findings.Add(new EtcdFinding { Severity = s.ToString(), Rule = rule, Target = target, Key = key, Message = message });

            foreach (var group in docs.GroupBy(d => d.Name, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
                foreach (var d in group.Skip(1))
                    Add(FindingSeverity.Error, ErrorIds.DuplicateMemberName, d.Target, "name",
                        $"name '{d.Name}' is also used by {group.First().Target}. Every member needs its own name; the second one to start would be refused by the cluster.");

            var reference = docs.FirstOrDefault(d => d.InitialCluster != null);
            if (reference != null)
            {
                foreach (var d in docs.Where(d => d != reference && d.InitialCluster != null && !SameCluster(d, reference)))
                    Add(FindingSeverity.Error, ErrorIds.InitialClusterMismatch, d.Target, "initial-cluster",
                        $"initial-cluster differs from {reference.Target}'s ({d.InitialCluster} vs {reference.InitialCluster}). Every member of a new cluster must be given the same initial-cluster, or they form different clusters ('member count is unequal').");
                var names = reference.InitialClusterEntries.Select(e => e.Key).Distinct().ToList();
                if (names.Count % 2 == 0 && names.Count > 0)
                    Add(FindingSeverity.Warning, ErrorIds.EvenMemberCount, reference.Target, "initial-cluster",
                        $"initial-cluster has {names.Count} members: they need {names.Count / 2 + 1} for quorum and tolerate only {(names.Count - 1) / 2} failure(s), as many as {names.Count - 1} would. Use an odd number of members.");
                if (docs.Count > 1)
                    foreach (var n in names.Where(n => docs.All(d => !string.Equals(d.Name, n, StringComparison.Ordinal))))
                        Add(FindingSeverity.Warning, ErrorIds.MemberConfigMissing, n, "initial-cluster",
                            $"initial-cluster lists '{n}' but the checked set has no config for it. Check its conf.yml too, so cross-member rules cover it.");
            }

            var withToken = docs.Where(d => d.Token != null).ToList();
            foreach (var d in withToken.Where(d => d.Token != withToken[0].Token))
                Add(FindingSeverity.Error, ErrorIds.TokenMismatch, d.Target, "initial-cluster-token",
                    $"initial-cluster-token '{d.Token}' differs from {withToken[0].Target}'s '{withToken[0].Token}'. Members with different tokens refuse each other ('cluster ID mismatch'); use one token for the whole cluster.");

            foreach (var (key, select) in new (string, Func<CheckedDocument, List<string>>)[]
                     { ("initial-advertise-peer-urls", d => d.AdvertisePeerUrls), ("advertise-client-urls", d => d.AdvertiseClientUrls) })
            {
                var owners = new Dictionary<string, CheckedDocument>(StringComparer.OrdinalIgnoreCase);
                foreach (var d in docs)
                    foreach (var url in select(d).Distinct())
                    {
                        if (url.Contains("localhost")) continue;
                        if (owners.TryGetValue(url, out var first) && first != d)
                            Add(FindingSeverity.Error, ErrorIds.DuplicateUrl, d.Target, key,
                                $"{url} is also advertised by {first.Target} ({first.Name}). Each member must advertise its own address.");
                        else owners[url] = d;
                    }
            }
        }

        private static bool SameCluster(CheckedDocument a, CheckedDocument b)
        {
            var x = a.InitialClusterEntries.Select(e => e.Key + "=" + e.Value).OrderBy(s => s, StringComparer.Ordinal);
            var y = b.InitialClusterEntries.Select(e => e.Key + "=" + e.Value).OrderBy(s => s, StringComparer.Ordinal);
            return x.SequenceEqual(y);
        }
    }
}
