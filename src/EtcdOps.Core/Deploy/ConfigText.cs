using System.Text.RegularExpressions;

namespace EtcdOps
{
    /// <summary>Edits of conf.yml text that keep everything else byte for byte (hand edits included).</summary>
    public static class ConfigText
    {
        private static readonly Regex StateLine = new Regex(@"^initial-cluster-state:[^\n]*$", RegexOptions.Multiline | RegexOptions.CultureInvariant);

        public static string WithInitialClusterState(string yaml, string state)
        {
            var line = "initial-cluster-state: " + state;
            if (StateLine.IsMatch(yaml)) return StateLine.Replace(yaml, line, 1);
            return yaml.EndsWith("\n", System.StringComparison.Ordinal) ? yaml + line + "\n" : yaml + "\n" + line + "\n";
        }
    }
}
