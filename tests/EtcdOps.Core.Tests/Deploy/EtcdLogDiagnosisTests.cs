using System.Linq;
using Xunit;

namespace EtcdOps.Tests.Deploy
{
    public class EtcdLogDiagnosisTests
    {
        [Theory]
        [InlineData(@"{""level"":""fatal"",""msg"":""discovery failed"",""error"":""couldn't find local name \""etcd-4\"" in the initial cluster configuration""}", "NameNotInInitialCluster")]
        [InlineData("error unmarshaling JSON: while decoding JSON: json: cannot unmarshal string into Go struct field configYAML.log-outputs of type []string", "LogOutputsNotList")]
        [InlineData(@"{""level"":""fatal"",""msg"":""failed"",""error"":""expected IP in URL for binding (https://etcd-1:2380)""}", "ListenUrlNotIp")]
        [InlineData(@"""error"":""member 8e9e05c52164694d has already been bootstrapped""", "AlreadyBootstrapped")]
        [InlineData(@"""error"":""listen tcp 10.0.0.1:2379: bind: address already in use""", "AddressInUse")]
        [InlineData(@"remote error: x509: certificate is valid for 10.0.0.1, not 10.0.0.2", "CertificateNameMismatch")]
        public void KnownMessagesAreMapped(string journal, string rule)
        {
            var d = EtcdLogDiagnosis.Diagnose(journal);
            Assert.Contains(d, x => x.Rule == rule);
            Assert.All(d, x => Assert.False(string.IsNullOrEmpty(x.Fix)));
        }

        // The two messages etcd 3.5 logs (rafthttp): the receiver's, and the sender's when a peer refused it.
        private static string Receiver(string local, string remote) =>
            $@"{{""level"":""warn"",""caller"":""rafthttp/http.go:500"",""msg"":""request cluster ID mismatch"",""local-member-id"":""a1"",""local-member-cluster-id"":""{local}"",""remote-peer-cluster-id"":""{remote}""}}";
        private static string Sender(string local, string remote) =>
            $@"{{""level"":""warn"",""caller"":""rafthttp/stream.go:653"",""msg"":""request sent was ignored by remote peer due to cluster ID mismatch"",""remote-peer-id"":""b2"",""remote-peer-cluster-id"":""{remote}"",""local-member-id"":""a1"",""local-member-cluster-id"":""{local}"",""error"":""cluster ID mismatch""}}";

        [Fact]
        public void AClusterIdMismatchBlamesTheMemberOutsideTheMajorityAndClearsTheOthers()
        {
            var journals = new[] { Receiver("c0ffee", "bad1"), Receiver("c0ffee", "bad1") + "\n" + Sender("c0ffee", "bad1"), Sender("bad1", "c0ffee") };
            var d = EtcdLogDiagnosis.DiagnoseMembers(journals);
            Assert.Equal("ClusterIdMismatchPeer", Assert.Single(d[0]).Rule);
            Assert.Equal("ClusterIdMismatchPeer", Assert.Single(d[1]).Rule);
            var wrong = Assert.Single(d[2]);
            Assert.Equal("ClusterIdMismatch", wrong.Rule);
            Assert.Contains("bad1", wrong.Cause);
            Assert.Contains("c0ffee", wrong.Cause);
            Assert.Contains("Replace this member", wrong.Fix);
        }

        [Fact]
        public void AClusterIdMismatchWithoutAMajorityKeepsTheGeneralAdvice()
        {
            var d = EtcdLogDiagnosis.DiagnoseMembers(new[] { Receiver("aa", "bb"), Receiver("bb", "aa") });
            Assert.All(d, x => Assert.Equal("ClusterIdMismatch", Assert.Single(x).Rule));
            Assert.All(d, x => Assert.Contains("another cluster (different token", x[0].Cause));
        }

        [Fact]
        public void UnknownMessagesGiveNothingButTailHelps()
        {
            Assert.Empty(EtcdLogDiagnosis.Diagnose("all is well"));
            Assert.Equal("c\nd", EtcdLogDiagnosis.Tail("a\nb\n\nc\nd\n", 2));
        }
    }
}
