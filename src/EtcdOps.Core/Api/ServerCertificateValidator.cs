using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Org.BouncyCastle.Asn1;
using Org.BouncyCastle.Asn1.X509;

namespace EtcdOps.Api
{
    /// <summary>
    /// Verifies etcd's server certificate the way etcdctl --cacert does: the chain must lead to the given CA
    /// (never to the operating system's trust store), every certificate in it must be valid now, the leaf must
    /// allow server authentication, and one of its subject alternative names must match the host dialled.
    /// </summary>
    internal sealed class ServerCertificateValidator
    {
        private const string ServerAuthOid = "1.3.6.1.5.5.7.3.1";
        private readonly List<X509Certificate2> _anchors;
        private readonly string _caPath;

        public ServerCertificateValidator(List<X509Certificate2> anchors, string caPath)
        {
            _anchors = anchors;
            _caPath = caPath;
        }

        /// <summary>Null when the certificate is acceptable for <paramref name="host"/>; otherwise why not.</summary>
        public string? Validate(X509Certificate2? server, X509Chain? presented, string host)
        {
            if (server == null) return "the server sent no certificate";
            var trustFailure = CheckChain(server, presented);
            if (trustFailure != null) return trustFailure;
            return CheckHostName(server, host);
        }

        private string? CheckChain(X509Certificate2 server, X509Chain? presented)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            chain.ChainPolicy.ApplicationPolicy.Add(new Oid(ServerAuthOid));
            foreach (var ca in _anchors) chain.ChainPolicy.ExtraStore.Add(ca);
            if (presented != null)
                foreach (var element in presented.ChainElements)
                    if (!ReferenceEquals(element.Certificate, server)) chain.ChainPolicy.ExtraStore.Add(element.Certificate);
            var customTrust = TryUseCustomRootTrust(chain.ChainPolicy, _anchors);

            var built = chain.Build(server);

            var elements = chain.ChainElements.Cast<X509ChainElement>().ToList();
            var anchorIndex = elements.FindIndex(e => IsAnchor(e.Certificate));
            if (anchorIndex < 0)
            {
                var top = elements.Count > 0 ? elements[elements.Count - 1].Certificate : server;
                return $"the server certificate ({server.Subject}, issued by {server.Issuer}) was not issued by the CA in '{_caPath}' " +
                       $"({string.Join("; ", _anchors.Select(a => a.Subject))}); its chain ends at {top.Subject}. " +
                       "Give the CA that signed etcd's server certificate (etcd's trusted-ca-file / etcdctl --cacert)";
            }

            var problems = new List<string>();
            for (var i = 0; i <= anchorIndex; i++)
            {
                foreach (var status in elements[i].ChainElementStatus)
                {
                    // Without a custom trust store (older runtimes) the chain is built to our CA, which the OS
                    // does not trust: that is the expected "untrusted root", and the only status we forgive.
                    if (status.Status == X509ChainStatusFlags.NoError) continue;
                    if (!customTrust && (status.Status == X509ChainStatusFlags.UntrustedRoot || status.Status == X509ChainStatusFlags.PartialChain) && i >= anchorIndex) continue;
                    problems.Add($"{elements[i].Certificate.Subject}: {Describe(status)}");
                }
            }
            // Some platforms report a failure only on the chain as a whole.
            if (problems.Count == 0 && customTrust && !built)
                foreach (var status in chain.ChainStatus)
                    if (status.Status != X509ChainStatusFlags.NoError) problems.Add(Describe(status));
            return problems.Count == 0 ? null : "the server certificate chain is not valid: " + string.Join("; ", problems.Distinct());
        }

        private static string Describe(X509ChainStatus status)
        {
            var info = (status.StatusInformation ?? "").Trim();
            return status.Status switch
            {
                X509ChainStatusFlags.NotTimeValid => "expired or not yet valid" + (info.Length > 0 ? $" ({info})" : ""),
                X509ChainStatusFlags.NotValidForUsage => "not valid for TLS server authentication (extended key usage lacks serverAuth)",
                X509ChainStatusFlags.NotSignatureValid => "signature does not verify",
                _ => info.Length > 0 ? info : status.Status.ToString(),
            };
        }

        private bool IsAnchor(X509Certificate2 certificate)
        {
            foreach (var anchor in _anchors)
                if (anchor.RawData.Length == certificate.RawData.Length && anchor.RawData.SequenceEqual(certificate.RawData)) return true;
            return false;
        }

        // CustomRootTrust pins the chain to our CA on .NET 5+; the desktop build lacks it, and there the anchor
        // check above still pins the CA.
        private static bool TryUseCustomRootTrust(X509ChainPolicy policy, List<X509Certificate2> anchors)
        {
#if NET
            policy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            foreach (var anchor in anchors) policy.CustomTrustStore.Add(anchor);
            return true;
#else
            return false;
#endif
        }

        internal static string? CheckHostName(X509Certificate2 server, string host)
        {
            var (dnsNames, addresses) = SubjectAlternativeNames(server);
            if (IPAddress.TryParse(host, out var ip))
            {
                var wanted = ip.GetAddressBytes();
                if (addresses.Any(a => a.SequenceEqual(wanted))) return null;
            }
            else
            {
                if (dnsNames.Any(name => DnsNameMatches(name, host))) return null;
            }
            var listed = dnsNames.Concat(addresses.Select(a => new IPAddress(a).ToString())).ToList();
            return listed.Count == 0
                ? $"the server certificate ({server.Subject}) has no subject alternative names, so it is valid for no address; etcd's server certificate must list '{host}'"
                : $"the server certificate ({server.Subject}) is not valid for '{host}': it lists {string.Join(", ", listed)}. " +
                  "Use an endpoint address the certificate lists, or reissue the server certificate with this address";
        }

        /// <summary>The server certificate's DNS names and IP addresses, by the PKI's one SAN reader.</summary>
        private static (List<string> DnsNames, List<byte[]> Addresses) SubjectAlternativeNames(X509Certificate2 certificate)
        {
            var dns = new List<string>();
            var ips = new List<byte[]>();
            var parsed = new Org.BouncyCastle.X509.X509CertificateParser().ReadCertificate(certificate.RawData);
            foreach (var name in CertificateInspector.SubjectAlternativeNames(parsed))
            {
                if (name.TagNo == GeneralName.DnsName) dns.Add(DerIA5String.GetInstance(name.Name).GetString());
                else if (name.TagNo == GeneralName.IPAddress) ips.Add(Asn1OctetString.GetInstance(name.Name).GetOctets());
            }
            return (dns, ips);
        }

        private static bool DnsNameMatches(string pattern, string host)
        {
            pattern = pattern.TrimEnd('.');
            host = host.TrimEnd('.');
            if (string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase)) return true;
            // A wildcard covers exactly one left-most label, as in Go's crypto/tls.
            if (!pattern.StartsWith("*.", StringComparison.Ordinal)) return false;
            var dot = host.IndexOf('.');
            return dot > 0 && string.Equals(pattern.Substring(1), host.Substring(dot), StringComparison.OrdinalIgnoreCase);
        }
    }
}
