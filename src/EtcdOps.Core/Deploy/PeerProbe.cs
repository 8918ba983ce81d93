using System;
using System.IO;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Threading;
using System.Threading.Tasks;

namespace EtcdOps.Deploy
{
    /// <summary>
    /// Tells when a starting member's peer port is served. A new etcd member asks its peers, in peer-URL order and
    /// one second each, whether it was bootstrapped already; a peer whose listener is open but not yet served costs
    /// that whole second. Starting the member with the lowest peer URL first, and the rest once it serves, saves
    /// up to a second per member.
    /// </summary>
    internal static class PeerProbe
    {
        private static readonly TimeSpan Attempt = TimeSpan.FromMilliseconds(300);

        /// <summary>True once a TLS server answers on address:port (any answer, even a refusal of our handshake).</summary>
        public static async Task<bool> WaitServingAsync(string address, int port, TimeSpan timeout, CancellationToken cancellation)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                cancellation.ThrowIfCancellationRequested();
                if (await AnswersAsync(address, port).ConfigureAwait(false)) return true;
                await Task.Delay(100, cancellation).ConfigureAwait(false);
            }
            return false;
        }

        private static async Task<bool> AnswersAsync(string address, int port)
        {
            using var tcp = new TcpClient(System.Net.IPAddress.Parse(address).AddressFamily);
            try
            {
                var connect = tcp.ConnectAsync(address, port);
                if (await Task.WhenAny(connect, Task.Delay(Attempt)).ConfigureAwait(false) != connect || connect.IsFaulted) return false;
                // Only the server's side of the handshake matters here: nothing is sent after it, so trusting blindly is harmless.
                using var tls = new SslStream(tcp.GetStream(), false, (_, __, ___, ____) => true);
                var handshake = tls.AuthenticateAsClientAsync(address);
                var done = await Task.WhenAny(handshake, Task.Delay(Attempt)).ConfigureAwait(false) == handshake;
                if (done && handshake.IsFaulted) _ = handshake.Exception;   // observed: a refusal is an answer too
                return done;
            }
            catch (Exception ex) when (ex is SocketException || ex is IOException || ex is AuthenticationException) { return false; }
        }
    }
}
