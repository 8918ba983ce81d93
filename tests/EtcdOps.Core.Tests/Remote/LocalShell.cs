using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Tests.Remote
{
    /// <summary>This machine's /bin/sh standing in for a host: runs each command as SSH would hand it to the remote shell.</summary>
    internal sealed class LocalShell : IRemoteHost
    {
        public string Name => "local shell";

        /// <summary>Every command it was asked to run.</summary>
        public List<string> Commands { get; } = new List<string>();

        /// <summary>A directory searched before PATH: fake systemctl, useradd, ... live there.</summary>
        public string? PathPrefix { get; set; }

        /// <summary>Send only this many bytes of the input (a transfer cut short).</summary>
        public int? Truncate { get; set; }

        public async Task<RemoteResult> RunAsync(string command, byte[]? input, CancellationToken cancellation)
        {
            lock (Commands) Commands.Add(command);
            if (input != null && Truncate is int n) input = input.Take(n).ToArray();
            var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add(command);
            if (PathPrefix != null) psi.Environment["PATH"] = PathPrefix + ":" + psi.Environment["PATH"];
            using var p = Process.Start(psi)!;
            var output = p.StandardOutput.ReadToEndAsync(cancellation);
            var error = p.StandardError.ReadToEndAsync(cancellation);
            try
            {
                if (input != null) await p.StandardInput.BaseStream.WriteAsync(input, cancellation);
                p.StandardInput.Close();
            }
            // The command ended before it read all its input, as a failing script may.
            catch (System.IO.IOException) { }
            await p.WaitForExitAsync(cancellation);
            return new RemoteResult(p.ExitCode, await output, await error);
        }

        public void Dispose() { }
    }
}
