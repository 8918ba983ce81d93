using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsData.Update, "EtcdCertificate", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdCertificateSet))]
    public sealed class UpdateEtcdCertificateCommand : EtcdHostCmdlet
    {
        /// <summary>The cluster's set: its CA issues the new leaves, its folder receives them.</summary>
        [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet CertificateSet { get; set; } = null!;

        /// <summary>Which leaves to renew: Server, Peer, Client (default all three).</summary>
        [Parameter]
        [ValidateSet("Server", "Peer", "Client")]
        public string[] Role { get; set; } = { "Server", "Peer", "Client" };

        [Parameter]
        [ValidateRange(1, 36500)]
        public int ValidityDays { get; set; } = 365;

        protected override void EndProcessing()
        {
            var roles = Role.Select(r => (CertificateRole)Enum.Parse(typeof(CertificateRole), r)).Distinct().ToList();
            foreach (var cluster in Clusters)
            {
                var members = SelectMembers(cluster);
                var files = CertificateRenewal.FilesFor(CertificateSet, cluster, roles);
                var onHosts = roles.Any(r => r != CertificateRole.Client);
                var action = $"Renew the {string.Join(", ", roles)} certificate(s) of '{cluster.Name}' from the set's CA ({string.Join(", ", files)})" +
                             (onHosts ? $" and replace them on {string.Join(", ", members.Select(m => m.Name))}, without restarting etcd" : "");
                if (!ShouldProcess(CertificateSet.Path, action)) continue;

                EtcdCertificateSet renewed;
                try
                {
                    var backup = CertificateRenewal.Backup(CertificateSet, files, DateTime.UtcNow);
                    WriteVerbose($"The files being replaced are kept in {backup}.");
                    renewed = CertificateRenewal.Issue(cluster, CertificateSet, files, ValidityDays, Cancellation);
                }
                catch (EtcdOpsException ex)
                {
                    ThrowFailure(ex, CertificateSet.Path);
                    return;
                }
                WriteVerbose($"New certificates in {renewed.Path}: {string.Join(", ", files)}.");

                if (onHosts)
                {
                    var hosts = RunOnHosts("Replacing certificates on the hosts", members, async (m, host, report, ct) =>
                    {
                        var layout = await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false);
                        report("Writing certificates");
                        var (changed, _) = await RemoteFiles.EnsureAsync(host, CertificateRenewal.HostFiles(renewed, layout, m, files), ct).ConfigureAwait(false);
                        report("Checking the ports serve them");
                        await VerifyServedAsync(cluster, renewed, m, roles).ConfigureAwait(false);
                        return m;
                    });
                    foreach (var m in hosts) WriteVerbose($"{m.Name}: serves the new certificate(s); etcd was not restarted.");
                }
                WriteObject(renewed);
            }
        }

        /// <summary>A TLS handshake to the member's client and peer port must show the new certificates' serial numbers.</summary>
        private async Task VerifyServedAsync(EtcdCluster cluster, EtcdCertificateSet renewed, EtcdMember member, IReadOnlyCollection<CertificateRole> roles)
        {
            var checks = new List<(int Port, string File)>();
            if (roles.Contains(CertificateRole.Server)) checks.Add((cluster.ClientPort, renewed.ServerCertificatePath));
            if (roles.Contains(CertificateRole.Peer)) checks.Add((cluster.PeerPort, renewed.PeerCertificatePath(member.Name)));
            foreach (var (port, file) in checks)
            {
                var wanted = CertificateSetLoader.ReadCertificates(file).First().SerialNumber;
                var served = await CertificateRenewal.ServedSerialAsync(member.Address, port, TimeSpan.FromSeconds(5), Cancellation).ConfigureAwait(false);
                if (!string.Equals(served, wanted, StringComparison.OrdinalIgnoreCase))
                    throw new EtcdOpsException(ErrorIds.CertificateNotServed, FailureKind.InvalidOperation,
                        $"{member.Name}: port {port} still serves certificate {served}, not the new {wanted} from {file}. Check that conf.yml's files are the ones replaced (Get-EtcdCertificate -Cluster), then run again.", member.Name);
            }
        }
    }
}
