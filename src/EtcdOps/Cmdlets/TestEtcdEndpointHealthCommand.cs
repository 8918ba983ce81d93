using System;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsDiagnostic.Test, "EtcdEndpointHealth")]
    [OutputType(typeof(EtcdEndpointHealth), typeof(bool))]
    public sealed class TestEtcdEndpointHealthCommand : EtcdApiCmdlet
    {
        /// <summary>etcdctl --cluster: read the member list, then check every member's client URLs.</summary>
        [Parameter]
        public SwitchParameter AllMembers { get; set; }

        /// <summary>Seconds each endpoint has to answer.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        /// <summary>Return only $true when every endpoint is healthy, $false otherwise, and write no errors.</summary>
        [Parameter]
        public SwitchParameter Quiet { get; set; }

        protected override void EndProcessing()
        {
            var client = CreateClient(ResolveConnection(Seconds(Timeout)));
            try
            {
                var results = client.GetHealth(TargetEndpoints(client, AllMembers), Cancellation);
                if (Quiet)
                {
                    WriteObject(results.All(r => r.Row.Health));
                    return;
                }
                foreach (var result in results)
                {
                    WriteObject(result.Row);
                    if (result.Failure != null) WriteFailure(result.Failure, result.Row.Endpoint);
                }
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
            }
        }
    }
}
