using System.Linq;
using System.Management.Automation;

namespace EtcdOps.Commands
{
    [Cmdlet(VerbsCommon.New, "EtcdCertificateSet", SupportsShouldProcess = true)]
    [OutputType(typeof(EtcdCertificateSet))]
    public sealed class NewEtcdCertificateSetCommand : EtcdCmdlet
    {
        [Parameter(Mandatory = true, ValueFromPipeline = true)]
        public EtcdCluster Cluster { get; set; } = null!;

        [Parameter(Mandatory = true, Position = 0)]
        public string Path { get; set; } = "";

        [Parameter]
        public CertificateKeyAlgorithm KeyAlgorithm { get; set; } = CertificateKeyAlgorithm.EcdsaP256;

        [Parameter]
        [ValidateRange(1, 36500)]
        public int CaValidityDays { get; set; } = 3650;

        [Parameter]
        [ValidateRange(1, 36500)]
        public int ValidityDays { get; set; } = 365;

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] DnsName { get; set; } = new string[0];

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[] IPAddress { get; set; } = new string[0];

        [Parameter]
        [ValidateNotNullOrEmpty]
        public string ClientName { get; set; } = EtcdCertificateSet.DefaultClientName;

        [Parameter]
        public string? CaCertificatePath { get; set; }

        [Parameter]
        public string? CaKeyPath { get; set; }

        [Parameter]
        public SwitchParameter NewAuthority { get; set; }

        [Parameter]
        public SwitchParameter Force { get; set; }

        protected override void ProcessRecord()
        {
            var directory = ResolvePath(Path);
            var request = new CertificateSetRequest
            {
                KeyAlgorithm = KeyAlgorithm,
                CaValidityDays = CaValidityDays,
                ValidityDays = ValidityDays,
                DnsNames = DnsName.ToList(),
                IPAddresses = IPAddress.ToList(),
                ClientName = ClientName,
                CaCertificatePath = string.IsNullOrEmpty(CaCertificatePath) ? null : ResolvePath(CaCertificatePath!),
                CaKeyPath = string.IsNullOrEmpty(CaKeyPath) ? null : ResolvePath(CaKeyPath!),
                NewAuthority = NewAuthority,
            };
            try
            {
                var keepsCa = CertificateSetFactory.UseAuthorityInPlace(request, directory);
                var files = CertificateSetFactory.PlanFiles(Cluster, request, directory);
                var existing = files.Where(f => System.IO.File.Exists(System.IO.Path.Combine(directory, f))).ToList();
                var newCa = string.IsNullOrEmpty(request.CaCertificatePath);
                if (keepsCa && existing.Count > 0 && !Force)
                {
                    TopUp(directory, request);
                    return;
                }
                if (existing.Count > 0 && !Force)
                    throw PendingCertificateSet.FilesExist(directory, existing, newCa);
                if (keepsCa) WriteVerbose($"Issuing from the CA already in '{directory}' (ca.pem, ca-key.pem); -NewAuthority would make a new one.");
                if (newCa && existing.Contains(EtcdCertificateSet.CaFile))
                    WriteWarning(PendingCertificateSet.ReplacingAuthorityWarning(directory));
                var action = $"Write {KeyAlgorithm} certificate set for '{Cluster.Name}': {string.Join(", ", files)}" +
                    (keepsCa ? " (issued by the CA in the folder, which is kept)" : newCa ? " (with a new CA)" : "") +
                    (existing.Count > 0 ? $" (replacing {string.Join(", ", existing)})" : "");
                if (!ShouldProcess(directory, action)) return;

                Issue(directory, request, files.Count / 2, null);
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, directory);
            }
        }

        // The folder holds a set from its own CA: issue only the leaves it lacks or that must change (a grown cluster).
        private void TopUp(string directory, CertificateSetRequest request)
        {
            var leaves = CertificateSetTopUp.LeavesToIssue(Cluster, request, directory);
            if (leaves.Count == 0)
            {
                WriteVerbose($"'{directory}' already holds every certificate '{Cluster.Name}' needs, from its CA: nothing to issue (-Force re-issues them all).");
                WriteObject(CertificateSetLoader.Load(directory, Cluster.Members.Select(m => m.Name).ToList(), request.ClientName));
                return;
            }
            var files = CertificateSetTopUp.Files(leaves);
            if (!ShouldProcess(directory, $"Issue {string.Join(", ", files)} for '{Cluster.Name}' from the CA in the folder (kept); the other files stay as they are")) return;
            Issue(directory, request, leaves.Count, files);
        }

        private void Issue(string directory, CertificateSetRequest request, int count, System.Collections.Generic.IReadOnlyList<string>? only)
        {
            var progress = new ProgressRecord(1, "New-EtcdCertificateSet", $"Generating {count} {KeyAlgorithm} keys and certificates");
            WriteProgress(progress);
            try
            {
                var pending = CertificateSetFactory.Create(Cluster, request, Cancellation);
                if (only != null) pending = pending.Only(only.Contains);
                foreach (var warning in pending.Warnings) WriteWarning(warning);
                WriteObject(pending.WriteTo(directory, Force || only != null));
            }
            finally
            {
                progress.RecordType = ProgressRecordType.Completed;
                WriteProgress(progress);
            }
        }
    }
}
