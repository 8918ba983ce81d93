using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Commands
{
    /// <summary>
    /// Base for cmdlets that work on members' hosts over SSH: the SSH parameters, connecting, and running work on
    /// hosts in parallel while progress and output stay on the pipeline thread.
    /// </summary>
    public abstract partial class EtcdSshCmdlet : EtcdCmdlet
    {
        [Parameter]
        public string? SshUser { get; set; }

        [Parameter]
        public string? SshKeyPath { get; set; }

        [Parameter]
        public System.Security.SecureString? SshKeyPassphrase { get; set; }

        [Parameter]
        [Credential]
        public PSCredential? SshCredential { get; set; }

        [Parameter]
        [ValidateRange(1, 65535)]
        public int SshPort { get; set; } = 22;

        [Parameter]
        public string? KnownHostsPath { get; set; }

        [Parameter]
        public HostKeyPolicy HostKeyPolicy { get; set; } = HostKeyPolicy.Strict;

        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 16;

        protected override void BeginProcessing()
        {
            if (HostKeyPolicy == HostKeyPolicy.Ignore)
                WriteWarning("-HostKeyPolicy Ignore trusts ANY host key: a man-in-the-middle would go unnoticed and would receive the cluster's private keys. Use it only for throw-away labs.");
            // A key that cannot be read (public key, missing or wrong passphrase) fails the call once, before any host.
            if (SshKeyPath != null)
            {
                var keyPath = ResolvePath(SshKeyPath);
                try { SshOptions.CheckKey(keyPath, SshKeyPassphrase); }
                catch (EtcdOpsException ex) { ThrowFailure(ex, keyPath); }
            }
        }

        private protected SshOptions SshOptionsFor(EtcdMember member)
        {
            var options = new SshOptions
            {
                User = SshUser ?? SshCredential?.UserName ?? "root",
                Port = SshPort,
                KeyPath = SshKeyPath == null ? null : ResolvePath(SshKeyPath),
                KeyPassphrase = SshKeyPassphrase,
                Password = SshCredential?.Password,
                KnownHostsPath = KnownHostsPath == null ? SshOptions.DefaultKnownHostsPath() : ResolvePath(KnownHostsPath),
                HostKeyPolicy = HostKeyPolicy,
            };
            return options.ForMember(member);
        }

        private protected async Task<IRemoteHost> ConnectAsync(EtcdMember member, CancellationToken cancellation) =>
            await SshRemoteHost.ConnectAsync($"{member.Name} ({member.SshTarget})", member.SshTarget, SshOptionsFor(member), cancellation).ConfigureAwait(false);

        /// <summary>
        /// Runs <paramref name="work"/> for every member in parallel (see <see cref="RunInParallel"/>), one connection per host.
        /// With <paramref name="quiet"/> a host's failure is a verbose message (for a -Quiet that answers only $true or $false).
        /// </summary>
        private protected IReadOnlyList<T> RunOnHosts<T>(string activity, IReadOnlyList<EtcdMember> members,
            Func<EtcdMember, IRemoteHost, Action<string>, CancellationToken, Task<T>> work, bool quiet = false) where T : class =>
            RunInParallel(activity, members, async (m, report, ct) =>
            {
                report("Connecting");
                using var host = await ConnectAsync(m, ct).ConfigureAwait(false);
                return await work(m, host, report, ct).ConfigureAwait(false);
            }, quiet).Select(r => r.Result).ToList();

        /// <summary>
        /// Two steps on every member's host over one connection each: <paramref name="plan"/> looks (changing nothing),
        /// then, on the pipeline thread, ShouldProcess(target, action) of <paramref name="describe"/> asks per host (so
        /// -WhatIf prints each host's plan), and <paramref name="apply"/> carries out the approved plans. A host whose
        /// plan failed gets its error and no second step; the others go on.
        /// </summary>
        private protected IReadOnlyList<TResult> PlanAndApplyOnHosts<TPlan, TResult>(string activity, IReadOnlyList<EtcdMember> members,
            Func<EtcdMember, IRemoteHost, Action<string>, CancellationToken, Task<TPlan>> plan, Func<TPlan, (string Target, string Action)> describe,
            Func<EtcdMember, IRemoteHost, TPlan, Action<string>, CancellationToken, Task<TResult>> apply) where TPlan : class where TResult : class
        {
            var hosts = new ConcurrentDictionary<EtcdMember, IRemoteHost>();
            try
            {
                var plans = RunInParallel("Inspecting: " + activity, members, async (m, report, ct) =>
                {
                    report("Connecting");
                    var host = hosts[m] = await ConnectAsync(m, ct).ConfigureAwait(false);
                    report("Inspecting");
                    return await plan(m, host, report, ct).ConfigureAwait(false);
                });
                var approved = plans.Where(p => { var (target, action) = describe(p.Result); return ShouldProcess(target, action); }).ToList();
                if (approved.Count == 0) return Array.Empty<TResult>();
                var planOf = approved.ToDictionary(p => p.Member, p => p.Result);
                return RunInParallel(activity, approved.Select(p => p.Member).ToList(),
                    (m, report, ct) => apply(m, hosts[m], planOf[m], report, ct)).Select(r => r.Result).ToList();
            }
            finally
            {
                foreach (var host in hosts.Values) host.Dispose();
            }
        }

        /// <summary>
        /// Runs <paramref name="work"/> for every member in parallel (bounded by -ThrottleLimit). Progress reported by
        /// workers is written here, on the pipeline thread; a Completed record always follows. Per-member failures become
        /// non-terminating errors; results come back in member order.
        /// </summary>
        private IReadOnlyList<(EtcdMember Member, T Result)> RunInParallel<T>(string activity, IReadOnlyList<EtcdMember> members,
            Func<EtcdMember, Action<string>, CancellationToken, Task<T>> work, bool quiet = false) where T : class
        {
            var events = new ConcurrentQueue<(int Index, string Status)>();
            var gate = new SemaphoreSlim(ThrottleLimit);
            var results = new T?[members.Count];
            var errors = new Exception?[members.Count];
            var tasks = members.Select((m, i) => Task.Run(async () =>
            {
                await gate.WaitAsync(Cancellation).ConfigureAwait(false);
                try
                {
                    results[i] = await work(m, s => events.Enqueue((i, s)), Cancellation).ConfigureAwait(false);
                    events.Enqueue((i, "Done"));
                }
                catch (Exception ex) when (!(ex is OperationCanceledException)) { errors[i] = ex; }
                finally { gate.Release(); }
            })).ToArray();

            var all = Task.WhenAll(tasks);
            try
            {
                PumpProgress(activity, members.Select(m => m.Name).ToList(), events, all);
                all.GetAwaiter().GetResult();
            }
            catch (OperationCanceledException) { throw new PipelineStoppedException(); }
            finally { CompleteProgress(activity, members.Count); }

            for (var i = 0; i < members.Count; i++)
                if (errors[i] != null)
                {
                    if (quiet) WriteVerbose($"{members[i].Name}: {errors[i]!.Message}");
                    else WriteHostFailure(errors[i]!, members[i]);
                }
            return members.Select((m, i) => (m, results[i])).Where(r => r.Item2 != null).Select(r => (r.m, r.Item2!)).ToList();
        }

        /// <summary>Where etcd lives on a member's host, read back from its unit and conf.yml (so New-EtcdConfig's choices hold for every later cmdlet).</summary>
        private protected static Task<EtcdHostLayout> ReadLayoutAsync(EtcdCluster cluster, IRemoteHost host, CancellationToken cancellation) =>
            EtcdHostLayout.ReadAsync(host, cluster.DataDir, cancellation);

        /// <summary>Writes queued progress until <paramref name="done"/> finishes. One child record per host.</summary>
        protected void PumpProgress(string activity, IReadOnlyList<string> names, ConcurrentQueue<(int Index, string Status)> events, Task done)
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (true)
            {
                var finished = WaitQuietly(done, 100);
                while (events.TryDequeue(out var e))
                {
                    // -Verbose shows each host's timeline: where a slow run spends its time.
                    WriteVerbose($"{clock.Elapsed.TotalSeconds,6:0.00}s {names[e.Index]}: {e.Status}");
                    WriteProgress(new ProgressRecord(1, activity, $"{names[e.Index]}: {e.Status}") { CurrentOperation = e.Status });
                    WriteProgress(new ProgressRecord(2 + e.Index, names[e.Index], e.Status) { ParentActivityId = 1 });
                }
                if (finished) return;
            }
        }

        protected void CompleteProgress(string activity, int hostCount)
        {
            for (var i = 0; i < hostCount; i++)
                WriteProgress(new ProgressRecord(2 + i, "Host", "Done") { ParentActivityId = 1, RecordType = ProgressRecordType.Completed });
            WriteProgress(new ProgressRecord(1, activity, "Done") { RecordType = ProgressRecordType.Completed });
        }

        protected void WriteHostFailure(Exception error, object target)
        {
            var inner = error is AggregateException agg && agg.InnerExceptions.Count == 1 ? agg.InnerExceptions[0] : error;
            if (inner is EtcdOpsException eo) WriteFailure(eo, target);
            else WriteError(new ErrorRecord(inner, ErrorIds.HostOperationFailed, ErrorCategory.NotSpecified, target));
        }
    }
}
