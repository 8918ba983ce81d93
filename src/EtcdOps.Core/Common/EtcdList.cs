using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Linq;

namespace EtcdOps.Common
{
    /// <summary>
    /// The list type of every list on an EtcdOps output object (certificate SANs, member URLs, install changes, ...).
    /// It is a plain list (PowerShell enumerates it, ConvertTo-Json writes a JSON array), whose
    /// <see cref="ToString"/> is the items joined by ", ": what Export-Csv and string conversion show, instead of a
    /// .NET type name.
    /// </summary>
    public sealed class EtcdList<T> : Collection<T>
    {
        public const string Separator = ", ";

        public EtcdList() : base(new List<T>()) { }

        public EtcdList(IEnumerable<T>? items) : base(new List<T>(items ?? Enumerable.Empty<T>())) { }

        public void AddRange(IEnumerable<T> items)
        {
            foreach (var item in items) Add(item);
        }

        public T[] ToArray() => ((List<T>)Items).ToArray();

        public override string ToString() => string.Join(Separator, this.Select(i => i?.ToString() ?? ""));

        public static implicit operator EtcdList<T>(T[] items) => new EtcdList<T>(items);

        public static implicit operator EtcdList<T>(List<T> items) => new EtcdList<T>(items);
    }
}
