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

        [Fact]
        public void UnknownMessagesGiveNothingButTailHelps()
        {
            Assert.Empty(EtcdLogDiagnosis.Diagnose("all is well"));
            Assert.Equal("c\nd", EtcdLogDiagnosis.Tail("a\nb\n\nc\nd\n", 2));
        }
    }
}
