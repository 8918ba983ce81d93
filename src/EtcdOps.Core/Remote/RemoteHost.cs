using System;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps
{
    /// <summary>The outcome of one remote command.</summary>
    internal sealed class RemoteResult
    {
        public RemoteResult(int exitCode, string output, string error)
        {
            ExitCode = exitCode; Output = output; Error = error;
        }

        public int ExitCode { get; }
        public string Output { get; }
        public string Error { get; }
        public bool Succeeded => ExitCode == 0;
    }

    /// <summary>
    /// A host that runs commands as root (directly or through sudo). SSH is the real implementation;
    /// unit tests use a fake. A command is a line for /bin/sh, in EtcdOps always a <see cref="RemoteScript"/>'s
    /// (or a sequence of them); <c>input</c> goes to its stdin.
    /// </summary>
    internal interface IRemoteHost : IDisposable
    {
        /// <summary>How the host is named in messages, e.g. "etcd-1 (10.0.0.11)".</summary>
        string Name { get; }

        Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation);
    }

    internal static class RemoteHostExtensions
    {
        /// <summary>Runs a command and throws a RemoteCommandFailed error with its stderr when it fails.</summary>
        public static async Task<string> RunCheckedAsync(this IRemoteHost host, string command, string what, CancellationToken cancellation, byte[]? input = null)
        {
            var result = await host.RunAsync(command, input, cancellation).ConfigureAwait(false);
            if (!result.Succeeded)
                throw new EtcdOpsException(ErrorIds.RemoteCommandFailed, FailureKind.InvalidOperation,
                    $"{host.Name}: {what} failed (exit {result.ExitCode}): {FirstLines(result.Error.Length > 0 ? result.Error : result.Output)}", host.Name);
            return result.Output;
        }

        private static string FirstLines(string text)
        {
            var t = text.Trim();
            return t.Length > 600 ? t.Substring(0, 600) + " ..." : t;
        }
    }
}
