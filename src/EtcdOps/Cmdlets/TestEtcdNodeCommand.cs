using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    /// <summary>
    /// Audits each deployed member's host over SSH (one round trip per host): the CIS etcd checks 2.1-2.7 read from
    /// the conf.yml the unit runs, and the host checks for etcd's files. One finding per check per member.
    /// </summary>
    [Cmdlet(VerbsDiagnostic.Test, "EtcdNode")]
    [OutputType(typeof(EtcdFinding), typeof(bool))]
    public sealed class TestEtcdNodeCommand : EtcdHostCmdlet
    {
        /// <summary>Return only $true when every check of every member passes (warnings allowed), $false otherwise, and write no errors.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            var passed = true;
            foreach (var cluster in Clusters)
            {
                var members = SelectMembers(cluster);
                var audited = RunOnHosts("Auditing etcd members", members, async (m, host, report, ct) =>
                {
                    report("Reading etcd's unit, conf.yml and files");
                    return new { Member = m, Findings = await NodeAudit.AuditAsync(host, m, ct).ConfigureAwait(false) };
                }, quiet: Quiet);
                if (audited.Count < members.Count) passed = false;
                foreach (var a in audited)
                {
                    if (a.Findings.Any(f => f.Is(FindingSeverity.Error))) passed = false;
                    if (Quiet)
                        foreach (var f in a.Findings.Where(f => !f.Is(FindingSeverity.Pass))) WriteVerbose(f.ToString());
                    else
                        WriteObject(a.Findings, true);
                }
            }
            if (Quiet) WriteObject(passed);
        }
    }
}
