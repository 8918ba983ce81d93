using System;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace EtcdOps.Tests.Pki
{
    /// <summary>A CA rotation's state on the workstation: staged once, resumed where it stopped, and its end storing the new set as one.</summary>
    public class AuthorityRotationTests
    {
        private static Org.BouncyCastle.X509.X509Certificate Read(string path) =>
            new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(File.ReadAllBytes(path));

        [Fact]
        public void TheEndPutsTheNewSetInTheFolderKeepsTheOldInABackupAndRemovesTheStaging()
        {
            using var temp = new TempDirectory();
            var cluster = PkiTestSupport.TestCluster();
            var set = PkiTestSupport.NewSet(temp.Sub("pki"), cluster);
            var oldCa = File.ReadAllText(set.CaCertificatePath);

            var rotation = AuthorityRotation.BeginOrResume(cluster, set, 3650, 365, CancellationToken.None);
            Assert.Equal(AuthorityRotationPhase.TrustBoth, rotation.Phase);
            rotation.MarkDone("etcd-1");
            // An interrupted run continues with what it staged: the same new CA, the member done, not another CA.
            var resumed = AuthorityRotation.BeginOrResume(cluster, set, 3650, 365, CancellationToken.None);
            Assert.True(resumed.Resumed);
            Assert.True(resumed.IsDone("etcd-1"));
            var newCa = File.ReadAllText(resumed.Next.CaCertificatePath);
            Assert.NotEqual(oldCa, newCa);
            Assert.Equal(oldCa.TrimEnd() + "\n" + newCa.TrimEnd() + "\n", File.ReadAllText(resumed.BundlePath));
            resumed.Advance();
            resumed.Advance();
            Assert.Equal(AuthorityRotationPhase.TrustNew, resumed.Phase);
            Assert.False(resumed.IsDone("etcd-1"));
            resumed.Advance();

            var (rotated, backup) = resumed.Finish(cluster, new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc));
            Assert.Equal(set.Path, rotated.Path);
            Assert.Equal(newCa, File.ReadAllText(rotated.CaCertificatePath));
            Assert.EndsWith("pki.backup-20260102T030405Z", backup);
            Assert.Equal(oldCa, File.ReadAllText(Path.Combine(backup, EtcdCertificateSet.CaFile)));
            Assert.True(File.Exists(Path.Combine(backup, EtcdCertificateSet.CaKeyFile)));
            Assert.False(Directory.Exists(AuthorityRotation.StagingFor(set)));
            // Every leaf in the folder is the new CA's, none the old one's, and the keys are the owner's only.
            var oldAuthority = Read(Path.Combine(backup, EtcdCertificateSet.CaFile));
            foreach (var leaf in new[] { rotated.ServerCertificatePath, rotated.ClientCertificatePath }.Concat(cluster.Members.Select(m => rotated.PeerCertificatePath(m.Name))))
            {
                Assert.True(CertificateSetValidator.IssuedBy(Read(leaf), Read(rotated.CaCertificatePath)), leaf);
                Assert.False(CertificateSetValidator.IssuedBy(Read(leaf), oldAuthority), leaf);
            }
            Assert.Empty(Directory.GetDirectories(set.Path));   // no staging of the write left behind
            if (OperatingSystem.IsWindows()) return;
            foreach (var key in Directory.GetFiles(set.Path, "*-key.pem"))
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
        }
    }
}
