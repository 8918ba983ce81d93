using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Maintenance
{
    /// <summary>One member of the cluster as maintenance sees it: from the member list, with the endpoint to reach it and its status.</summary>
    internal sealed class MaintenanceMember
    {
        public ulong Id { get; set; }

        /// <summary>Hex, as etcdctl prints it.</summary>
        public string ID => EtcdClient.Hex(Id);

        /// <summary>Empty for a member that was added but has not started yet.</summary>
        public string Name { get; set; } = "";

        public bool IsLearner { get; set; }

        public bool IsStarted => Name.Length > 0;

        /// <summary>A given endpoint that answered as this member, else the member's first client URL; null when it has none.</summary>
        public string? Endpoint { get; set; }

        /// <summary>Its status, when asked and answered.</summary>
        public EtcdEndpointStatus? Status { get; set; }

        /// <summary>Why it could not be asked; null when it answered or was not asked.</summary>
        public EtcdOpsException? Failure { get; set; }

        public bool Answered => Status != null && Failure == null;

        /// <summary>The name, or for an unstarted member its ID.</summary>
        public string Label => IsStarted ? Name : $"unstarted member {ID}";

        public override string ToString() => Endpoint == null ? Label : $"{Label} ({Endpoint})";
    }

    /// <summary>
    /// The cluster's members, each with the endpoint to reach it, its status and the leader they agree on. Read from
    /// the member list of the connection's endpoints; a member not among those endpoints is reached on its own client URL.
    /// </summary>
    internal sealed class EtcdMemberMap
    {
        public EtcdMemberMap(IReadOnlyList<MaintenanceMember> members)
        {
            Members = members;
            var leaders = members.Where(m => m.Answered && m.Status!.Leader.Length > 0).Select(m => m.Status!.Leader).Distinct().ToList();
            LeaderDisagreement = leaders.Count > 1;
            Leader = leaders.Count == 1 ? members.FirstOrDefault(m => m.ID == leaders[0]) : null;
        }

        public IReadOnlyList<MaintenanceMember> Members { get; }

        /// <summary>The member all answering members follow; null when none knows a leader or they disagree.</summary>
        public MaintenanceMember? Leader { get; }

        public bool LeaderDisagreement { get; }

        public IEnumerable<MaintenanceMember> Voters => Members.Where(m => !m.IsLearner);

        /// <summary>Voting members that answered, the leader first: where requests a learner would refuse go.</summary>
        public IReadOnlyList<MaintenanceMember> AnsweringVoters =>
            Voters.Where(m => m.Answered).OrderBy(m => m == Leader ? 0 : 1).ToList();

        /// <summary>The member named <paramref name="name"/> (case-sensitive, as etcd names are), or UnknownMember.</summary>
        public MaintenanceMember Find(string name, string parameter)
        {
            var member = Members.FirstOrDefault(m => m.IsStarted && string.Equals(m.Name, name, StringComparison.Ordinal));
            if (member != null) return member;
            var names = string.Join(", ", Members.Where(m => m.IsStarted).Select(m => m.Name).OrderBy(n => n, StringComparer.Ordinal));
            throw new EtcdOpsException(ErrorIds.UnknownMember, FailureKind.ObjectNotFound,
                $"{parameter} '{name}' is not a member of the cluster. Its members: {names}.", name);
        }

        /// <summary>The place of the member with this hex ID in the member list (after all members when it is not there).</summary>
        public int IndexOf(string id)
        {
            for (var i = 0; i < Members.Count; i++) if (Members[i].ID == id) return i;
            return Members.Count;
        }

        /// <summary>The name of the member with this ID; empty when the member list does not know it.</summary>
        public string NameOf(ulong id) => Members.FirstOrDefault(m => m.Id == id)?.Name ?? "";

        /// <summary>
        /// Reads the member list and the status of the connection's endpoints. With <paramref name="everyMember"/>, also
        /// asks every member not reached that way on its first client URL (defragmentation and hashes need every member).
        /// </summary>
        public static async Task<EtcdMemberMap> ReadAsync(EtcdClient client, bool everyMember, CancellationToken cancellation)
        {
            var endpoints = client.Connection.Endpoints;
            var timeout = client.Connection.Timeout;
            var listing = client.GetMembersAsync(endpoints, timeout, cancellation);
            var statuses = endpoints.Select(e => client.GetStatusAsync(e, timeout, cancellation)).ToList();
            var (list, failures) = await listing.ConfigureAwait(false);
            var given = await Task.WhenAll(statuses).ConfigureAwait(false);
            if (failures.Count > 0)
                throw new EtcdOpsException(ErrorIds.EtcdMemberListFailed, FailureKind.ConnectionError,
                    "Could not read the member list from any endpoint:" + string.Concat(failures.Select(f => Environment.NewLine + "  " + f.Message)) +
                    (failures.Any(IsLearnerRefusal) ? Environment.NewLine + "A learner serves no member list: give the endpoint of a voting member too." : ""),
                    endpoints.FirstOrDefault());

            var members = list.Select(m => new MaintenanceMember
            {
                Id = EtcdMaintenance.ParseId(m.ID),
                Name = m.Name,
                IsLearner = m.IsLearner,
                Endpoint = EtcdConnection.NormalizeEndpoints(m.ClientURLs, tls: true).FirstOrDefault(),
            }).ToList();
            foreach (var member in members)
            {
                var answered = given.FirstOrDefault(r => r.Failure == null && r.Row.ID == member.ID);
                if (answered == null) continue;
                member.Endpoint = answered.Row.Endpoint;
                member.Status = answered.Row;
            }
            // A given endpoint that failed is reported on the member whose client URL it is.
            foreach (var failed in given.Where(r => r.Failure != null))
            {
                var member = members.FirstOrDefault(m => m.Status == null && m.Failure == null && string.Equals(m.Endpoint, failed.Row.Endpoint, StringComparison.OrdinalIgnoreCase));
                if (member != null) member.Failure = failed.Failure;
            }
            var map = new EtcdMemberMap(members);
            return everyMember ? await map.CompleteAsync(client, cancellation).ConfigureAwait(false) : map;
        }

        internal static bool IsLearnerRefusal(EtcdOpsException failure) =>
            failure is EtcdRefusedException refused && refused.EtcdMessage.IndexOf("not supported for learner", StringComparison.Ordinal) >= 0;

        /// <summary>Asks every member not asked yet on its client URL; the map with their answers.</summary>
        public async Task<EtcdMemberMap> CompleteAsync(EtcdClient client, CancellationToken cancellation)
        {
            var pending = Members.Where(m => m.Status == null && m.Failure == null && m.Endpoint != null).ToList();
            if (pending.Count == 0) return this;
            var answers = await Task.WhenAll(pending.Select(m => client.GetStatusAsync(m.Endpoint!, client.Connection.Timeout, cancellation))).ConfigureAwait(false);
            for (var i = 0; i < pending.Count; i++)
            {
                if (answers[i].Failure != null) pending[i].Failure = answers[i].Failure;
                else if (answers[i].Row.ID != pending[i].ID)
                    pending[i].Failure = new EtcdOpsException(ErrorIds.EtcdInvalidReply, FailureKind.InvalidData,
                        $"{pending[i].Endpoint}, the client URL of {pending[i].Label}, is answered by member {answers[i].Row.ID}. Give the member's endpoint with -Endpoint.", pending[i].Endpoint);
                else pending[i].Status = answers[i].Row;
            }
            return new EtcdMemberMap(Members);
        }

        /// <summary>The voting members that answered, the leader first; NoVotingMemberAnswered when none did.</summary>
        public IReadOnlyList<MaintenanceMember> RequireVoters()
        {
            var voters = AnsweringVoters;
            if (voters.Count > 0) return voters;
            throw new EtcdOpsException(ErrorIds.NoVotingMemberAnswered, FailureKind.ConnectionError,
                "No voting member answered, and learners serve no maintenance requests:" +
                string.Concat(Voters.Select(v => Environment.NewLine + "  " + v.Label + ": " + (v.Failure?.Message ?? (v.Endpoint == null ? "no client URL" : "not asked")))),
                this);
        }
    }
}
