using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace EtcdOps.Remote
{
    /// <summary>
    /// One of the POSIX sh scripts in Remote/Scripts (embedded resources, checked by shellcheck in the build), and
    /// the command line that runs it on a host. Values reach a script only as positional arguments, each quoted by
    /// <see cref="Quote"/>, never spliced into its text.
    /// </summary>
    internal sealed class RemoteScript
    {
        private const string ResourcePrefix = "EtcdOps.Remote.Scripts.";
        private static readonly ConcurrentDictionary<string, RemoteScript> Loaded = new ConcurrentDictionary<string, RemoteScript>(StringComparer.Ordinal);

        public static RemoteScript ProbeHost => Get("probe-host");
        public static RemoteScript PrepareAccount => Get("prepare-account");
        public static RemoteScript WriteFiles => Get("write-files");
        public static RemoteScript EnableService => Get("enable-service");
        public static RemoteScript InstallBinaries => Get("install-binaries");
        public static RemoteScript ServiceAction => Get("service-action");
        public static RemoteScript ServiceState => Get("service-state");
        public static RemoteScript ReadJournal => Get("read-journal");
        public static RemoteScript JournalTail => Get("journal-tail");
        public static RemoteScript ReadLayout => Get("read-layout");
        public static RemoteScript ReadCertificates => Get("read-certificates");
        public static RemoteScript Uninstall => Get("uninstall");
        public static RemoteScript MoveAside => Get("move-aside");
        public static RemoteScript AuditNode => Get("audit-node");
        public static RemoteScript EtcdSnapshot => Get("etcd-snapshot");
        public static RemoteScript ListSnapshots => Get("list-snapshots");
        public static RemoteScript ScheduleProbe => Get("schedule-probe");
        public static RemoteScript ScheduleTimer => Get("schedule-timer");
        public static RemoteScript RestoreSnapshot => Get("restore-snapshot");

        private RemoteScript(string name, string text)
        {
            Name = name; Text = text;
        }

        /// <summary>The file's name without .sh, e.g. write-files.</summary>
        public string Name { get; }

        public string Text { get; }

        /// <summary>
        /// <c>sh -c '&lt;script&gt;' etcdops-&lt;name&gt; 'arg1' 'arg2' ...</c>: the name becomes $0, so sh's own
        /// messages and the script's say which script spoke.
        /// </summary>
        public string Command(IEnumerable<string> arguments) =>
            string.Join(" ", new[] { "sh", "-c", Quote(Text), "etcdops-" + Name }.Concat(arguments.Select(Quote)));

        public string Command(params string[] arguments) => Command((IEnumerable<string>)arguments);

        /// <summary>Commands that run one after another in one round trip, sharing stdin; the first that fails ends it with its exit code.</summary>
        public static string Sequence(params string?[] commands) => string.Join(" && ", commands.Where(c => !string.IsNullOrEmpty(c)));

        /// <summary>Quotes a value for /bin/sh: in single quotes, each ' written as '\''.</summary>
        public static string Quote(string value) => "'" + value.Replace("'", "'\\''") + "'";

        /// <summary>The names of every script embedded in this assembly.</summary>
        internal static IReadOnlyList<string> EmbeddedNames =>
            typeof(RemoteScript).Assembly.GetManifestResourceNames()
                .Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal) && n.EndsWith(".sh", StringComparison.Ordinal))
                .Select(n => n.Substring(ResourcePrefix.Length, n.Length - ResourcePrefix.Length - 3))
                .OrderBy(n => n, StringComparer.Ordinal).ToList();

        /// <summary>A script by name, read from its resource once.</summary>
        internal static RemoteScript Get(string name) => Loaded.GetOrAdd(name, n => new RemoteScript(n, Load(n)));

        private static string Load(string name)
        {
            using var stream = typeof(RemoteScript).Assembly.GetManifestResourceStream(ResourcePrefix + name + ".sh")
                ?? throw new InvalidOperationException($"The remote script {name}.sh is not embedded in {typeof(RemoteScript).Assembly.GetName().Name}.");
            using var reader = new StreamReader(stream);
            // A checkout that turned the line ends into CRLF must not send a \r to sh with every line.
            return reader.ReadToEnd().Replace("\r\n", "\n");
        }
    }
}
