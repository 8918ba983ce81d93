using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace EtcdOps.Tests.Remote
{
    /// <summary>One remote script in a command line, read back as the remote shell would: its name and its arguments.</summary>
    internal sealed class RemoteCall
    {
        private RemoteCall(string name, IReadOnlyList<string> arguments)
        {
            Name = name; Arguments = arguments;
        }

        /// <summary>The script's name, e.g. service-action.</summary>
        public string Name { get; }

        public IReadOnlyList<string> Arguments { get; }

        public override string ToString() => Name + " " + string.Join(" ", Arguments);

        /// <summary>The scripts of a command line: <c>sh -c '...' etcdops-NAME 'a' ...</c>, joined by &amp;&amp;.</summary>
        public static IReadOnlyList<RemoteCall> Parse(string command)
        {
            var calls = new List<RemoteCall>();
            var words = Words(command);
            var start = 0;
            for (var i = 0; i <= words.Count; i++)
            {
                if (i < words.Count && words[i] != "&&") continue;
                var part = words.Skip(start).Take(i - start).ToList();
                if (part.Count >= 4 && part[0] == "sh" && part[1] == "-c" && part[3].StartsWith("etcdops-"))
                    calls.Add(new RemoteCall(part[3].Substring(8), part.Skip(4).ToList()));
                start = i + 1;
            }
            return calls;
        }

        /// <summary>Splits a line into words: single quotes and backslashes as sh reads them, nothing else.</summary>
        private static List<string> Words(string line)
        {
            var words = new List<string>();
            var word = new StringBuilder();
            var inWord = false;
            for (var i = 0; i < line.Length; i++)
            {
                var c = line[i];
                if (c == '\'')
                {
                    var end = line.IndexOf('\'', i + 1);
                    word.Append(line, i + 1, end - i - 1);
                    i = end; inWord = true;
                }
                else if (c == '\\') { word.Append(line[++i]); inWord = true; }
                else if (c == ' ')
                {
                    if (inWord) words.Add(word.ToString());
                    word.Clear(); inWord = false;
                }
                else { word.Append(c); inWord = true; }
            }
            if (inWord) words.Add(word.ToString());
            return words;
        }
    }
}
