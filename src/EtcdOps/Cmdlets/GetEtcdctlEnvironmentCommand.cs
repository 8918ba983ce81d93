using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdctlEnvironment")]
    [OutputType(typeof(string))]
    public sealed class GetEtcdctlEnvironmentCommand : EtcdApiCmdlet
    {
        [Parameter]
        public EtcdShell Shell { get; set; } = EtcdShell.Bash;

        [Parameter]
        public EtcdEnvironmentFormat Format { get; set; } = EtcdEnvironmentFormat.Etcdctl;

        protected override void EndProcessing()
        {
            // Nothing is contacted: the lines only describe how etcdctl (or k3s) would connect.
            var connection = ResolveConnection(EtcdConnection.DefaultTimeout);
            foreach (var line in EtcdctlEnvironment.Render(connection, Shell, Format)) WriteObject(line);
        }
    }
}
