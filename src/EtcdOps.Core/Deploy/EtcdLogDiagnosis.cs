using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;

namespace EtcdOps.Deploy
{
    /// <summary>A known etcd failure found in a member's journal: what etcd said, why, and what to do.</summary>
    internal sealed class EtcdDiagnosis
    {
        public EtcdDiagnosis(string rule, string evidence, string cause, string fix)
        {
            Rule = rule; Evidence = evidence; Cause = cause; Fix = fix;
        }

        public string Rule { get; }
        public string Evidence { get; }
        public string Cause { get; }
        public string Fix { get; }

        public override string ToString() => $"{Cause} etcd said: \"{Evidence}\". Fix: {Fix}";
    }

    /// <summary>Maps etcd's own log messages (journalctl -u etcd) to causes and fixes.</summary>
    internal static class EtcdLogDiagnosis
    {
        private static readonly (string Rule, Regex Pattern, string Cause, string Fix)[] Known =
        {
            ("NameNotInInitialCluster", new Regex(@"couldn't find local name \\?""[^""\\]*\\?"" in the initial cluster configuration"),
                "The member's name is missing from initial-cluster.",
                "Make initial-cluster list every member as name=peer-URL with this member's exact name (New-EtcdConfig does this); check with Test-EtcdConfig."),
            ("LogOutputsNotList", new Regex(@"cannot unmarshal string into Go struct field [^ ]*log-outputs of type \[\]string"),
                "log-outputs is written as a string; etcd wants a YAML list.",
                "Write log-outputs: [stderr] (or a '- /path' list item)."),
            ("ListenUrlNotIp", new Regex(@"expected IP in URL for binding[^""\n]*"),
                "A listen URL uses a DNS name; etcd binds only to IP addresses.",
                "Use the member's IP in listen-client-urls and listen-peer-urls (DNS names may appear only in advertise URLs)."),
            ("AlreadyBootstrapped", new Regex(@"member [0-9a-f]+ has already been bootstrapped"),
                "The cluster already has this member, but its data directory is empty or new and the config says initial-cluster-state: new (typical after a host was rebuilt).",
                "Replace the member: remove it (etcdctl member remove <ID>), add it back (etcdctl member add <name> --peer-urls=<its peer URL>), clear its data directory and start it with initial-cluster-state: existing."),
            ("AddressInUse", new Regex(@"listen tcp [^ ]+: bind: address already in use"),
                "Another process already listens on the member's client or peer port.",
                "Stop the other process (ss -ltnp shows it) or choose other ports with -ClientPort/-PeerPort."),
            ("CertificateNameMismatch", new Regex(@"x509: certificate is (valid for [^""]*|not valid for any names[^""]*)"),
                "A certificate's SANs do not cover the address it is used on.",
                "Issue the server and peer certificates with every member's IP (New-EtcdCertificateSet does), and check with Test-EtcdCertificateSet."),
            ("UnknownAuthority", new Regex(@"x509: certificate signed by unknown authority[^""]*"),
                "Members do not trust each other's certificates: they come from different CAs.",
                "Issue all certificates from one CA and deploy the same ca.pem to every member."),
            ("PermissionDenied", new Regex(@"open [^ ]+: permission denied"),
                "etcd cannot read a file or directory it needs.",
                "Key files and the data directory must belong to the etcd user (Install-EtcdNode sets this); check ownership and modes."),
            ("FileMissing", new Regex(@"open [^ ]+: no such file or directory"),
                "A file named in conf.yml is missing on the host.",
                "Re-run Install-EtcdNode, which uploads every certificate the config names."),
            ("ClusterIdMismatch", new Regex(@"(request cluster ID mismatch|request sent was ignored by remote peer due to cluster ID mismatch)[^""]*"),
                "This member belongs to another cluster (different token or a stale data directory).",
                "Give every member the same initial-cluster-token, and clear data directories left from an earlier cluster."),
        };

        public static IReadOnlyList<EtcdDiagnosis> Diagnose(string journal)
        {
            var found = new List<EtcdDiagnosis>();
            foreach (var k in Known)
            {
                var m = k.Pattern.Match(journal);
                if (m.Success) found.Add(new EtcdDiagnosis(k.Rule, m.Value.Replace("\\\"", "\""), k.Cause, k.Fix));
            }
            return found;
        }

        private static readonly Regex LocalClusterId = new Regex(@"""local-member-cluster-id"":""([0-9a-f]+)""");

        /// <summary>
        /// Diagnoses every member's journal together. Both sides of a cluster ID mismatch log it, so the journal alone
        /// would blame healthy members too: the member in the wrong cluster is the one whose own cluster ID differs from
        /// the one most members report, and the others are told so instead of being told they are wrong.
        /// </summary>
        public static IReadOnlyList<IReadOnlyList<EtcdDiagnosis>> DiagnoseMembers(IReadOnlyList<string> journals)
        {
            var found = journals.Select(j => Diagnose(j).ToList()).ToList();
            var own = journals.Select(j => LocalClusterId.Matches(j).Cast<Match>().Select(m => m.Groups[1].Value).LastOrDefault()).ToList();
            var known = own.Where(id => id != null).ToList();
            var majority = known.GroupBy(id => id).OrderByDescending(g => g.Count()).FirstOrDefault();
            if (majority == null || majority.Count() * 2 <= journals.Count) return found;
            for (var i = 0; i < journals.Count; i++)
            {
                var at = found[i].FindIndex(d => d.Rule == "ClusterIdMismatch");
                if (at < 0 || own[i] == null) continue;
                var evidence = found[i][at].Evidence;
                found[i][at] = own[i] == majority.Key
                    ? new EtcdDiagnosis("ClusterIdMismatchPeer", evidence,
                        $"This member is in cluster {majority.Key}, with most members; it refuses a peer that belongs to another cluster.",
                        "Nothing to fix here: fix the member named as being in another cluster.")
                    : new EtcdDiagnosis("ClusterIdMismatch", evidence,
                        $"This member belongs to another cluster ({own[i]}; most members are in {majority.Key}): its data directory comes from another bootstrap (another token, or data left from an earlier cluster).",
                        "Replace this member: with the others up, Install-EtcdNode moves its data directory aside and joins it again as a learner.");
            }
            return found;
        }

        /// <summary>The last meaningful lines, for when no known message matches.</summary>
        public static string Tail(string journal, int lines = 8) =>
            string.Join("\n", journal.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Reverse().Take(lines).Reverse());
    }
}
