using System;
using System.Globalization;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdNodeLog")]
    [OutputType(typeof(EtcdLogEntry))]
    public sealed class GetEtcdNodeLogCommand : EtcdHostCmdlet
    {
        /// <summary>Only entries at or after this time.</summary>
        [Parameter]
        public DateTime? Since { get; set; }

        /// <summary>At most this many of the newest entries per member.</summary>
        [Parameter]
        [ValidateRange(1, 100000)]
        public int Lines { get; set; } = 100;

        protected override void EndProcessing()
        {
            // journalctl reads --since in the host's local time; UTC with an explicit zone avoids surprises.
            var since = Since?.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture);
            foreach (var cluster in Clusters)
            {
                var logs = RunOnHosts("Reading etcd journals", SelectMembers(cluster),
                    async (m, host, report, ct) => await NodeService.ReadLogAsync(host, m, await ReadLayoutAsync(cluster, host, ct).ConfigureAwait(false), since, Lines, ct).ConfigureAwait(false));
                foreach (var log in logs) WriteObject(log, true);
            }
        }
    }
}
