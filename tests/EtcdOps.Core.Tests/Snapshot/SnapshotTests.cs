using System;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using Xunit;

namespace EtcdOps.Tests.Snapshot
{
    public class SnapshotTests
    {
        private static byte[] SnapshotBytes(int pages, int seed = 1)
        {
            var data = new byte[512 * pages];
            new Random(seed).NextBytes(data);
            return data.Concat(SHA256.HashData(data)).ToArray();
        }

        [Theory]
        [InlineData(1)]
        [InlineData(7)]
        [InlineData(31)]
        [InlineData(32)]
        [InlineData(33)]
        [InlineData(4096)]
        [InlineData(100000)]
        public void TheTrailerCheckAgreesWithSha256WhateverTheChunkSize(int chunk)
        {
            var bytes = SnapshotBytes(20);
            using var check = new TrailerCheck();
            for (var i = 0; i < bytes.Length; i += chunk) check.Append(bytes, i, Math.Min(chunk, bytes.Length - i));
            Assert.Null(check.Problem());
            Assert.Equal(Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant(), check.FileSha256());
            Assert.Equal(bytes.Length, check.Length);
        }

        [Fact]
        public void AChangedByteOrAWrongSizeIsFound()
        {
            var bytes = SnapshotBytes(4);
            bytes[100] ^= 1;
            using (var check = new TrailerCheck())
            {
                check.Append(bytes, 0, bytes.Length);
                Assert.Contains("trailer does not match", check.Problem());
            }
            using (var check = new TrailerCheck())
            {
                check.Append(bytes, 0, bytes.Length - 1);
                Assert.Contains("cut short", check.Problem());
            }
        }

        [Fact]
        public void InspectReadsTheFileAndItsMetadata()
        {
            var path = Path.Combine(Path.GetTempPath(), "etcdops-snap-" + Guid.NewGuid().ToString("N") + ".db");
            try
            {
                File.WriteAllBytes(path, SnapshotBytes(3));
                var first = SnapshotFile.Inspect(path);
                Assert.True(first.IsValid, first.Problem);
                first.Revision = 77;
                first.EtcdVersion = "3.5.16";
                SnapshotFile.WriteMetadata(first);
                var again = SnapshotFile.Inspect(path);
                Assert.True(again.IsValid, again.Problem);
                Assert.Equal(77, again.Revision);
                Assert.Equal("3.5.16", again.EtcdVersion);
                File.AppendAllText(path, "x");
                Assert.False(SnapshotFile.Inspect(path).IsValid);
            }
            finally
            {
                File.Delete(path);
                File.Delete(path + ".json");
            }
        }

        private static EtcdEndpointStatus S(string endpoint, bool leader = false, bool learner = false, string? error = null) =>
            new EtcdEndpointStatus { Endpoint = endpoint, ID = endpoint, Leader = "1", IsLeader = leader, IsLearner = learner, Error = error };

        private static EtcdEndpointHealth H(string endpoint, bool ok = true) => new EtcdEndpointHealth { Endpoint = endpoint, Health = ok, Error = ok ? null : "no leader" };

        [Fact]
        public void TheSourceIsAHealthyFollowerAndNeverALearner()
        {
            var status = new[] { S("a", leader: true), S("b", learner: true), S("c") };
            Assert.Equal("c", SnapshotSaver.ChooseSource(status, new[] { H("a"), H("b"), H("c") }).Endpoint);
            // Only the leader qualifies: then the leader it is.
            Assert.Equal("a", SnapshotSaver.ChooseSource(status, new[] { H("a"), H("b"), H("c", ok: false) }).Endpoint);
        }

        [Fact]
        public void NoQualifyingMemberIsRefusedWithEachReason()
        {
            var ex = Assert.Throws<EtcdOpsException>(() => SnapshotSaver.ChooseSource(
                new[] { S("a", error: "a: connection refused"), S("b", learner: true) }, new[] { H("a", ok: false), H("b") }));
            Assert.Equal(ErrorIds.NoSnapshotSource, ex.ErrorId);
            Assert.Contains("a: connection refused", ex.Message);
            Assert.Contains("is a learner", ex.Message);
        }

        [Fact]
        public void FileNamesFollowTheClusterTimeAndRevision()
        {
            Assert.Equal("staging-20261202T101500Z-r4711.db",
                SnapshotSaver.FileNameFor("staging", new DateTime(2026, 12, 2, 10, 15, 0, DateTimeKind.Utc), 4711));
        }
    }
}
