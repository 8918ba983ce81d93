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
                if (existing.Count > 0 && !Force)
                    throw PendingCertificateSet.FilesExist(directory, existing, newCa);
                if (keepsCa) WriteVerbose($"Issuing from the CA already in '{directory}' (ca.pem, ca-key.pem); -NewAuthority would make a new one.");
                if (newCa && existing.Contains(EtcdCertificateSet.CaFile))
                    WriteWarning(PendingCertificateSet.ReplacingAuthorityWarning(directory));
                var action = $"Write {KeyAlgorithm} certificate set for '{Cluster.Name}': {string.Join(", ", files)}" +
                    (keepsCa ? " (issued by the CA in the folder, which is kept)" : newCa ? " (with a new CA)" : "") +
                    (existing.Count > 0 ? $" (replacing {string.Join(", ", existing)})" : "");
                if (!ShouldProcess(directory, action)) return;

                var progress = new ProgressRecord(1, "New-EtcdCertificateSet", $"Generating {files.Count / 2} {KeyAlgorithm} keys and certificates");
                WriteProgress(progress);
                try
                {
                    var pending = CertificateSetFactory.Create(Cluster, request, Cancellation);
                    foreach (var warning in pending.Warnings) WriteWarning(warning);
                    WriteObject(pending.WriteTo(directory, Force));
                }
                finally
                {
                    progress.RecordType = ProgressRecordType.Completed;
                    WriteProgress(progress);
                }
            }
            catch (EtcdOpsException ex)
            {
                WriteFailure(ex, directory);
            }
        }
    }
}
