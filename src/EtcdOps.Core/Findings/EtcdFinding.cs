namespace EtcdOps
{
    public enum FindingSeverity
    {
        Error,
        Warning,
    }

    /// <summary>One result of a pre-flight check: what is wrong (or doubtful), where, and how to fix it.</summary>
    public class EtcdFinding
    {
        public FindingSeverity Severity { get; set; }

        /// <summary>Stable rule id, e.g. <c>NameNotInInitialCluster</c>; scripts may match on it.</summary>
        public string Rule { get; set; } = "";

        /// <summary>What the finding is about: a member name, a file path, a certificate.</summary>
        public string Target { get; set; } = "";

        /// <summary>The setting concerned, when there is one (e.g. a conf.yml key).</summary>
        public string? Key { get; set; }

        public string Message { get; set; } = "";

        public override string ToString() =>
            $"{Severity} {Rule} {Target}{(string.IsNullOrEmpty(Key) ? "" : " [" + Key + "]")}: {Message}";
    }
}
