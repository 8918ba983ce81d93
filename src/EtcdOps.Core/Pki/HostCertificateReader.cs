using System;
using System.Collections.Generic;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>
    /// The certificates installed on a member's host, as its conf.yml names them (cert-file and trusted-ca-file; keys
    /// are never read), inspected on the workstation like local files.
    /// </summary>
    internal static class HostCertificateReader
    {
        public static async Task<(IReadOnlyList<EtcdCertificateInfo> Certificates, IReadOnlyList<EtcdOpsException> Problems)> ReadAsync(
            IRemoteHost host, EtcdHostLayout layout, string member, CancellationToken cancellation)
        {
            if (layout.PublicCertificateFiles.Count == 0)
                throw new EtcdOpsException(ErrorIds.EtcdNotInstalled, FailureKind.NotInstalled,
                    $"{member}: no etcd unit with a conf.yml naming certificate files was found on the host. Deploy it with Install-EtcdNode first.", member);
            var output = await host.RunCheckedAsync(RemoteScript.ReadCertificates.Command(layout.PublicCertificateFiles), "reading the installed certificates", cancellation).ConfigureAwait(false);
            return Parse(output, member, DateTime.UtcNow);
        }

        /// <summary>read-certificates.sh's output: "--- path" lines, each followed by the file or "!unreadable".</summary>
        internal static (IReadOnlyList<EtcdCertificateInfo>, IReadOnlyList<EtcdOpsException>) Parse(string output, string member, DateTime nowUtc)
        {
            var certificates = new List<EtcdCertificateInfo>();
            var problems = new List<EtcdOpsException>();
            string? path = null;
            var content = new StringBuilder();
            void Flush()
            {
                if (path == null) return;
                var text = content.ToString();
                if (text.Trim() == "!unreadable")
                {
                    problems.Add(new EtcdOpsException(ErrorIds.CertificateUnreadable, FailureKind.ObjectNotFound,
                        $"{member}: '{path}', named in conf.yml, is missing or unreadable on the host. Re-run Install-EtcdNode to put it back.", path));
                    return;
                }
                try
                {
                    var parsed = PkiCrypto.ParseCertificates(Encoding.ASCII.GetBytes(text), path);
                    for (var i = 0; i < parsed.Count; i++)
                    {
                        var role = i == 0 ? CertificateInspector.RoleOf(path, parsed[i]) : CertificateInspector.RoleByContent(parsed[i]);
                        var info = CertificateInspector.Describe(parsed[i], path, role, nowUtc);
                        info.Member = member;
                        certificates.Add(info);
                    }
                }
                catch (EtcdOpsException ex)
                {
                    problems.Add(new EtcdOpsException(ex.ErrorId, ex.Kind, $"{member}: {ex.Message}", path, ex));
                }
            }
            foreach (var line in output.Replace("\r\n", "\n").Split('\n'))
            {
                if (line.StartsWith("--- ", StringComparison.Ordinal))
                {
                    Flush();
                    path = line.Substring(4);
                    content.Clear();
                }
                else content.Append(line).Append('\n');
            }
            Flush();
            return (certificates, problems);
        }
    }
}
