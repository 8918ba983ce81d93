using System;
using System.IO;
using System.Text;

namespace EtcdOps.Common
{
    /// <summary>Writes files so that a reader never sees a half-written one: temp name in the same directory, then rename.</summary>
    internal static class AtomicFile
    {
        public static readonly Encoding Utf8NoBom = new UTF8Encoding(false);

        public static void WriteAllText(string path, string content, bool privateFile = false)
            => WriteAllBytes(path, Utf8NoBom.GetBytes(content), privateFile);

        public static void WriteAllBytes(string path, byte[] content, bool privateFile = false)
        {
            var full = Path.GetFullPath(path);
            var dir = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(dir);
            var temp = Path.Combine(dir, "." + Path.GetFileName(full) + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
                {
                    // Restrict before any byte of a secret is written.
                    if (privateFile) FileModes.SetOwnerOnly(temp);
                    stream.Write(content, 0, content.Length);
                    stream.Flush(true);
                }
                MoveOver(temp, full);
            }
            catch
            {
                TryDelete(temp);
                throw;
            }
        }

        /// <summary>Renames <paramref name="source"/> onto <paramref name="destination"/>, replacing it without a moment where neither exists.</summary>
        public static void MoveOver(string source, string destination)
        {
            if (File.Exists(destination)) File.Replace(source, destination, null);
            else File.Move(source, destination);
        }

        public static void TryDelete(string path)
        {
            try { if (File.Exists(path)) File.Delete(path); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
