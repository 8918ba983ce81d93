using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;

namespace EtcdOps.Remote
{
    /// <summary>One key held by ssh-agent: its public key blob and comment.</summary>
    internal sealed class SshAgentIdentity
    {
        public SshAgentIdentity(byte[] keyBlob, string comment) { KeyBlob = keyBlob; Comment = comment; }
        public byte[] KeyBlob { get; }
        public string Comment { get; }
        public string KeyType => SshWire.FirstString(KeyBlob);
    }

    /// <summary>
    /// A minimal client of the ssh-agent protocol (draft-miller-ssh-agent: list identities, sign) over the Unix
    /// socket of SSH_AUTH_SOCK. Private keys stay in the agent; one short connection per request.
    /// </summary>
    internal sealed class SshAgent
    {
        private const byte Failure = 5, RequestIdentities = 11, IdentitiesAnswer = 12, SignRequest = 13, SignResponse = 14;
        internal const uint RsaSha256 = 2, RsaSha512 = 4;
        private static readonly Type? UnixEndPoint =
            typeof(Socket).Assembly.GetType("System.Net.Sockets.UnixDomainSocketEndPoint")
            ?? Type.GetType("System.Net.Sockets.UnixDomainSocketEndPoint, System.Net.Sockets");

        public SshAgent(string socketPath) { SocketPath = socketPath; }

        public string SocketPath { get; }

        /// <summary>False where the runtime has no Unix domain sockets (Windows PowerShell 5.1).</summary>
        public static bool Supported => UnixEndPoint != null;

        public IReadOnlyList<SshAgentIdentity> ListIdentities()
        {
            var reply = Request(RequestIdentities, Array.Empty<byte>());
            if (reply.Type != IdentitiesAnswer) throw new IOException($"ssh-agent answered {reply.Type} to a request for its keys.");
            var r = new SshWire.Reader(reply.Body);
            var count = r.UInt32();
            var keys = new List<SshAgentIdentity>();
            for (var i = 0; i < count; i++) keys.Add(new SshAgentIdentity(r.Bytes(), Encoding.UTF8.GetString(r.Bytes())));
            return keys;
        }

        /// <summary>The agent's signature, encoded as SSH wants it (string format, string blob); null when the agent refuses.</summary>
        public byte[]? Sign(byte[] keyBlob, byte[] data, uint flags)
        {
            var reply = Request(SignRequest, SshWire.Concat(SshWire.String(keyBlob), SshWire.String(data), SshWire.UInt32(flags)));
            if (reply.Type == Failure) return null;
            if (reply.Type != SignResponse) throw new IOException($"ssh-agent answered {reply.Type} to a sign request.");
            return new SshWire.Reader(reply.Body).Bytes();
        }

        private (byte Type, byte[] Body) Request(byte type, byte[] payload)
        {
            if (UnixEndPoint == null) throw new PlatformNotSupportedException("This runtime has no Unix domain sockets.");
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            socket.Connect((EndPoint)Activator.CreateInstance(UnixEndPoint, SocketPath)!);
            // Generous: an agent may ask its user to confirm a signature (ssh-add -c).
            using var stream = new NetworkStream(socket, ownsSocket: false) { ReadTimeout = 60000, WriteTimeout = 10000 };
            var message = SshWire.Concat(SshWire.UInt32((uint)payload.Length + 1), new[] { type }, payload);
            stream.Write(message, 0, message.Length);
            var header = ReadExactly(stream, 4);
            var length = (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
            if (length < 1 || length > 256 * 1024) throw new IOException($"ssh-agent sent a message of {length} bytes.");
            var body = ReadExactly(stream, length);
            return (body[0], body.Skip(1).ToArray());
        }

        private static byte[] ReadExactly(Stream stream, int count)
        {
            var buffer = new byte[count];
            for (var read = 0; read < count;)
            {
                var n = stream.Read(buffer, read, count - read);
                if (n == 0) throw new IOException("ssh-agent closed the connection.");
                read += n;
            }
            return buffer;
        }
    }

    /// <summary>The agent's keys as a key source for SSH.NET's public key authentication: signing goes to the agent.</summary>
    internal sealed class SshAgentKeySource : IPrivateKeySource
    {
        public SshAgentKeySource(SshAgent agent, IEnumerable<SshAgentIdentity> identities)
        {
            HostKeyAlgorithms = identities.SelectMany(id => Algorithms(id.KeyType).Select(a => (HostAlgorithm)new AgentAlgorithm(agent, id, a.Name, a.Flags))).ToList();
        }

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }

        /// <summary>RSA keys sign with SHA-2 (the agent is told which); other key types use their own name.</summary>
        internal static IEnumerable<(string Name, uint Flags)> Algorithms(string keyType)
        {
            if (keyType == "ssh-rsa")
                return new[] { ("rsa-sha2-512", SshAgent.RsaSha512), ("rsa-sha2-256", SshAgent.RsaSha256) };
            if (keyType == "ssh-rsa-cert-v01@openssh.com")
                return new[] { ("rsa-sha2-512-cert-v01@openssh.com", SshAgent.RsaSha512), ("rsa-sha2-256-cert-v01@openssh.com", SshAgent.RsaSha256) };
            return keyType.Length == 0 ? Array.Empty<(string, uint)>() : new[] { (keyType, 0u) };
        }

        private sealed class AgentAlgorithm : HostAlgorithm
        {
            private readonly SshAgent _agent;
            private readonly SshAgentIdentity _identity;
            private readonly uint _flags;

            public AgentAlgorithm(SshAgent agent, SshAgentIdentity identity, string name, uint flags) : base(name)
            {
                _agent = agent; _identity = identity; _flags = flags;
            }

            public override byte[] Data => _identity.KeyBlob;

            public override byte[] Sign(byte[] data)
            {
                try
                {
                    return _agent.Sign(_identity.KeyBlob, data, _flags)
                        ?? throw new SshAuthenticationException($"ssh-agent refused to sign with its key '{_identity.Comment}' ({Name})");
                }
                catch (Exception ex) when (ex is IOException || ex is SocketException)
                {
                    throw new SshAuthenticationException($"ssh-agent at {_agent.SocketPath} failed while signing: {ex.Message}", ex);
                }
            }

            public override bool VerifySignature(byte[] data, byte[] signature) =>
                throw new NotSupportedException("Keys of ssh-agent are for signing only.");
        }
    }

    /// <summary>The SSH wire encoding (RFC 4251): big-endian uint32 and length-prefixed strings.</summary>
    internal static class SshWire
    {
        public static byte[] UInt32(uint v) => new[] { (byte)(v >> 24), (byte)(v >> 16), (byte)(v >> 8), (byte)v };

        public static byte[] String(byte[] data) => Concat(UInt32((uint)data.Length), data);

        public static byte[] Concat(params byte[][] parts)
        {
            var result = new byte[parts.Sum(p => p.Length)];
            var at = 0;
            foreach (var p in parts) { Buffer.BlockCopy(p, 0, result, at, p.Length); at += p.Length; }
            return result;
        }

        /// <summary>The first string of a blob (a key's type), "" when the blob is too short.</summary>
        public static string FirstString(byte[] blob)
        {
            try { return Encoding.ASCII.GetString(new Reader(blob).Bytes()); }
            catch (IOException) { return ""; }
        }

        public sealed class Reader
        {
            private readonly byte[] _data;
            private int _at;
            public Reader(byte[] data) { _data = data; }

            public uint UInt32()
            {
                if (_data.Length - _at < 4) throw new IOException("ssh-agent sent a truncated message.");
                var v = (uint)(_data[_at] << 24 | _data[_at + 1] << 16 | _data[_at + 2] << 8 | _data[_at + 3]);
                _at += 4;
                return v;
            }

            public byte[] Bytes()
            {
                var length = UInt32();
                if (length > _data.Length - _at) throw new IOException("ssh-agent sent a truncated message.");
                var v = new byte[length];
                Buffer.BlockCopy(_data, _at, v, 0, (int)length);
                _at += (int)length;
                return v;
            }
        }
    }
}
