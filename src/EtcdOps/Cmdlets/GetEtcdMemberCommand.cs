using System;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.Get, "EtcdMember")]
    [OutputType(typeof(EtcdClusterMember))]
    public sealed class GetEtcdMemberCommand : EtcdApiCmdlet
    {
        /// <summary>Seconds each endpoint has to answer.</summary>
        [Parameter]
        [ValidateRange(0.1, 3600)]
        public double Timeout { get; set; } = 5;

        protected override void EndProcessing()
        {
            var client = CreateClient(ResolveConnection(Seconds(Timeout)));
            try
            {
                var (members, failures) = client.GetMembers(client.Connection.Endpoints, Cancellation);
                // One answer is enough, as with etcdctl; errors only when no endpoint answered.
                foreach (var failure in failures) WriteFailure(failure);
                if (members.Count > 0) WriteVerbose($"Member list from {members[0].Endpoint}.");
                foreach (var member in members) WriteObject(member);
            }
            catch (OperationCanceledException) when (Cancellation.IsCancellationRequested)
            {
            }
        }
    }
}
