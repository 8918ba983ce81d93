using System;
using System.IO;
using System.IO.Compression;
using System.Threading.Tasks;
using Xunit;

namespace EtcdOps.Tests.Release
{
    public sealed class ReleasePayloadsTests : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("etcdops-payload-").FullName;

        public void Dispose() => Directory.Delete(_dir, true);

        private string Gzip(string name, byte[] content)
        {
            var path = Path.Combine(_dir, name);
            using (var file = File.Create(path))
            using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
                gzip.Write(content, 0, content.Length);
            return path;
        }

        private static byte[] Random(int length)
        {
            var bytes = new byte[length];
            new System.Random(length).NextBytes(bytes);
            return bytes;
        }

        [Theory]
        [InlineData(0)]
        [InlineData(1)]
        [InlineData(3 * 1024 * 1024 + 17)]
        public void UnpacksExactlyTheGzipContent(int length)
        {
            var content = Random(length);
            Assert.Equal(content, ReleasePayloads.Unpack(Gzip("a.tar.gz", content)));
        }

        [Fact]
        public void AStreamWhoseTrailerWasAlteredIsRefused()
        {
            var content = Random(100_000);
            var path = Gzip("a.tar.gz", content);
            // ISIZE says 10 bytes: the trailer sizes the buffer, and the inflater checks it, so no wrong tar reaches a host.
            var bytes = File.ReadAllBytes(path);
            BitConverter.GetBytes(10u).CopyTo(bytes, bytes.Length - 4);
            File.WriteAllBytes(path, bytes);
            Assert.ThrowsAny<InvalidDataException>(() => ReleasePayloads.Unpack(path));
        }

        [Fact]
        public void NotGzipIsRefused()
        {
            var path = Path.Combine(_dir, "a.tar.gz");
            File.WriteAllText(path, "this is not a gzip stream, just text long enough to have a trailer");
            Assert.ThrowsAny<InvalidDataException>(() => ReleasePayloads.Unpack(path));
        }

        [Fact]
        public async Task EachArchiveIsUnpackedOnceForEveryHostThatGetsIt()
        {
            var payloads = new ReleasePayloads();
            var amd64 = Gzip("amd64.tar.gz", Random(1000));
            var arm64 = Gzip("arm64.tar.gz", Random(2000));
            payloads.Prepare(amd64);
            var first = await payloads.GetAsync(amd64);
            Assert.Same(first, await payloads.GetAsync(amd64));
            Assert.Equal(2000, (await payloads.GetAsync(arm64)).Length);
            payloads.Prepare("");   // a plan without a release: nothing to do
        }
    }
}
