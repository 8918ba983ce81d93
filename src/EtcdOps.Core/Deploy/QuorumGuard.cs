using System;
using System.Collections.Generic;
using System.Linq;

namespace EtcdOps.Deploy
{
    /// <summary>
    /// The one quorum rule every cmdlet that takes members down follows (Stop, Uninstall, later Remove): a running
    /// cluster keeps a majority of its members running. Taking running members down is refused when fewer than a
    /// majority would be left running, unless forced. Members already down cannot lose quorum by being taken down.
    /// </summary>
    internal static class QuorumGuard
    {
        /// <summary>How many members a cluster of <paramref name="memberCount"/> needs running to serve reads and writes.</summary>
        public static int Needed(int memberCount) => memberCount / 2 + 1;

        /// <summary>
        /// Null when taking <paramref name="targets"/> down keeps quorum (or none of them runs); otherwise the refusal.
        /// <paramref name="states"/> are the members whose state could be read: one that could not counts as down.
        /// </summary>
        public static EtcdOpsException? Check(EtcdCluster cluster, IReadOnlyList<EtcdNodeState> states, IReadOnlyCollection<string> targets, string verb)
        {
            bool IsTarget(string name) => targets.Contains(name, StringComparer.OrdinalIgnoreCase);
            var running = states.Where(s => s.Active == "active").ToList();
            if (!running.Any(s => IsTarget(s.Name))) return null;
            var runningAfter = running.Count(s => !IsTarget(s.Name));
            var quorum = Needed(cluster.Members.Count);
            if (runningAfter >= quorum) return null;
            var down = cluster.Members.Where(m => !running.Any(s => s.Name == m.Name) && !IsTarget(m.Name)).Select(m => m.Name).ToList();
            return new EtcdOpsException(ErrorIds.QuorumWouldBeLost, FailureKind.InvalidOperation,
                $"{verb} {string.Join(", ", targets)} would leave {runningAfter} of {cluster.Members.Count} members running" +
                (down.Count > 0 ? $" ({string.Join(", ", down)} already down)" : "") +
                $"; the cluster needs {quorum} for quorum and would stop serving reads and writes. " +
                (down.Count > 0 ? "Bring the down members back first (Start-EtcdNode), " : "Take fewer members down, ") +
                "or use -Force to go ahead anyway.", cluster);
        }
    }

    /// <summary>When a rolling restart must wait for a healthy cluster.</summary>
    internal static class RestartPolicy
    {
        /// <summary>
        /// Before restarting a running member the whole cluster must be healthy (else the restart could cost quorum);
        /// a member that is down is restarted at once: starting it can only help.
        /// </summary>
        public static bool WaitForHealthBefore(EtcdNodeState state) => state.Active == "active";
    }
}
