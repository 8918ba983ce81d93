using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace EtcdOps.Cluster
{
    /// <summary>Turns loosely typed member descriptions (hashtables, property bags) into <see cref="EtcdMember"/>s with clear errors.</summary>
    internal static class MemberBuilder
    {
        private static readonly string[] Keys = { "Name", "Address", "SshHost", "SshPort", "SshUser" };

        public static EtcdMember FromDictionary(IDictionary values, int index)
        {
            var member = new EtcdMember();
            foreach (DictionaryEntry entry in values)
            {
                var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? "";
                var value = entry.Value == null ? null : Convert.ToString(entry.Value, CultureInfo.InvariantCulture);
                var known = Keys.FirstOrDefault(k => string.Equals(k, key, StringComparison.OrdinalIgnoreCase));
                switch (known)
                {
                    case "Name": member.Name = value ?? ""; break;
                    case "Address": member.Address = value ?? ""; break;
                    case "SshHost": member.SshHost = value; break;
                    case "SshUser": member.SshUser = value; break;
                    case "SshPort":
                        if (value == null) break;
                        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
                            throw new EtcdOpsException(ErrorIds.InvalidPort, FailureKind.InvalidArgument,
                                $"Member[{index}].SshPort: '{value}' is not a TCP port. Use 1-65535.", values);
                        member.SshPort = port;
                        break;
                    default:
                        throw new EtcdOpsException(ErrorIds.UnknownMemberKey, FailureKind.InvalidArgument,
                            $"Member[{index}]: unknown key '{key}'. A member takes {string.Join(", ", Keys)}.", values);
                }
            }
            return member;
        }
    }
}
