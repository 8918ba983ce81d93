using System;
using System.Globalization;
using System.Text.RegularExpressions;

namespace EtcdOps.Cluster
{
    /// <summary>An etcd release version (major.minor.patch), as the release archives name it.</summary>
    internal sealed class EtcdVersion : IComparable<EtcdVersion>
    {
        private static readonly Regex Pattern = new Regex(@"^v?(\d{1,4})\.(\d{1,4})\.(\d{1,4})$", RegexOptions.CultureInvariant);

        private EtcdVersion(int major, int minor, int patch)
        {
            Major = major; Minor = minor; Patch = patch;
        }

        public int Major { get; }
        public int Minor { get; }
        public int Patch { get; }

        /// <summary>The major.minor series that decides which config keys etcd accepts, e.g. 3.5.</summary>
        public string Series => $"{Major}.{Minor}";

        public static bool TryParse(string? text, out EtcdVersion? version)
        {
            version = null;
            var m = text == null ? null : Pattern.Match(text.Trim());
            if (m == null || !m.Success) return false;
            version = new EtcdVersion(
                int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
                int.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture));
            return true;
        }

        public static EtcdVersion Parse(string text) =>
            TryParse(text, out var v) ? v! : throw new EtcdOpsException(ErrorIds.InvalidEtcdVersion, FailureKind.InvalidArgument,
                $"'{text}' is not an etcd version. Give major.minor.patch as on the etcd release page, for example 3.5.16.", text);

        // The newest patch of each series this module's rules were written and checked against (the latest known
        // when written). A newer version may exist by now; the warning only says the rules were not made for it.
        private static readonly (int Minor, int LatestPatch)[] KnownSeries = { (4, 37), (5, 30), (6, 6) };

        /// <summary>A warning when this version is newer than the releases EtcdOps' rules know; null for a known one.</summary>
        public string? UnknownReleaseWarning()
        {
            foreach (var (minor, latest) in KnownSeries)
                if (Major == 3 && Minor == minor && Patch <= latest) return null;
            return $"etcd {this} is newer than the releases EtcdOps knows (3.4 to 3.4.37, 3.5 to 3.5.30, 3.6 to 3.6.6): its config rules may not fit it, " +
                   "and if etcd has not released it, getting the release fails. Check the version against etcd's release page.";
        }

        public bool AtLeast(int major, int minor) => Major > major || (Major == major && Minor >= minor);

        public int CompareTo(EtcdVersion? other)
        {
            if (other == null) return 1;
            var c = Major.CompareTo(other.Major);
            if (c == 0) c = Minor.CompareTo(other.Minor);
            return c != 0 ? c : Patch.CompareTo(other.Patch);
        }

        public override string ToString() => $"{Major}.{Minor}.{Patch}";
    }
}
