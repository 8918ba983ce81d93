using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace EtcdOps
{
    /// <summary>
    /// A small strict JSON reader and string quoter for the gateway's replies. netstandard2.0 has no JSON
    /// library inbox and the module ships no extra one. Objects become <see cref="Dictionary{TKey,TValue}"/>,
    /// arrays <see cref="List{T}"/>, numbers <see cref="JsonNumber"/> (the literal text, so a uint64 never
    /// loses digits through a double), plus string, bool and null.
    /// </summary>
    internal static class Json
    {
        private const int MaxDepth = 64;

        public static object? Parse(string text)
        {
            if (text == null) throw new ArgumentNullException(nameof(text));
            var reader = new Reader(text);
            reader.SkipWhitespace();
            var value = reader.ReadValue(0);
            reader.SkipWhitespace();
            if (!reader.AtEnd) throw reader.Error("unexpected text after the JSON value");
            return value;
        }

        /// <summary>A JSON string literal for <paramref name="value"/>, with quotes.</summary>
        public static string Quote(string value)
        {
            var sb = new StringBuilder(value.Length + 2);
            sb.Append('"');
            foreach (var c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                        else sb.Append(c);
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        private sealed class Reader
        {
            private readonly string _text;
            private int _pos;

            public Reader(string text) => _text = text;

            public bool AtEnd => _pos >= _text.Length;

            public FormatException Error(string what) => new FormatException($"Invalid JSON at offset {_pos}: {what}.");

            public void SkipWhitespace()
            {
                while (_pos < _text.Length)
                {
                    var c = _text[_pos];
                    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') _pos++;
                    else break;
                }
            }

            public object? ReadValue(int depth)
            {
                if (depth > MaxDepth) throw Error("nested too deeply");
                if (AtEnd) throw Error("unexpected end of input");
                var c = _text[_pos];
                switch (c)
                {
                    case '{': return ReadObject(depth);
                    case '[': return ReadArray(depth);
                    case '"': return ReadString();
                    case 't': Expect("true"); return true;
                    case 'f': Expect("false"); return false;
                    case 'n': Expect("null"); return null;
                    default:
                        if (c == '-' || (c >= '0' && c <= '9')) return ReadNumber();
                        throw Error($"unexpected character '{c}'");
                }
            }

            private void Expect(string literal)
            {
                if (string.CompareOrdinal(_text, _pos, literal, 0, literal.Length) != 0) throw Error($"expected '{literal}'");
                _pos += literal.Length;
            }

            private Dictionary<string, object?> ReadObject(int depth)
            {
                var result = new Dictionary<string, object?>(StringComparer.Ordinal);
                _pos++; // {
                SkipWhitespace();
                if (!AtEnd && _text[_pos] == '}') { _pos++; return result; }
                while (true)
                {
                    SkipWhitespace();
                    if (AtEnd || _text[_pos] != '"') throw Error("expected a property name");
                    var name = ReadString();
                    SkipWhitespace();
                    if (AtEnd || _text[_pos] != ':') throw Error("expected ':'");
                    _pos++;
                    SkipWhitespace();
                    result[name] = ReadValue(depth + 1);
                    SkipWhitespace();
                    if (AtEnd) throw Error("unterminated object");
                    if (_text[_pos] == ',') { _pos++; continue; }
                    if (_text[_pos] == '}') { _pos++; return result; }
                    throw Error("expected ',' or '}'");
                }
            }

            private List<object?> ReadArray(int depth)
            {
                var result = new List<object?>();
                _pos++; // [
                SkipWhitespace();
                if (!AtEnd && _text[_pos] == ']') { _pos++; return result; }
                while (true)
                {
                    SkipWhitespace();
                    result.Add(ReadValue(depth + 1));
                    SkipWhitespace();
                    if (AtEnd) throw Error("unterminated array");
                    if (_text[_pos] == ',') { _pos++; continue; }
                    if (_text[_pos] == ']') { _pos++; return result; }
                    throw Error("expected ',' or ']'");
                }
            }

            private string ReadString()
            {
                _pos++; // opening quote
                var sb = new StringBuilder();
                while (true)
                {
                    if (AtEnd) throw Error("unterminated string");
                    var c = _text[_pos++];
                    if (c == '"') return sb.ToString();
                    if (c < 0x20) throw Error("control character in string");
                    if (c != '\\') { sb.Append(c); continue; }
                    if (AtEnd) throw Error("unterminated escape");
                    var e = _text[_pos++];
                    switch (e)
                    {
                        case '"': sb.Append('"'); break;
                        case '\\': sb.Append('\\'); break;
                        case '/': sb.Append('/'); break;
                        case 'b': sb.Append('\b'); break;
                        case 'f': sb.Append('\f'); break;
                        case 'n': sb.Append('\n'); break;
                        case 'r': sb.Append('\r'); break;
                        case 't': sb.Append('\t'); break;
                        case 'u':
                            if (_pos + 4 > _text.Length ||
                                !int.TryParse(_text.Substring(_pos, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                                throw Error("invalid \\u escape");
                            sb.Append((char)code);
                            _pos += 4;
                            break;
                        default: throw Error($"invalid escape '\\{e}'");
                    }
                }
            }

            private JsonNumber ReadNumber()
            {
                var start = _pos;
                if (_text[_pos] == '-') _pos++;
                if (AtEnd) throw Error("incomplete number");
                if (_text[_pos] == '0') _pos++;
                else if (!ReadDigits()) throw Error("expected a digit");
                if (!AtEnd && _text[_pos] == '.')
                {
                    _pos++;
                    if (!ReadDigits()) throw Error("expected a digit after '.'");
                }
                if (!AtEnd && (_text[_pos] == 'e' || _text[_pos] == 'E'))
                {
                    _pos++;
                    if (!AtEnd && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
                    if (!ReadDigits()) throw Error("expected a digit in the exponent");
                }
                return new JsonNumber(_text.Substring(start, _pos - start));
            }

            private bool ReadDigits()
            {
                var start = _pos;
                while (!AtEnd && _text[_pos] >= '0' && _text[_pos] <= '9') _pos++;
                return _pos > start;
            }
        }
    }

    /// <summary>A JSON number kept as its literal text.</summary>
    internal sealed class JsonNumber
    {
        public JsonNumber(string text) => Text = text;

        public string Text { get; }

        public override string ToString() => Text;
    }

    /// <summary>
    /// Typed reads from parsed JSON objects. etcd's gateway (protobuf JSON) sends 64-bit integers as strings
    /// and leaves out fields that have their default value (0, false, empty), so a missing field means the default.
    /// </summary>
    internal static class JsonFields
    {
        public static Dictionary<string, object?>? Object(this Dictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out var v) ? v as Dictionary<string, object?> : null;

        public static List<object?> Array(this Dictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out var v) && v is List<object?> list ? list : new List<object?>();

        public static string String(this Dictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out var v) && v != null ? Convert.ToString(v, CultureInfo.InvariantCulture) ?? "" : "";

        public static ulong UInt64(this Dictionary<string, object?> obj, string name)
        {
            var text = obj.String(name);
            if (text.Length == 0) return 0;
            if (ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)) return value;
            throw new FormatException($"Field '{name}' is not an unsigned 64-bit integer: '{text}'.");
        }

        public static long Int64(this Dictionary<string, object?> obj, string name)
        {
            var text = obj.String(name);
            if (text.Length == 0) return 0;
            if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)) return value;
            throw new FormatException($"Field '{name}' is not a 64-bit integer: '{text}'.");
        }

        public static bool Boolean(this Dictionary<string, object?> obj, string name) =>
            obj.TryGetValue(name, out var v) && (v is bool b ? b : v is string s && string.Equals(s, "true", StringComparison.OrdinalIgnoreCase));

        public static List<string> Strings(this Dictionary<string, object?> obj, string name)
        {
            var result = new List<string>();
            foreach (var item in obj.Array(name))
                if (item != null) result.Add(Convert.ToString(item, CultureInfo.InvariantCulture) ?? "");
            return result;
        }
    }
}
