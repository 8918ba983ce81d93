using System;
using System.IO;
using System.Linq;
using Xunit;
using static EtcdOps.Tests.Pki.PkiTestSupport;

namespace EtcdOps.Tests.Pki
{
    public class CertificateSetWriterTests
    {
        [Fact]
        public void WritesTheCfsslLayoutWithPrivateKeys0600()
        {
            using var dir = new TempDirectory();
            var target = dir.Sub("pki");
            NewSet(target);
            var names = Directory.GetFileSystemEntries(target).Select(Path.GetFileName).OrderBy(n => n, StringComparer.Ordinal).ToArray();
            Assert.Equal(new[] { "ca-key.pem", "ca.pem", "client-key.pem", "client.pem", "etcd-1-key.pem", "etcd-1.pem", "etcd-2-key.pem", "etcd-2.pem",
                "etcd-3-key.pem", "etcd-3.pem", "server-key.pem", "server.pem" }, names);
            if (OperatingSystem.IsWindows()) return;
            foreach (var key in names.Where(n => n!.EndsWith("-key.pem")))
                Assert.Equal(System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(target, key!)));
            Assert.Equal(System.IO.UnixFileMode.UserRead | System.IO.UnixFileMode.UserWrite | System.IO.UnixFileMode.UserExecute, File.GetUnixFileMode(target));
        }

        [Fact]
        public void NeverOverwritesWithoutForce()
        {
            using var dir = new TempDirectory();
            var first = NewSet(dir.Path);
            var before = Snapshot(dir.Path);
            var pending = CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest());
            var ex = Assert.Throws<EtcdOpsException>(() => pending.WriteTo(dir.Path, force: false));
            Assert.Equal("CertificateFilesExist", ex.ErrorId);
            Assert.Equal(FailureKind.ResourceExists, ex.Kind);
            Assert.Contains("server.pem", ex.Message);
            Assert.Equal(before, Snapshot(dir.Path));

            pending.WriteTo(dir.Path, force: true);
            Assert.NotEqual(before[EtcdCertificateSet.CaFile], File.ReadAllText(first.CaCertificatePath));
        }

        [Fact]
        public void AFailureHalfWayLeavesNoPartialSet()
        {
            using var dir = new TempDirectory();
            // A directory where etcd-2.pem should go: the move of that file fails after others were moved.
            Directory.CreateDirectory(dir.Sub("etcd-2.pem"));
            var pending = CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest());
            var ex = Assert.Throws<EtcdOpsException>(() => pending.WriteTo(dir.Path, force: false));
            Assert.Equal("CertificateSetWriteFailed", ex.ErrorId);
            Assert.Equal(new[] { "etcd-2.pem" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).ToArray());
        }

        [Fact]
        public void AFailureHalfWayWithForceRestoresTheOldSet()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            File.Delete(dir.Sub("etcd-3.pem"));
            Directory.CreateDirectory(dir.Sub("etcd-3.pem"));
            var before = Snapshot(dir.Path);
            var pending = CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest());
            Assert.Throws<EtcdOpsException>(() => pending.WriteTo(dir.Path, force: true));
            Assert.Equal(before, Snapshot(dir.Path));
            Assert.Empty(Directory.GetDirectories(dir.Path, ".etcdops-pki-*"));
        }

        [Fact]
        public void AFailedCreateInANewDirectoryRemovesIt()
        {
            using var dir = new TempDirectory();
            var target = dir.Sub("new");
            var pending = CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest());
            // A file in the way of the directory itself.
            File.WriteAllText(target, "x");
            Assert.Equal("CertificateSetWriteFailed", Assert.Throws<EtcdOpsException>(() => pending.WriteTo(Path.Combine(target, "pki"), force: false)).ErrorId);
            Assert.Equal(new[] { "new" }, Directory.GetFileSystemEntries(dir.Path).Select(Path.GetFileName).ToArray());
        }

        [Fact]
        public void ReusesACaInPlaceWithoutRewritingIt()
        {
            using var dir = new TempDirectory();
            var first = NewSet(dir.Path);
            var caBefore = File.ReadAllBytes(first.CaCertificatePath);
            var caKeyBefore = File.ReadAllBytes(first.CaKeyPath!);
            var caTime = File.GetLastWriteTimeUtc(first.CaCertificatePath);

            var grown = TestCluster("10.231.0.11", "10.231.0.12", "10.231.0.13", "10.231.0.14");
            var request = new CertificateSetRequest { CaCertificatePath = first.CaCertificatePath, CaKeyPath = first.CaKeyPath };
            Assert.DoesNotContain("ca.pem", CertificateSetFactory.PlanFiles(grown, request, dir.Path));
            var pending = CertificateSetFactory.Create(grown, request);
            Assert.Equal("CertificateFilesExist", Assert.Throws<EtcdOpsException>(() => pending.WriteTo(dir.Path, false)).ErrorId);
            var second = pending.WriteTo(dir.Path, force: true);

            Assert.Equal(caBefore, File.ReadAllBytes(second.CaCertificatePath));
            Assert.Equal(caKeyBefore, File.ReadAllBytes(second.CaKeyPath!));
            Assert.Equal(caTime, File.GetLastWriteTimeUtc(second.CaCertificatePath));
            Assert.True(second.HasPeer("etcd-4"));
            Assert.Empty(CertificateSetValidator.Test(second, grown));
        }

        [Fact]
        public void ReusesACaFromElsewhereCopyingOnlyTheCertificate()
        {
            using var dir = new TempDirectory();
            var ca = NewSet(dir.Sub("ca"));
            var request = new CertificateSetRequest { CaCertificatePath = ca.CaCertificatePath, CaKeyPath = ca.CaKeyPath };
            var set = CertificateSetFactory.Create(TestCluster(), request).WriteTo(dir.Sub("pki"), false);
            Assert.Equal(File.ReadAllText(ca.CaCertificatePath), File.ReadAllText(set.CaCertificatePath));
            Assert.Null(set.CaKeyPath);
            Assert.False(File.Exists(dir.Sub("pki/ca-key.pem")));
            Assert.Empty(CertificateSetValidator.Test(set, TestCluster()));
        }

        [Fact]
        public void RefusesAWrongCaKeyOrALeafAsCa()
        {
            using var dir = new TempDirectory();
            var a = NewSet(dir.Sub("a"));
            var b = NewSet(dir.Sub("b"));
            var wrongKey = new CertificateSetRequest { CaCertificatePath = a.CaCertificatePath, CaKeyPath = b.CaKeyPath };
            Assert.Equal("CaKeyMismatch", Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(TestCluster(), wrongKey)).ErrorId);
            var leaf = new CertificateSetRequest { CaCertificatePath = a.ServerCertificatePath, CaKeyPath = a.ServerKeyPath };
            Assert.Equal("NotACaCertificate", Assert.Throws<EtcdOpsException>(() => CertificateSetFactory.Create(TestCluster(), leaf)).ErrorId);
        }

        [Fact]
        public void LeavesNeverOutliveAReusedCa()
        {
            using var dir = new TempDirectory();
            var ca = NewSet(dir.Sub("ca"), request: new CertificateSetRequest { CaValidityDays = 10, ValidityDays = 5 });
            var pending = CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest { CaCertificatePath = ca.CaCertificatePath, CaKeyPath = ca.CaKeyPath, ValidityDays = 365 });
            Assert.Contains(pending.Warnings, w => w.Contains("CA expires"));
            var set = pending.WriteTo(dir.Sub("pki"), false);
            Assert.Equal(set.GetCertificate(CertificateRole.CA)!.NotAfter, set.GetCertificate(CertificateRole.Server)!.NotAfter);
        }

        [Fact]
        public void ReadsRsaAndSec1CaKeysMadeByOtherTools()
        {
            using var dir = new TempDirectory();
            // cfssl and openssl write PKCS#1 ("RSA PRIVATE KEY") and SEC1 ("EC PRIVATE KEY"); a reused CA key may be either.
            var ca = NewSet(dir.Sub("ca"), request: new CertificateSetRequest { KeyAlgorithm = CertificateKeyAlgorithm.EcdsaP256 });
            using (var ec = System.Security.Cryptography.ECDsa.Create())
            {
                ec.ImportFromPem(File.ReadAllText(ca.CaKeyPath!));
                File.WriteAllText(ca.CaKeyPath!, ec.ExportECPrivateKeyPem());
            }
            Assert.StartsWith("-----BEGIN EC PRIVATE KEY-----", File.ReadAllText(ca.CaKeyPath!));
            var set = CertificateSetFactory.Create(TestCluster(), new CertificateSetRequest { CaCertificatePath = ca.CaCertificatePath, CaKeyPath = ca.CaKeyPath })
                .WriteTo(dir.Sub("pki"), false);
            Assert.Empty(CertificateSetValidator.Test(set, TestCluster()));
        }

        private static System.Collections.Generic.Dictionary<string, string> Snapshot(string directory) =>
            Directory.GetFiles(directory).ToDictionary(f => Path.GetFileName(f)!, File.ReadAllText);
    }
}
