using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Move, "EtcdLeader", SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(EtcdLeaderChange))]
    public sealed class MoveEtcdLeaderCommand : EtcdApiCmdlet
    {
        /// <summary>The member (by name) to lead: a started voting member.</summary>
        [Parameter(Mandatory = true)]
        [ValidateNotNullOrEmpty]
        public string To { get; set; } = "";

        /// <summary>Seconds the leader may take to hand over (status and member list requests get 5 s).</summary>
        [Parameter]
        [ValidateRange(1, 3600)]
        public double Timeout { get; set; } = 30;

        protected override void EndProcessing() => RunMaintenance(EtcdConnection.DefaultTimeout, maintenance =>
        {
            var plan = maintenance.PlanLeaderMove(To);
            if (plan.AlreadyLeader)
            {
                WriteWarning($"{plan.To.Name} is the leader already; nothing to do.");
                return;
            }
            if (!ShouldProcess(plan.To.ToString(), $"Move leadership from {plan.From.Name} to {plan.To.Name}")) return;
            WriteVerbose($"Asking the leader {plan.From} to hand over to {plan.To.Name} ({plan.To.ID}).");
            WriteObject(WithProgress("Moving the etcd leader", $"From {plan.From.Name} to {plan.To.Name}", () => maintenance.MoveLeader(plan, Seconds(Timeout))));
        });
    }
}
