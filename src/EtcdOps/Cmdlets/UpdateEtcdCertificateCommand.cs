using System;
using System.Collections.Concurrent;
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

        /// <summary>Rotate to a new CA with the cluster writable throughout (every leaf is issued from it; -Role does not apply).</summary>
        [Parameter]
        public SwitchParameter NewAuthority { get; set; }

        [Parameter]
        [ValidateRange(1, 36500)]
        public int CaValidityDays { get; set; } = 3650;

        /// <summary>How long to wait for the cluster to be healthy before and after each restart of a CA rotation, in seconds.</summary>
        [Parameter]
        [ValidateRange(5, 3600)]
        public int TimeoutSeconds { get; set; } = 60;

        protected override void EndProcessing()
        {
            var roles = Role.Select(r => (CertificateRole)Enum.Parse(typeof(CertificateRole), r)).Distinct().ToList();
            foreach (var cluster in Clusters)
            {
                if (NewAuthority)
                {
                    RotateAuthority(cluster);
                    continue;
                }
                var members = SelectMembers(cluster);
                var files = CertificateRenewal.FilesFor(CertificateSet, cluster, roles);
                var action = $"Renew the {string.Join(", ", roles)} certificate(s) of '{cluster.Name}' from the set's CA ({string.Join(", ", files)})" +
                             $" and replace them on {string.Join(", ", members.Select(m => m.Name))}, without restarting etcd";
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

                // Every role has files on the hosts: the client certificate too (Install puts it there for etcdctl).
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

                WriteObject(renewed);
            }
        }

        /// <summary>
        /// etcd builds its CA pool only at start: trust old+new CA on every member (one restart at a time, health between),
        /// then every leaf from the new CA (no restart), then only the new CA (one restart at a time). A re-run continues.
        /// </summary>
        private void RotateAuthority(EtcdCluster cluster)
        {
            var staging = AuthorityRotation.StagingFor(CertificateSet);
            var resumes = System.IO.Directory.Exists(staging);
            var action = (resumes ? $"Continue the CA rotation staged in {staging}" : $"Rotate the CA of '{cluster.Name}' to a new one") +
                $": trust the old and the new CA on {string.Join(", ", cluster.Members.Select(m => m.Name))} (one restart at a time), upload every leaf " +
                "from the new CA (no restart), then trust only the new CA (one restart at a time); the old CA and leaves are kept in a backup folder";
            if (!ShouldProcess(CertificateSet.Path, action)) return;
            AuthorityRotation rotation;
            try { rotation = AuthorityRotation.BeginOrResume(cluster, CertificateSet, CaValidityDays, ValidityDays, Cancellation); }
            catch (EtcdOpsException ex) { ThrowFailure(ex, CertificateSet.Path); return; }
            WriteVerbose((rotation.Resumed ? "Continuing" : "Staged") + $" the new CA and its leaves in {rotation.StagingPath}; phase {rotation.Phase}.");
            var activity = $"Rotating the CA of '{cluster.Name}'";
            try
            {
                if (rotation.Phase == AuthorityRotationPhase.TrustBoth) TrustRolling(cluster, rotation, activity);
                if (rotation.Phase == AuthorityRotationPhase.Leaves)
                {
                    var leaves = rotation.LeafFiles(cluster);
                    var done = RunOnHosts(activity + ": leaves from the new CA", cluster.Members, async (m, host, report, ct) =>
                    {
                        var layout = await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false);
                        report("Writing certificates from the new CA");
                        await RemoteFiles.EnsureAsync(host, CertificateRenewal.HostFiles(rotation.Next, layout, m, leaves), ct).ConfigureAwait(false);
                        await VerifyServedAsync(cluster, rotation.Next, m, new[] { CertificateRole.Server, CertificateRole.Peer }).ConfigureAwait(false);
                        return m;
                    });
                    if (done.Count < cluster.Members.Count) return;   // the errors are written; a re-run continues here
                    rotation.Advance();
                }
                if (rotation.Phase == AuthorityRotationPhase.TrustNew) TrustRolling(cluster, rotation, activity);
                if (rotation.Phase > AuthorityRotationPhase.TrustNew)
                {
                    var (set, backup) = rotation.Finish(cluster, DateTime.UtcNow);
                    WriteVerbose($"Every member trusts and serves only the new CA. The old CA and leaves are kept in {backup}.");
                    WriteObject(set);
                }
            }
            finally { WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed }); }
        }

        private void TrustRolling(EtcdCluster cluster, AuthorityRotation rotation, string activity)
        {
            var what = rotation.Phase == AuthorityRotationPhase.TrustBoth ? "trusting the old and the new CA" : "trusting only the new CA";
            var members = cluster.Members.Where(m => !rotation.IsDone(m.Name)).ToList();
            var names = members.Select(m => m.Name).ToList();
            var events = new ConcurrentQueue<(int Index, string Status)>();
            var (ca, cert, key) = rotation.HealthCredentials;
            RollingRestart restart;
            try
            {
                var health = EtcdClusterHealth.ForCluster(cluster, ca, cert, key);
                restart = new RollingRestart(cluster, RollingRestart.ClientFor(cluster, ca, cert, key), ConnectAsync,
                    ct => health.WaitAsync(TimeSpan.FromSeconds(TimeoutSeconds), ct), p => events.Enqueue((names.IndexOf(p.Member), p.Phase)), Cancellation)
                {
                    Operation = $"The CA rotation of cluster '{cluster.Name}' ({what})",
                    StoppedErrorId = ErrorIds.CaRotationStopped,
                    ResumeAdvice = "The members before it are done. Fix the cause (wait until the cluster is healthy), then run the same command again: it continues there.",
                    BeforeRestartStep = "writing the trusted CA files",
                    BeforeRestart = async (m, host, layout, ct) => await RemoteFiles.EnsureAsync(host, rotation.TrustFiles(layout), ct).ConfigureAwait(false),
                    // Recorded before the next member: a re-run after a stop restarts only the members not done.
                    AfterRestart = (m, state) => rotation.MarkDone(m.Name),
                };
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex, cluster);
                return;
            }
            try
            {
                var order = Run($"{activity}: finding the leader", names, events, () => restart.OrderAsync(members));
                var restarted = Run($"{activity}: {what}, one restart at a time", names, events, () => restart.RunAsync(order));
                foreach (var state in restarted) WriteVerbose($"{state.Name}: restarted {what}; the cluster is healthy.");
            }
            catch (RollingRestartStopped stopped)
            {
                ThrowFailure(stopped, stopped.Member.Name);
            }
            rotation.Advance();
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
