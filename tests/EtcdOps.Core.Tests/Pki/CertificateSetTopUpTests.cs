using System;
using System.IO;
using Xunit;
using static EtcdOps.Tests.Pki.PkiTestSupport;

namespace EtcdOps.Tests.Pki
{
    public class CertificateSetTopUpTests
    {
        private static CertificateSetRequest FromFolder(string directory, params string[] dnsNames)
        {
            var request = new CertificateSetRequest();
            foreach (var name in dnsNames) request.DnsNames.Add(name);
            Assert.True(CertificateSetFactory.UseAuthorityInPlace(request, directory));
            return request;
        }

        [Fact]
        public void ACompleteSetLacksNothing()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            Assert.Empty(CertificateSetTopUp.LeavesToIssue(TestCluster(), FromFolder(dir.Path), dir.Path));
        }

        [Fact]
        public void AGrownClusterNeedsItsNewPeerAndTheServerCertificate()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            var grown = TestCluster("10.231.0.11", "10.231.0.12", "10.231.0.13", "10.231.0.14");
            Assert.Equal(new[] { "server", "etcd-4" }, CertificateSetTopUp.LeavesToIssue(grown, FromFolder(dir.Path), dir.Path));
        }

        [Fact]
        public void AnExtraNameAskedForNeedsOnlyTheServerCertificate()
        {
            using var dir = new TempDirectory();
            NewSet(dir.Path);
            Assert.Equal(new[] { "server" }, CertificateSetTopUp.LeavesToIssue(TestCluster(), FromFolder(dir.Path, "etcd.lab.example"), dir.Path));
        }

        [Fact]
        public void AMissingKeyAnExpiredLeafAndALeafOfAnotherCaAreIssuedAgain()
        {
            using var dir = new TempDirectory();
            using var other = new TempDirectory();
            NewSet(dir.Path);
            NewSet(other.Path);
            File.Delete(Path.Combine(dir.Path, "etcd-1-key.pem"));
            File.Copy(Path.Combine(other.Path, "etcd-2.pem"), Path.Combine(dir.Path, "etcd-2.pem"), true);
            File.Copy(Path.Combine(other.Path, "etcd-2-key.pem"), Path.Combine(dir.Path, "etcd-2-key.pem"), true);
            Assert.Equal(new[] { "etcd-1", "etcd-2" }, CertificateSetTopUp.LeavesToIssue(TestCluster(), FromFolder(dir.Path), dir.Path));
            Assert.Equal(new[] { "server", "etcd-1", "etcd-2", "etcd-3", "client" },
                CertificateSetTopUp.LeavesToIssue(TestCluster(), FromFolder(dir.Path), dir.Path, DateTime.UtcNow.AddDays(400)));
        }
    }
}
