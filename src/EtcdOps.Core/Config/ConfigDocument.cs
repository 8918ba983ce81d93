using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace EtcdOps.Config
{
    /// <summary>What a YAML value becomes when etcd reads it: go-yaml v2 (YAML 1.1) turned into JSON.</summary>
    internal enum ConfigValueKind
    {
        Null,
        String,
        Bool,
        Number,
        List,
        Map,
    }

    /// <summary>One value of a conf.yml with where it stands, typed the way etcd's YAML library types it.</summary>
    internal sealed class ConfigValue
    {
        public ConfigValue(ConfigValueKind kind, string text, int line, int column, IReadOnlyList<ConfigValue>? items = null,
            IReadOnlyDictionary<string, ConfigValue>? map = null)
        {
            Kind = kind; Text = text; Line = line; Column = column; Items = items ?? Array.Empty<ConfigValue>();
            Map = map ?? new Dictionary<string, ConfigValue>();
        }

        public ConfigValueKind Kind { get; }

        /// <summary>The scalar as written (empty for lists, maps and null).</summary>
        public string Text { get; }

        public int Line { get; }
        public int Column { get; }
        public IReadOnlyList<ConfigValue> Items { get; }
        public IReadOnlyDictionary<string, ConfigValue> Map { get; }

        /// <summary>Go json's word for the kind, as in "cannot unmarshal number into ...".</summary>
        public string JsonKind => Kind switch
        {
            ConfigValueKind.List => "array",
            ConfigValueKind.Map => "object",
            ConfigValueKind.Number => "number",
            ConfigValueKind.Bool => "bool",
            _ => "string",
        };
    }

    /// <summary>A parsed conf.yml: its top-level keys in order, or the syntax error that stopped parsing.</summary>
    internal sealed class ConfigDocument
    {
        private static readonly HashSet<string> Nulls = new HashSet<string>(StringComparer.Ordinal) { "", "~", "null", "Null", "NULL" };
        private static readonly HashSet<string> Bools = new HashSet<string>(StringComparer.Ordinal)
        {
            "y", "Y", "yes", "Yes", "YES", "n", "N", "no", "No", "NO", "true", "True", "TRUE", "false", "False", "FALSE",
            "on", "On", "ON", "off", "Off", "OFF",
        };
        private static readonly HashSet<string> TrueWords = new HashSet<string>(StringComparer.Ordinal) { "y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON" };
        private static readonly Regex Integer = new Regex(@"^[-+]?(0b[01_]+|0o?[0-7_]+|0x[0-9a-fA-F_]+|[0-9][0-9_]*)$", RegexOptions.CultureInvariant);
        private static readonly Regex Float = new Regex(@"^([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant);

        private ConfigDocument(string source) { Source = source; }

        /// <summary>File path or member name: what findings name as their target.</summary>
        public string Source { get; }

        public Dictionary<string, ConfigValue> Keys { get; } = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);

        public string? SyntaxError { get; private set; }
        public int ErrorLine { get; private set; }
        public int ErrorColumn { get; private set; }

        /// <summary>Set when the document is not a mapping of keys (empty file, a list, a scalar).</summary>
        public string? ShapeError { get; private set; }

        public bool IsUsable => SyntaxError == null && ShapeError == null;

        public static ConfigDocument Parse(string text, string source)
        {
            var doc = new ConfigDocument(source);
            if (!CheckSyntax(text, doc)) return doc;
            var stream = new YamlStream();
            try
            {
                stream.Load(new StringReader(text));
            }
            catch (Exception ex) when (ex is YamlException || ex is ArgumentException || ex is InvalidOperationException)
            {
                // YamlDotNet reports a repeated mapping key as an ArgumentException.
                doc.SyntaxError = Clean(ex.InnerException?.Message ?? ex.Message);
                if (ex is YamlException y) { doc.ErrorLine = (int)y.Start.Line; doc.ErrorColumn = (int)y.Start.Column; }
                return doc;
            }
            if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode s && IsNullScalar(s))
            {
                doc.ShapeError = "the file is empty";
                return doc;
            }
            if (stream.Documents.Count > 1)
            {
                doc.ShapeError = "the file holds more than one YAML document ('---'); etcd reads a single mapping of keys";
                return doc;
            }
            if (!(stream.Documents[0].RootNode is YamlMappingNode root))
            {
                doc.ShapeError = "the file is not a mapping of keys (key: value lines)";
                return doc;
            }
            foreach (var entry in root.Children)
            {
                if (!(entry.Key is YamlScalarNode k))
                {
                    doc.ShapeError = $"line {entry.Key.Start.Line}: a key is a list or mapping; etcd's keys are plain names such as data-dir";
                    return doc;
                }
                var key = k.Value ?? "";
                doc.Keys[key] = Convert(entry.Value);
            }
            return doc;
        }

        public ConfigValue? Get(string key) => Keys.TryGetValue(key, out var v) && v.Kind != ConfigValueKind.Null ? v : null;

        /// <summary>The string value, when the key holds one (type errors are reported elsewhere).</summary>
        public string? GetString(string key) => Get(key) is { Kind: ConfigValueKind.String } v ? v.Text : null;

        public static bool IsTrue(ConfigValue v) => v.Kind == ConfigValueKind.Bool && TrueWords.Contains(v.Text);

        private static bool IsNullScalar(YamlScalarNode s) => s.Style == ScalarStyle.Plain && Nulls.Contains(s.Value ?? "") && s.Tag.IsEmpty;

        private static ConfigValue Convert(YamlNode node)
        {
            var line = (int)node.Start.Line;
            var column = (int)node.Start.Column;
            switch (node)
            {
                case YamlSequenceNode seq:
                    return new ConfigValue(ConfigValueKind.List, "", line, column, seq.Children.Select(Convert).ToList());
                case YamlMappingNode map:
                    var children = new Dictionary<string, ConfigValue>(StringComparer.Ordinal);
                    foreach (var e in map.Children)
                        children[e.Key is YamlScalarNode k ? k.Value ?? "" : e.Key.ToString()] = Convert(e.Value);
                    return new ConfigValue(ConfigValueKind.Map, "", line, column, map: children);
                case YamlScalarNode scalar:
                    var text = scalar.Value ?? "";
                    return new ConfigValue(Resolve(scalar, text), text, line, column);
                default:
                    return new ConfigValue(ConfigValueKind.String, node.ToString(), line, column);
            }
        }

        /// <summary>YAML 1.1 resolution of plain scalars as go-yaml v2 does it: 'off' is a bool, 12345 a number.</summary>
        private static ConfigValueKind Resolve(YamlScalarNode scalar, string text)
        {
            if (!scalar.Tag.IsEmpty)
            {
                var tag = scalar.Tag.Value;
                if (tag.EndsWith(":str", StringComparison.Ordinal)) return ConfigValueKind.String;
                if (tag.EndsWith(":int", StringComparison.Ordinal) || tag.EndsWith(":float", StringComparison.Ordinal)) return ConfigValueKind.Number;
                if (tag.EndsWith(":bool", StringComparison.Ordinal)) return ConfigValueKind.Bool;
                if (tag.EndsWith(":null", StringComparison.Ordinal)) return ConfigValueKind.Null;
            }
            if (scalar.Style != ScalarStyle.Plain) return ConfigValueKind.String;
            if (Nulls.Contains(text)) return ConfigValueKind.Null;
            if (Bools.Contains(text)) return ConfigValueKind.Bool;
            if (Integer.IsMatch(text) || Float.IsMatch(text)) return ConfigValueKind.Number;
            return ConfigValueKind.String;
        }

        /// <summary>Whether a number as written is a whole number, and its value (null when it is not or overflows).</summary>
        public static decimal? WholeNumber(string text)
        {
            var t = text.Replace("_", "");
            var negative = t.StartsWith("-", StringComparison.Ordinal);
            var body = t.TrimStart('-', '+');
            try
            {
                decimal magnitude;
                if (body.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) magnitude = System.Convert.ToUInt64(body.Substring(2), 16);
                else if (body.StartsWith("0b", StringComparison.OrdinalIgnoreCase)) magnitude = System.Convert.ToUInt64(body.Substring(2), 2);
                else if (body.StartsWith("0o", StringComparison.OrdinalIgnoreCase)) magnitude = System.Convert.ToUInt64(body.Substring(2), 8);
                else if (body.Length > 1 && body[0] == '0' && body.All(char.IsDigit)) magnitude = System.Convert.ToUInt64(body, 8);
                else if (!decimal.TryParse(body, NumberStyles.Float, CultureInfo.InvariantCulture, out magnitude)) return null;
                if (magnitude != decimal.Truncate(magnitude)) return null;
                return negative ? -magnitude : magnitude;
            }
            catch (Exception ex) when (ex is FormatException || ex is OverflowException || ex is ArgumentException)
            {
                return null;
            }
        }

        /// <summary>
        /// Walks the parser events first: YamlDotNet's scanner can fail with a bare InvalidOperationException
        /// (e.g. an unclosed '[' at the end of the file), and then the last good event still says where.
        /// </summary>
        private static bool CheckSyntax(string text, ConfigDocument doc)
        {
            var parser = new Parser(new StringReader(text));
            Mark last = Mark.Empty;
            try
            {
                while (parser.MoveNext())
                    if (parser.Current != null) last = parser.Current.End;
                return true;
            }
            catch (YamlException ex)
            {
                doc.SyntaxError = Clean(ex.InnerException?.Message ?? ex.Message);
                doc.ErrorLine = (int)ex.Start.Line;
                doc.ErrorColumn = (int)ex.Start.Column;
            }
            catch (InvalidOperationException)
            {
                doc.SyntaxError = "the YAML ends inside an unclosed '[', '{' or quote";
                doc.ErrorLine = (int)Math.Max(1, last.Line);
                doc.ErrorColumn = (int)Math.Max(1, last.Column);
            }
            return false;
        }

        private static string Clean(string message)
        {
            var i = message.LastIndexOf("): ", StringComparison.Ordinal);
            return (i >= 0 ? message.Substring(i + 3) : message).TrimEnd('.');
        }
    }
}
