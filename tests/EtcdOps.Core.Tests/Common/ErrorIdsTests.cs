using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace EtcdOps.Tests.Common
{
    /// <summary>
    /// Keeps the error IDs in one place and their documentation true: the constants of <see cref="ErrorIds"/>, the
    /// sources that raise them, and the tables of docs/about_EtcdOps.md must name the same IDs.
    /// </summary>
    public class ErrorIdsTests
    {
        // Rewritten elsewhere at the moment; its IDs are listed in ErrorIds but still written as literals there.
        private const string ErrorIdsFile = "src/EtcdOps.Core/Common/ErrorIds.cs";
        private const string AboutTopic = "docs/about_EtcdOps.md";

        // The places an ID is made: exceptions, cmdlet-layer error records, the cluster validator's Fault, findings.
        private static readonly Regex[] IdLiterals =
        {
            new Regex(@"EtcdOpsException\(\s*""", RegexOptions.CultureInvariant),
            new Regex(@"ThrowInvalidArgument\(\s*""", RegexOptions.CultureInvariant),
            new Regex(@"\bFault\(\s*""", RegexOptions.CultureInvariant),
            new Regex(@"new ErrorRecord\([^;]*?,\s*""[A-Za-z0-9]+""\s*,\s*ErrorCategory", RegexOptions.CultureInvariant | RegexOptions.Singleline),
            new Regex(@"\bRule\s*=\s*""", RegexOptions.CultureInvariant),
            new Regex(@"FindingSeverity\.\w+\s*,\s*""", RegexOptions.CultureInvariant),
            new Regex(@"\b(Error|Warn)\(\s*""[A-Za-z0-9]+""\s*,", RegexOptions.CultureInvariant),
        };

        private static readonly Lazy<string> Root = new Lazy<string>(FindRepositoryRoot);

        private static string FindRepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "EtcdOps.sln"))) return dir.FullName;
            throw new InvalidOperationException($"No EtcdOps.sln above {AppContext.BaseDirectory}: these tests read the repository's sources.");
        }

        /// <summary>Every C# source file under src/, as (path relative to the root with '/', text); build output is skipped.</summary>
        private static IEnumerable<(string Path, string Text)> Sources() =>
            Directory.EnumerateFiles(Path.Combine(Root.Value, "src"), "*.cs", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(Root.Value, f).Replace('\\', '/'))
                .Where(f => !f.Split('/').Any(part => part == "bin" || part == "obj"))
                .OrderBy(f => f, StringComparer.Ordinal)
                .Select(f => (f, File.ReadAllText(Path.Combine(Root.Value, f))));

        private static IReadOnlyList<FieldInfo> Constants() =>
            typeof(ErrorIds).GetFields(BindingFlags.Public | BindingFlags.Static)
                .Where(f => f.IsLiteral && f.FieldType == typeof(string)).ToList();

        private static HashSet<string> ConstantValues() =>
            new HashSet<string>(Constants().Select(f => (string)f.GetRawConstantValue()!), StringComparer.Ordinal);

        private static int LineOf(string text, int index) => text.Take(index).Count(c => c == '\n') + 1;

        [Fact]
        public void NoIdIsWrittenAsALiteral()
        {
            var found = new List<string>();
            foreach (var (path, text) in Sources().Where(s => s.Path != ErrorIdsFile))
                foreach (var pattern in IdLiterals)
                    foreach (Match m in pattern.Matches(text))
                        found.Add($"{path}:{LineOf(text, m.Index)}: {m.Value.Split('\n')[0].Trim()}");
            Assert.True(found.Count == 0, "Use the ErrorIds constants instead of these literals:\n" + string.Join("\n", found));
        }

        [Fact]
        public void ConstantsAreUniqueAndEachIsItsOwnName()
        {
            var constants = Constants();
            Assert.True(constants.Count > 100, $"ErrorIds has only {constants.Count} constants; was the class emptied?");
            var misnamed = constants.Where(f => (string)f.GetRawConstantValue()! != f.Name).Select(f => $"{f.Name} = \"{f.GetRawConstantValue()}\"").ToList();
            Assert.True(misnamed.Count == 0, "Each constant must be nameof itself (scripts match on the text):\n" + string.Join("\n", misnamed));
            var duplicates = constants.GroupBy(f => (string)f.GetRawConstantValue()!, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
            Assert.True(duplicates.Count == 0, "IDs that differ only by case, or repeat: " + string.Join(", ", duplicates));
        }

        [Fact]
        public void EveryConstantIsRaisedSomewhere()
        {
            var used = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (_, text) in Sources().Where(s => s.Path != ErrorIdsFile))
                foreach (Match m in Regex.Matches(text, @"\bErrorIds\.(\w+)")) used.Add(m.Groups[1].Value);
            var constants = ConstantValues();
            var unused = constants.Where(c => !used.Contains(c)).OrderBy(c => c, StringComparer.Ordinal).ToList();
            Assert.True(unused.Count == 0, "ErrorIds constants nothing raises any more (remove them and their rows in " + AboutTopic + "): " + string.Join(", ", unused));
        }

        /// <summary>The first cells of the tables in one '## ' section of the about topic, with their line numbers.</summary>
        private static List<(string Id, int Line, string[] Cells)> TableRows(string section)
        {
            var lines = File.ReadAllLines(Path.Combine(Root.Value, AboutTopic));
            var start = Array.FindIndex(lines, l => l.Trim() == "## " + section);
            Assert.True(start >= 0, $"{AboutTopic} has no '## {section}' section.");
            var rows = new List<(string, int, string[])>();
            for (var i = start + 1; i < lines.Length && !lines[i].StartsWith("## ", StringComparison.Ordinal); i++)
            {
                var line = lines[i].Trim();
                if (!line.StartsWith("|", StringComparison.Ordinal) || Regex.IsMatch(line, @"^\|[\s:|-]+\|$")) continue;
                var cells = Regex.Split(line.Trim('|'), @"(?<!\\)\|").Select(c => c.Trim().Trim('`')).ToArray();
                if (cells[0] == "ID") continue;
                rows.Add((cells[0], i + 1, cells));
            }
            return rows;
        }

        [Fact]
        public void TheAboutTopicListsEveryIdOnceAndNoOther()
        {
            var constants = ConstantValues();
            var problems = new List<string>();
            var listed = new HashSet<string>(StringComparer.Ordinal);
            foreach (var section in new[] { "ERROR IDS", "FINDING RULES" })
            {
                var rows = TableRows(section);
                Assert.NotEmpty(rows);
                foreach (var dup in rows.GroupBy(r => r.Id).Where(g => g.Count() > 1))
                    problems.Add($"{section}: {dup.Key} has {dup.Count()} rows (lines {string.Join(", ", dup.Select(d => d.Line))}).");
                foreach (var row in rows)
                {
                    listed.Add(row.Id);
                    if (!constants.Contains(row.Id)) problems.Add($"{AboutTopic}:{row.Line}: {row.Id} is not a constant of ErrorIds.");
                    if (row.Cells.Length != 3 || row.Cells.Any(c => c.Length == 0)) problems.Add($"{AboutTopic}:{row.Line}: {row.Id} needs an ID, a meaning and what to do.");
                }
            }
            foreach (var id in constants.Where(c => !listed.Contains(c)).OrderBy(c => c, StringComparer.Ordinal))
                problems.Add($"{id} is missing from the tables of {AboutTopic} (ERROR IDS or FINDING RULES).");
            Assert.True(problems.Count == 0, string.Join("\n", problems));
        }

        [Fact]
        public void TheInventoryExampleIsWhatExportWrites()
        {
            var text = File.ReadAllText(Path.Combine(Root.Value, AboutTopic)).Replace("\r\n", "\n");
            var section = text.Substring(text.IndexOf("## INVENTORY FILE FORMAT", StringComparison.Ordinal));
            var example = Regex.Match(section, "```yaml\n(.*?)```", RegexOptions.Singleline);
            Assert.True(example.Success, $"{AboutTopic}: INVENTORY FILE FORMAT has no ```yaml example.");
            var cluster = ClusterInventory.FromYaml(example.Groups[1].Value, AboutTopic, out var warnings);
            Assert.Empty(warnings);
            Assert.Equal(example.Groups[1].Value, ClusterInventory.ToYaml(cluster));
        }
    }
}
