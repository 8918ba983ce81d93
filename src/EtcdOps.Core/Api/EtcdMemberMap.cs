using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Api
{
    /// <summary>
    /// One member of the running cluster as its members see it: from the member list (ID, name, learner, peer and client
    /// URLs), with the endpoint to reach it, its status and why it could not be asked.
    /// </summary>
    internal sealed class LiveMember
    {
        public LiveMember() { }

        public LiveMember(ulong id, string name, bool isLearner, IReadOnlyList<string> peerUrls, IReadOnlyList<string> clientUrls)
        {
            Id = id; Name = name; IsLearner = isLearner; PeerUrls = peerUrls; ClientUrls = clientUrls;
            Endpoint = EtcdConnection.NormalizeEndpoints(clientUrls, tls: true).FirstOrDefault();
        }

        /// <summary>A member as a member list reply (list, add) gives it.</summary>
        public static LiveMember From(EtcdMemberEntry entry) => new LiveMember(entry.Id, entry.Name, entry.IsLearner, entry.PeerUrls, entry.ClientUrls);

        public ulong Id { get; set; }

        /// <summary>Hex, as etcdctl prints it.</summary>
        public string ID => EtcdClient.Hex(Id);

        /// <summary>Empty for a member that was added but has not started yet.</summary>
        public string Name { get; set; } = "";

        public bool IsLearner { get; set; }

        public bool IsStarted => Name.Length > 0;

        /// <summary>Where its peers reach it; an added member has them before it starts.</summary>
        public IReadOnlyList<string> PeerUrls { get; set; } = Array.Empty<string>();

        /// <summary>What it advertises to clients; empty until it has started.</summary>
        public IReadOnlyList<string> ClientUrls { get; set; } = Array.Empty<string>();

        /// <summary>A given endpoint that answered as this member, else the member's first client URL; null when it has none.</summary>
        public string? Endpoint { get; set; }

        /// <summary>Its status, when asked and answered.</summary>
        public EtcdEndpointStatus? Status { get; set; }

        /// <summary>Why it could not be asked; null when it answered or was not asked.</summary>
        public EtcdOpsException? Failure { get; set; }

        public bool Answered => Status != null && Failure == null;

        /// <summary>The name, or for an unstarted member its ID.</summary>
        public string Label => IsStarted ? Name : $"unstarted member {ID}";

        /// <summary>True when <paramref name="peerUrl"/> is one of its peer URLs (a trailing slash and the case aside, as etcd compares them).</summary>
        public bool HasPeerUrl(string peerUrl) => PeerUrls.Any(u => SameUrl(u, peerUrl));

        internal static bool SameUrl(string a, string b) => string.Equals(a.TrimEnd('/'), b.TrimEnd('/'), StringComparison.OrdinalIgnoreCase);

        public override string ToString() => Endpoint == null ? Label : $"{Label} ({Endpoint})";
    }

    /// <summary>
    /// The running cluster's members, each with the endpoint to reach it, its status and the leader they agree on. Every
    /// part of EtcdOps that looks at a running cluster (deploy, membership changes, maintenance, upgrades) decides from this.
    /// </summary>
    internal sealed class EtcdMemberMap
    {
        public EtcdMemberMap(IReadOnlyList<LiveMember> members)
        {
            Members = members;
            var (leader, disagreement) = AgreedLeader(members.Where(m => m.Answered).Select(m => m.Status!));
            LeaderDisagreement = disagreement;
            Leader = leader.Length > 0 ? members.FirstOrDefault(m => m.ID == leader) : null;
        }

        /// <summary>
        /// The leader (hex ID) the answering statuses agree on: empty when none knows a leader, or when they name more
        /// than one (<c>Disagreement</c>: an election is under way, or a member is cut off).
        /// </summary>
        internal static (string Leader, bool Disagreement) AgreedLeader(IEnumerable<EtcdEndpointStatus> answered)
        {
            var leaders = answered.Where(s => s.Leader.Length > 0).Select(s => s.Leader).Distinct().ToList();
            return (leaders.Count == 1 ? leaders[0] : "", leaders.Count > 1);
        }

        /// <summary>
        /// The map of <paramref name="members"/> with the answers of the endpoints that were asked: a status goes to the
        /// member that gave it (by ID, whatever URL it was asked on); a failure to the member whose client URL was asked.
        /// </summary>
        public static EtcdMemberMap Of(IReadOnlyList<LiveMember> members, IReadOnlyList<EndpointResult<EtcdEndpointStatus>> asked)
        {
            foreach (var member in members)
            {
                var answered = asked.FirstOrDefault(r => r.Failure == null && r.Row.ID == member.ID);
                if (answered == null) continue;
                member.Endpoint = answered.Row.Endpoint;
                member.Status = answered.Row;
            }
            foreach (var failed in asked.Where(r => r.Failure != null))
            {
                var member = members.FirstOrDefault(m => m.Status == null && m.Failure == null && string.Equals(m.Endpoint, failed.Row.Endpoint, StringComparison.OrdinalIgnoreCase));
                if (member != null) member.Failure = failed.Failure;
            }
            return new EtcdMemberMap(members);
        }

        public IReadOnlyList<LiveMember> Members { get; }

        /// <summary>The member all answering members follow; null when none knows a leader or they disagree.</summary>
        public LiveMember? Leader { get; }

        public bool LeaderDisagreement { get; }

        public IEnumerable<LiveMember> Voters => Members.Where(m => !m.IsLearner);

        /// <summary>Voting members that answered, the leader first: where requests a learner would refuse go.</summary>
        public IReadOnlyList<LiveMember> AnsweringVoters =>
            Voters.Where(m => m.Answered).OrderBy(m => m == Leader ? 0 : 1).ToList();

        /// <summary>The learner, when there is one (etcd allows one at a time).</summary>
        public LiveMember? Learner => Members.FirstOrDefault(m => m.IsLearner);

        /// <summary>The member with this peer URL; null when none has it.</summary>
        public LiveMember? FindByPeerUrl(string peerUrl) => Members.FirstOrDefault(m => m.HasPeerUrl(peerUrl));

        /// <summary>The member named <paramref name="name"/> (case-sensitive, as etcd names are), or UnknownMember.</summary>
        public LiveMember Find(string name, string parameter)
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
        /// initial-cluster for a member joining this cluster: every member (the joiner included, once added) as
        /// name=peer-URL. etcd checks only the peer URLs against the running cluster; a member that has not started
        /// yet has no name, so it gets its inventory name, else one made of its ID.
        /// </summary>
        public string InitialClusterFor(Func<string, string?> nameOfPeerUrl) =>
            string.Join(",", Members.SelectMany(m => m.PeerUrls.Select(u =>
                (m.IsStarted ? m.Name : nameOfPeerUrl(u) ?? "unstarted-" + m.ID) + "=" + u)));

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

            var members = list.Select(m => new LiveMember(EtcdClient.ParseId(m.ID), m.Name, m.IsLearner, m.PeerURLs, m.ClientURLs)).ToList();
            var map = Of(members, given);
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
        public IReadOnlyList<LiveMember> RequireVoters()
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
