using System;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdEndpointStatus")]
    [OutputType(typeof(EtcdEndpointStatus))]
    public sealed class GetEtcdEndpointStatusCommand : EtcdApiCmdlet
    {
        /// <summary>etcdctl --cluster: read the member list, then ask every member's client URLs.</summary>
        [Parameter]
        public SwitchParameter AllMembers { get; set; }

        /// <summary>Seconds each endpoint has to answer.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        protected override void EndProcessing()
        {
            var client = CreateClient(ResolveConnection(Seconds(Timeout)));
            try
            {
                foreach (var result in client.GetStatus(TargetEndpoints(client, AllMembers), Cancellation))
                {
                    WriteObject(result.Row);
                    if (result.Failure != null) WriteFailure(result.Failure, result.Row.Endpoint);
                }
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
                // Ctrl+C: PowerShell stops the pipeline.
            }
        }
    }
}
