using System;
using System.Runtime.InteropServices;

namespace EtcdOps
{
    /// <summary>chmod for netstandard2.0 (File.SetUnixFileMode exists only on .NET 7+).</summary>
    public static class UnixFileMode
    {
        [DllImport("libc", EntryPoint = "chmod", SetLastError = true)]
        private static extern int NativeChmod(string path, uint mode);

        public static bool IsUnix => !RuntimeInformation.IsOSPlatform(OSPlatform.Windows);

        /// <summary>Sets the mode on Unix; a no-op on Windows, where ACLs of the user profile apply.</summary>
        public static void Set(string path, int mode)
        {
            if (!IsUnix) return;
            if (NativeChmod(path, (uint)mode) != 0)
                throw new EtcdOpsException(ErrorIds.ChmodFailed, FailureKind.WriteError,
                    $"Could not set mode {Convert.ToString(mode, 8)} on '{path}' (errno {Marshal.GetLastWin32Error()}). Check that the file system supports Unix permissions.", path);
        }

        public static void SetOwnerOnly(string path) => Set(path, Convert.ToInt32("600", 8));
    }
}
