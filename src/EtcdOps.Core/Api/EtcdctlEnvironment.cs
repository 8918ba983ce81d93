using System.Collections.Generic;

namespace EtcdOps.Api
{
    public enum EtcdShell
    {
        Bash,
        PowerShell,
    }

    public enum EtcdEnvironmentFormat
    {
        /// <summary>ETCDCTL_API, ETCDCTL_ENDPOINTS, ETCDCTL_CACERT, ETCDCTL_CERT, ETCDCTL_KEY.</summary>
        Etcdctl,

        /// <summary>k3s server's --datastore-endpoint/-cafile/-certfile/-keyfile flags.</summary>
        K3s,
    }

    /// <summary>The lines an operator puts in a shell profile (or on a k3s command line) to reach the cluster.</summary>
    internal static class EtcdctlEnvironment
    {
        public static IReadOnlyList<string> Render(EtcdConnection connection, EtcdShell shell, EtcdEnvironmentFormat format)
        {
            var endpoints = string.Join(",", connection.Endpoints);
            var lines = new List<string>();
            if (format == EtcdEnvironmentFormat.Etcdctl)
            {
                lines.Add(Variable(shell, "ETCDCTL_API", "3"));
                lines.Add(Variable(shell, "ETCDCTL_ENDPOINTS", endpoints));
                if (connection.CaCertificatePath != null) lines.Add(Variable(shell, "ETCDCTL_CACERT", connection.CaCertificatePath));
                if (connection.ClientCertificatePath != null) lines.Add(Variable(shell, "ETCDCTL_CERT", connection.ClientCertificatePath));
                if (connection.ClientKeyPath != null) lines.Add(Variable(shell, "ETCDCTL_KEY", connection.ClientKeyPath));
            }
            else
            {
                lines.Add(Flag(shell, "datastore-endpoint", endpoints));
                if (connection.CaCertificatePath != null) lines.Add(Flag(shell, "datastore-cafile", connection.CaCertificatePath));
                if (connection.ClientCertificatePath != null) lines.Add(Flag(shell, "datastore-certfile", connection.ClientCertificatePath));
                if (connection.ClientKeyPath != null) lines.Add(Flag(shell, "datastore-keyfile", connection.ClientKeyPath));
            }
            return lines;
        }

        private static string Variable(EtcdShell shell, string name, string value) => shell == EtcdShell.Bash
            ? $"export {name}={Quote(shell, value)}"
            : $"$env:{name} = {Quote(shell, value)}";

        private static string Flag(EtcdShell shell, string name, string value) => $"--{name}={Quote(shell, value)}";

        /// <summary>Single quotes: nothing inside is expanded by either shell.</summary>
        internal static string Quote(EtcdShell shell, string value) => shell == EtcdShell.Bash
            ? "'" + value.Replace("'", "'\\''") + "'"
            : "'" + DoublePowerShellQuotes(value) + "'";

        // PowerShell also ends a single-quoted string at typographic single quotes; doubling escapes each kind.
        private static string DoublePowerShellQuotes(string value)
        {
            var sb = new System.Text.StringBuilder(value.Length + 2);
            foreach (var c in value)
            {
                sb.Append(c);
                if (c == '\'' || c == '\u2018' || c == '\u2019' || c == '\u201A' || c == '\u201B') sb.Append(c);
            }
            return sb.ToString();
        }
    }
}
