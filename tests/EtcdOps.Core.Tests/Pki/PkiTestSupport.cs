using System;
using System.IO;
using System.Security.Cryptography.X509Certificates;

namespace EtcdOps.Tests.Pki
{
    /// <summary>A temp directory per test, and a three-member cluster on documentation-free private addresses.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "etcdops-pki-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Sub(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try { Directory.Delete(Path, true); } catch (IOException) { }
        }
    }

    internal static class PkiTestSupport
    {
        public static EtcdCluster TestCluster(params string[] addresses)
        {
            if (addresses.Length == 0) addresses = new[] { "10.231.0.11", "10.231.0.12", "10.231.0.13" };
            var cluster = new EtcdCluster { Name = "lab", Token = "t" };
            for (var i = 0; i < addresses.Length; i++) cluster.Members.Add(new EtcdMember($"etcd-{i + 1}", addresses[i]));
            return cluster;
        }

        public static EtcdCertificateSet NewSet(string directory, EtcdCluster? cluster = null, CertificateSetRequest? request = null) =>
            CertificateSetFactory.Create(cluster ?? TestCluster(), request ?? new CertificateSetRequest()).WriteTo(directory, force: false);

        /// <summary>Parsed by .NET's own X509 stack, independent of the BouncyCastle code under test.</summary>
        public static X509Certificate2 Load(string path) => X509Certificate2.CreateFromPem(File.ReadAllText(path));
    }
}
