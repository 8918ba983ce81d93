using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.New, "EtcdCluster")]
    [OutputType(typeof(EtcdCluster))]
    public sealed class NewEtcdClusterCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, Position = 0)]
        public string Name { get; set; } = "";

        /// <summary>Hashtables (Name, Address, SshHost, SshPort, SshUser), EtcdMember objects, or objects with those properties.</summary>
        [Parameter(Mandatory = true, Position = 1)]
        [AllowEmptyCollection]
        public object[] Member { get; set; } = new object[0];

        [Parameter]
        public string Version { get; set; } = EtcdCluster.DefaultVersion;

        [Parameter]
        public string? Token { get; set; }

        [Parameter]
        public int ClientPort { get; set; } = EtcdCluster.DefaultClientPort;

        [Parameter]
        public int PeerPort { get; set; } = EtcdCluster.DefaultPeerPort;

        [Parameter]
        public string DataDir { get; set; } = EtcdCluster.DefaultDataDir;

        protected override void EndProcessing()
        {
            try
            {
                var cluster = new EtcdCluster
                {
                    Name = Name,
                    Version = Version.TrimStart('v'),
                    Token = string.IsNullOrEmpty(Token) ? EtcdCluster.NewToken(Name) : Token!,
                    ClientPort = ClientPort,
                    PeerPort = PeerPort,
                    DataDir = DataDir,
                    Members = Member.Select(ToMember).ToList(),
                };
                foreach (var warning in ClusterValidator.Validate(cluster)) WriteWarning(warning);
                WriteObject(cluster);
            }
            catch (EtcdOpsException ex)
            {
                ThrowFailure(ex);
            }
        }

        internal static EtcdMember ToMember(object item, int index)
        {
            var value = item is PSObject pso ? pso.BaseObject : item;
            switch (value)
            {
                case EtcdMember member:
                    return member.Clone();
                case IDictionary dictionary:
                    return MemberBuilder.FromDictionary(dictionary, index);
                case string text:
                    throw new EtcdOpsException(ErrorIds.InvalidMember, FailureKind.InvalidArgument,
                        $"Member[{index}]: '{text}' is a plain string. Give a hashtable such as @{{ Name = 'etcd-1'; Address = '10.0.0.11' }}.", item);
                default:
                    // Objects from Import-Csv or ConvertFrom-Json: take their properties as keys.
                    var bag = new Hashtable();
                    foreach (var property in PSObject.AsPSObject(item).Properties)
                        bag[property.Name] = property.Value;
                    return MemberBuilder.FromDictionary(bag, index);
            }
        }
    }
}
