using System;
using System.Collections.Generic;
using Xunit;

namespace EtcdOps.Tests.Api
{
    public class JsonTests
    {
        [Fact]
        public void ReadsNestedObjectsArraysAndLiterals()
        {
            var root = (Dictionary<string, object?>)Json.Parse(" {\"a\": [1, -2.5e3, true, false, null, {\"b\": []}], \"c\": {}} ")!;
            var a = (List<object?>)root["a"]!;
            Assert.Equal(6, a.Count);
            Assert.Equal("1", ((JsonNumber)a[0]!).Text);
            Assert.Equal("-2.5e3", ((JsonNumber)a[1]!).Text);
            Assert.Equal(true, a[2]);
            Assert.Equal(false, a[3]);
            Assert.Null(a[4]);
            Assert.Empty((List<object?>)((Dictionary<string, object?>)a[5]!)["b"]!);
            Assert.Empty((Dictionary<string, object?>)root["c"]!);
        }

        [Fact]
        public void DecodesEveryStringEscape()
        {
            var text = (string)Json.Parse("\"q\\\" b\\\\ s\\/ \\b\\f\\n\\r\\t \\u00e9 \\ud83d\\ude00\"")!;
            Assert.Equal("q\" b\\ s/ \b\f\n\r\t é 😀", text);
        }

        [Fact]
        public void KeepsUInt64DigitsExactly()
        {
            // Above 2^53 a double would change the last digits; etcd member IDs live up there.
            var root = (Dictionary<string, object?>)Json.Parse("{\"id\":\"18446744073709551615\",\"n\":18446744073709551615}")!;
            Assert.Equal(ulong.MaxValue, root.UInt64("id"));
            Assert.Equal(ulong.MaxValue, root.UInt64("n"));
        }

        [Fact]
        public void MissingFieldsReadAsProtobufDefaults()
        {
            var root = (Dictionary<string, object?>)Json.Parse("{}")!;
            Assert.Equal(0UL, root.UInt64("raftIndex"));
            Assert.False(root.Boolean("isLearner"));
            Assert.Equal("", root.String("version"));
            Assert.Empty(root.Strings("errors"));
            Assert.Null(root.Object("header"));
        }

        [Theory]
        [InlineData("")]
        [InlineData("{")]
        [InlineData("{\"a\":1,}")]
        [InlineData("[1,]")]
        [InlineData("\"unterminated")]
        [InlineData("\"bad \\x escape\"")]
        [InlineData("\"bad \\u12 escape\"")]
        [InlineData("01")]
        [InlineData("-")]
        [InlineData("1.")]
        [InlineData("tru")]
        [InlineData("{\"a\" 1}")]
        [InlineData("{} extra")]
        [InlineData("\"raw\ncontrol\"")]
        public void RefusesInvalidJson(string text)
        {
            Assert.Throws<FormatException>(() => Json.Parse(text));
        }

        [Fact]
        public void RefusesAbsurdNesting()
        {
            Assert.Throws<FormatException>(() => Json.Parse(new string('[', 100) + new string(']', 100)));
        }

        [Fact]
        public void QuoteRoundTrips()
        {
            var value = "a\"b\\c\n\u0001é";
            Assert.Equal(value, Json.Parse(Json.Quote(value)));
            Assert.Equal("\"\\u0001\"", Json.Quote("\u0001"));
        }

        [Fact]
        public void NonNumericIdIsAnError()
        {
            var root = (Dictionary<string, object?>)Json.Parse("{\"id\":\"abc\"}")!;
            Assert.Throws<FormatException>(() => root.UInt64("id"));
        }
    }
}
