using System;
using System.IO;
using System.Runtime.InteropServices;

namespace EtcdOps.Common
{
    /// <summary>Unix file modes on the workstation: File.SetUnixFileMode on .NET 8, libc chmod on the desktop build.</summary>
    internal static class FileModes
    {
        public static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Sets the mode on Unix; a no-op on Windows, where ACLs of the user profile apply.</summary>
        public static void Set(string path, int mode)
        {
#if NET
            if (OperatingSystem.IsWindows()) return;
            try
            {
                File.SetUnixFileMode(path, (UnixFileMode)mode);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Failed(path, mode, ex.Message, ex);
            }
#else
            if (!IsUnix) return;
            if (NativeChmod(path, (uint)mode) != 0) throw Failed(path, mode, $"errno {Marshal.GetLastWin32Error()}", null);
#endif
        }

        public static void SetOwnerOnly(string path) => Set(path, Convert.ToInt32("600", 8));

        /// <summary>The Unix mode of a file; null on Windows or where the runtime cannot tell (the desktop build).</summary>
        public static int? Get(string path)
        {
#if NET
            if (OperatingSystem.IsWindows()) return null;
            try { return (int)File.GetUnixFileMode(path); }
            catch (IOException) { return null; }
#else
            return null;
#endif
        }

        private static EtcdOpsException Failed(string path, int mode, string reason, Exception? inner) =>
            new EtcdOpsException(ErrorIds.ChmodFailed, FailureKind.WriteError,
                $"Could not set mode {Convert.ToString(mode, 8)} on '{path}' ({reason}). Check that the file system supports Unix permissions.", path, inner);

#if !NET
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
        private static extern int NativeChmod(string path, uint mode);
#endif
    }
}
