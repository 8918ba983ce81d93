using System;
using Xunit;

namespace EtcdOps.Tests
{
    /// <summary>A fact that needs Unix file modes and /bin/sh: reported as skipped elsewhere, never as a silent pass.</summary>
    public sealed class UnixFactAttribute : FactAttribute
    {
        public UnixFactAttribute()
        {
            if (OperatingSystem.IsWindows()) Skip = "needs Unix file modes and /bin/sh";
        }
    }
}
