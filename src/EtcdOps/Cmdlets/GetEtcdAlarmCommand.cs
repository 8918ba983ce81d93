using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdAlarm")]
    [OutputType(typeof(EtcdAlarm))]
    public sealed class GetEtcdAlarmCommand : EtcdApiCmdlet
    {
        /// <summary>Seconds each request has to be answered.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        protected override void EndProcessing() => RunMaintenance(Seconds(Timeout), maintenance =>
        {
            var alarms = maintenance.ListAlarms(Seconds(Timeout));
            WriteVerbose(alarms.Count == 0 ? "No alarm is active." : $"{alarms.Count} active alarm(s).");
            foreach (var alarm in alarms) WriteObject(alarm);
        });
    }
}
