using System;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Clear, "EtcdAlarm", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EtcdAlarm))]
    public sealed class ClearEtcdAlarmCommand : EtcdApiCmdlet
    {
        /// <summary>Only alarms of these kinds; all when omitted.</summary>
        [Parameter]
        [ValidateSet("NOSPACE", "CORRUPT", IgnoreCase = true)]
        public string[]? Alarm { get; set; }

        /// <summary>Write each alarm that was cleared.</summary>
        [Parameter]
        public SwitchParameter PassThru { get; set; }

        /// <summary>Seconds each request has to be answered.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        protected override void EndProcessing() => RunMaintenance(Seconds(Timeout), maintenance =>
        {
            var alarms = maintenance.ListAlarms(Seconds(Timeout))
                .Where(a => Alarm == null || Alarm.Contains(a.Alarm, StringComparer.OrdinalIgnoreCase)).ToList();
            if (alarms.Count == 0) WriteVerbose("No matching alarm is active.");
            foreach (var alarm in alarms)
            {
                if (!ShouldProcess($"{alarm.Member} ({alarm.MemberID})", $"Deactivate the {alarm.Alarm} alarm")) continue;
                try
                {
                    maintenance.ClearAlarm(alarm, Seconds(Timeout));
                    WriteVerbose($"Deactivated {alarm}.");
                    if (PassThru) WriteObject(alarm);
                }
                catch (EtcdOpsException ex)
                {
                    WriteFailure(ex, alarm);
                }
            }
        });
    }
}
