using System.IO;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsLifecycle.Enable, "EtcdSnapshotSchedule", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdSnapshotSchedule))]
    public sealed class EnableEtcdSnapshotScheduleCommand : EtcdHostCmdlet
    {
        /// <summary>When to take snapshots, as a systemd calendar expression (systemd.time(7)). Default: every 12 hours.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string OnCalendar { get; set; } = SnapshotScheduleSettings.DefaultOnCalendar;

        /// <summary>How many of the newest snapshots each host keeps.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int Keep { get; set; } = SnapshotScheduleSettings.DefaultKeep;

        /// <summary>Where the snapshots go on each host.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string Directory { get; set; } = SnapshotScheduleSettings.DefaultDirectory;

        /// <summary>The cluster's certificate set: names the client certificate on the hosts (its ClientName) and is compared with it.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        public EtcdCertificateSet? CertificateSet { get; set; }

        protected override void EndProcessing()
        {
            SnapshotScheduleSettings settings;
            string? clientSha = null;
            try
            {
                settings = new SnapshotScheduleSettings
                {
                    OnCalendar = OnCalendar, Keep = Keep, Directory = Directory,
                    ClientName = CertificateSet?.ClientName ?? EtcdCertificateSet.DefaultClientName,
                }.Validate();
                if (CertificateSet != null && File.Exists(CertificateSet.ClientCertificatePath))
                    clientSha = Sha256Sums.Compute(File.ReadAllBytes(CertificateSet.ClientCertificatePath));
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
                return;
            }
            foreach (var cluster in Clusters)
            {
                var results = PlanAndApplyOnHosts($"Enabling snapshots on cluster '{cluster.Name}'", SelectMembers(cluster),
                    (m, host, report, ct) => SnapshotSchedule.PlanAsync(host, cluster, m, settings, clientSha, ct),
                    plan =>
                    {
                        foreach (var warning in plan.Warnings) WriteWarning(warning);
                        return (plan.Target, plan.Description);
                    },
                    (m, host, plan, report, ct) =>
                    {
                        report(plan.ChangesNothing ? "Unchanged" : "Installing the timer");
                        return SnapshotSchedule.ApplyAsync(host, plan, ct);
                    });
                WriteObject(results, true);
            }
        }
    }
}
