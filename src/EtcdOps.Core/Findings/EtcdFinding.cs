namespace EtcdOps.Findings
{
    /// <summary>
    /// How bad a finding is: an Error means etcd (or Go's TLS stack) would fail, or an audit check failed; a Warning
    /// means it works for now; Pass is an audit check that holds (Test-EtcdNode reports every check, passed or not).
    /// </summary>
    internal enum FindingSeverity
    {
        Error,
        Warning,
        Pass,
    }

    /// <summary>
    /// One result of a pre-flight check (certificate set, rendered config, ...): what is wrong, where, and how to fix it.
    /// The same shape serves every check, so findings from several cmdlets can be collected and filtered together.
    /// </summary>
    public sealed class EtcdFinding
    {
        public EtcdFinding() { }

        internal EtcdFinding(FindingSeverity severity, string rule, string target, string? key, string message)
        {
            Severity = severity.ToString();
            Rule = rule;
            Target = target;
            Key = key;
            Message = message;
        }

        /// <summary>
        /// <see cref="FindingSeverity"/> by name, "Error", "Warning" or "Pass": a name, not a number, in ConvertTo-Json and Export-Csv.
        /// </summary>
        public string Severity { get; set; } = nameof(FindingSeverity.Error);

        internal bool Is(FindingSeverity severity) => string.Equals(Severity, severity.ToString(), System.StringComparison.Ordinal);

        /// <summary>Stable rule name, e.g. <c>ServerSanMissing</c>; scripts may match on it.</summary>
        public string Rule { get; set; } = "";

        /// <summary>What the finding is about: a certificate file, a member, a config file.</summary>
        public string Target { get; set; } = "";

        /// <summary>The part of the target at fault (a config key, a certificate field), when there is one.</summary>
        public string? Key { get; set; }

        /// <summary>What is wrong and what to do about it (for a Pass: what was found).</summary>
        public string Message { get; set; } = "";

        /// <summary>The benchmark or document the check comes from (e.g. a CIS recommendation), when there is one.</summary>
        public string? Reference { get; set; }

        public override string ToString() =>
            $"{Severity} {Rule} {Target}{(string.IsNullOrEmpty(Key) ? "" : " [" + Key + "]")}: {Message}";
    }
}
