using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Threading;

namespace EtcdOps.Pki
{
    /// <summary>Where a CA rotation stands: etcd builds its CA pool only at start, so the rotation is three steps.</summary>
    public enum AuthorityRotationPhase
    {
        /// <summary>Every member gets the old and the new CA as its trusted CA file, one restart at a time.</summary>
        TrustBoth,
        /// <summary>Every leaf issued from the new CA is uploaded (no restart: etcd reads leaves at every handshake).</summary>
        Leaves,
        /// <summary>Every member gets only the new CA, one restart at a time: certificates of the old CA are refused after it.</summary>
        TrustNew,
    }

    /// <summary>
    /// A CA rotation with the cluster writable throughout: trust old+new → leaves from the new CA → trust only the new.
    /// The new set is made once, in a folder beside the set (&lt;set&gt;.rotation, owner-only), with the phase and the
    /// members done in it, so an interrupted rotation continues where it stopped instead of making yet another CA. At
    /// the end the old files go to &lt;set&gt;.backup-&lt;UTC time&gt; and the new ones into the set's folder.
    /// </summary>
    internal sealed class AuthorityRotation
    {
        private const string StateFile = "rotation.state";
        private const string BundleFile = "ca-bundle.pem";
        private readonly HashSet<string> _done;

        private AuthorityRotation(EtcdCertificateSet current, EtcdCertificateSet next, string staging, AuthorityRotationPhase phase, IEnumerable<string> done, bool resumed)
        {
            Current = current; Next = next; StagingPath = staging; Phase = phase; _done = new HashSet<string>(done); Resumed = resumed;
        }

        /// <summary>The set the cluster runs on today (its folder is the one the user gave).</summary>
        public EtcdCertificateSet Current { get; }

        /// <summary>The set from the new CA, in the staging folder until the rotation is finished.</summary>
        public EtcdCertificateSet Next { get; }

        public string StagingPath { get; }
        public AuthorityRotationPhase Phase { get; private set; }
        public bool Resumed { get; }
        public string BundlePath => Path.Combine(StagingPath, BundleFile);

        public static string StagingFor(EtcdCertificateSet set) => set.Path.TrimEnd('/', '\\') + ".rotation";

        /// <summary>Continues the rotation staged beside <paramref name="set"/>, or stages a new one: a new CA and every leaf from it.</summary>
        public static AuthorityRotation BeginOrResume(EtcdCluster cluster, EtcdCertificateSet set, int caValidityDays, int validityDays, CancellationToken cancellation)
        {
            var staging = StagingFor(set);
            var names = cluster.Members.Select(m => m.Name).ToList();
            var state = Path.Combine(staging, StateFile);
            if (File.Exists(state))
            {
                var lines = File.ReadAllLines(state).Select(l => l.Split(new[] { '=' }, 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
                var phase = (AuthorityRotationPhase)Enum.Parse(typeof(AuthorityRotationPhase), lines["phase"]);
                var done = lines.TryGetValue("done", out var d) ? d.Split(new[] { ',' }, StringSplitOptions.RemoveEmptyEntries) : new string[0];
                return new AuthorityRotation(set, CertificateSetLoader.Load(staging, names, set.ClientName), staging, phase, done, resumed: true);
            }
            if (Directory.Exists(staging)) Directory.Delete(staging, true);   // a staging interrupted before its state was written holds nothing used yet
            var request = CertificateRenewal.RequestLike(set, validityDays);
            request.NewAuthority = true;
            request.CaValidityDays = caValidityDays;
            var next = CertificateSetFactory.Create(cluster, request, cancellation).WriteTo(staging, force: false);
            // Old first: a member restarted with the bundle keeps verifying every peer it has today.
            AtomicFile.WriteAllText(Path.Combine(staging, BundleFile), File.ReadAllText(set.CaCertificatePath).TrimEnd() + "\n" + File.ReadAllText(next.CaCertificatePath).TrimEnd() + "\n");
            var rotation = new AuthorityRotation(set, next, staging, AuthorityRotationPhase.TrustBoth, new string[0], resumed: false);
            rotation.Save();
            return rotation;
        }

        public bool IsDone(string member) => _done.Contains(member);

        public void MarkDone(string member)
        {
            _done.Add(member);
            Save();
        }

        public void Advance()
        {
            Phase = Phase + 1;
            _done.Clear();
            Save();
        }

        /// <summary>What every trusted-ca-file of a host holds in this phase: the bundle, then the new CA alone.</summary>
        public IReadOnlyList<RemoteFile> TrustFiles(EtcdHostLayout layout)
        {
            var content = File.ReadAllBytes(Phase == AuthorityRotationPhase.TrustNew ? Next.CaCertificatePath : BundlePath);
            return layout.TrustedCaFiles.Select(path => new RemoteFile(path, content, "0644", "etcd", "etcd")).ToList();
        }

        /// <summary>
        /// The CA file and client certificate that work against the cluster now: the bundle and the old client while some
        /// member may still trust only the old CA; the new CA and the new client once every leaf is the new CA's.
        /// </summary>
        public (string Ca, string Certificate, string Key) HealthCredentials => Phase == AuthorityRotationPhase.TrustNew
            ? (Next.CaCertificatePath, Next.ClientCertificatePath, Next.ClientKeyPath)
            : (BundlePath, Current.ClientCertificatePath, Current.ClientKeyPath);

        /// <summary>The leaf files the new set holds (server, every peer, the client).</summary>
        public IReadOnlyList<string> LeafFiles(EtcdCluster cluster) =>
            CertificateRenewal.FilesFor(Next, cluster, new[] { CertificateRole.Server, CertificateRole.Peer, CertificateRole.Client });

        /// <summary>The old files to &lt;set&gt;.backup-&lt;UTC&gt;, the new CA and leaves into the set's folder (as one), the staging removed.</summary>
        public (EtcdCertificateSet Set, string Backup) Finish(EtcdCluster cluster, DateTime nowUtc)
        {
            var files = LeafFiles(cluster).Concat(new[] { EtcdCertificateSet.CaKeyFile }).ToList();
            var backup = CertificateRenewal.Backup(Current, files, nowUtc);
            // All or nothing: a failure half way leaves the old set in place, and the staging for a re-run.
            var set = PendingCertificateSet.FromDirectory(StagingPath, files.Append(EtcdCertificateSet.CaFile), cluster.Members.Select(m => m.Name).ToList(), Current.ClientName)
                .WriteTo(Current.Path, force: true);
            Directory.Delete(StagingPath, true);
            return (set, backup);
        }

        private void Save() =>
            AtomicFile.WriteAllText(Path.Combine(StagingPath, StateFile),
                string.Format(CultureInfo.InvariantCulture, "phase={0}\ndone={1}\n", Phase, string.Join(",", _done)));
    }
}
