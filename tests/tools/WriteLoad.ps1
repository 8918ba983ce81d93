<#
.SYNOPSIS
    A steady write load on an etcd cluster while an operation runs, and the proof that no acknowledged write
    was lost.
.DESCRIPTION
    Dot-source this file, then:
        $load = Start-EtcdWriteLoad -Endpoint $cluster.ClientUrls -CertificateSet $pki     # 70 puts/s by default
        ... the operation (Add-EtcdMember, Remove-EtcdMember, a rolling restart) ...
        $report = Stop-EtcdWriteLoad $load      # Acked, Lost, Errors, Rate, LostKeys, Seconds
        $report.Lost | Should -Be 0

    The writer runs in its own runspace (the test's thread stays free) and puts one key per tick through etcd's
    API (the JSON gateway, /v3/kv/put, with the set's client certificate, trusting only its CA), taking the
    endpoints in turn; a put that fails or times out is counted as an error and the next one goes to the next
    endpoint. Every put etcd acknowledged is recorded; Stop reads the whole prefix back with a linearizable range
    and reports each acknowledged key that is missing. Why the gateway rather than etcdctl: one process for the
    whole run, not one per write (50 process starts a second would load the machine more than the cluster), and
    the acknowledgement is the HTTP reply itself, recorded the moment it arrives. Why not the module's own
    client: its transport is internal to the module, and the load must not share code with what it checks.
#>

function Start-EtcdWriteLoad {
    param(
        [Parameter(Mandatory)] [string[]] $Endpoint,
        [Parameter(Mandatory)] $CertificateSet,
        [ValidateRange(1, 1000)] [int] $Rate = 70,
        [string] $Prefix = ('etcdops-load/' + [guid]::NewGuid().ToString('N').Substring(0, 8) + '/')
    )
    $state = [hashtable]::Synchronized(@{
            Stop = $false; Errors = 0; LastError = $null; Started = [DateTime]::UtcNow; Stopped = $null
            Acked = [System.Collections.Concurrent.ConcurrentQueue[string]]::new()
        })
    $ps = [powershell]::Create()
    $null = $ps.AddScript({
            param($state, $endpoints, $ca, $cert, $key, $rate, $prefix)
            $client = New-WriteLoadClient -Ca $ca -Cert $cert -Key $key
            $interval = [TimeSpan]::FromSeconds(1.0 / $rate)
            $clock = [Diagnostics.Stopwatch]::StartNew()
            $i = 0
            while (-not $state.Stop) {
                $i++
                $name = $prefix + $i.ToString('D8')
                $body = '{"key":"' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($name)) + '","value":"' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes("$i")) + '"}'
                $endpoint = $endpoints[$i % $endpoints.Count]
                try {
                    $reply = $client.PostAsync("$endpoint/v3/kv/put", [Net.Http.StringContent]::new($body)).GetAwaiter().GetResult()
                    $text = $reply.Content.ReadAsStringAsync().GetAwaiter().GetResult()
                    if ($reply.IsSuccessStatusCode -and $text -match '"header"') { $state.Acked.Enqueue($name) }
                    else { $state.Errors++; $state.LastError = "$endpoint $([int]$reply.StatusCode) $text" }
                }
                catch { $state.Errors++; $state.LastError = "$endpoint $($_.Exception.GetBaseException().Message)"; continue }
                # The next tick: a steady rate, not as fast as the cluster answers.
                $wait = [TimeSpan]::FromTicks($interval.Ticks * $i) - $clock.Elapsed
                if ($wait -gt [TimeSpan]::Zero) { Start-Sleep -Milliseconds ([int][Math]::Ceiling($wait.TotalMilliseconds)) }
            }
            $client.Dispose()
        })
    $iss = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
    $iss.Commands.Add([Management.Automation.Runspaces.SessionStateFunctionEntry]::new('New-WriteLoadClient', ${function:New-WriteLoadClient}.ToString()))
    $ps.Runspace = [runspacefactory]::CreateRunspace($iss)
    $ps.Runspace.Open()
    $null = $ps.AddParameters(@{
            state = $state; endpoints = [string[]]$Endpoint; ca = $CertificateSet.CaCertificatePath
            cert = $CertificateSet.ClientCertificatePath; key = $CertificateSet.ClientKeyPath; rate = $Rate; prefix = $Prefix
        })
    [pscustomobject]@{
        PowerShell = $ps; Handle = $ps.BeginInvoke(); State = $state; Prefix = $Prefix; Endpoint = $Endpoint; CertificateSet = $CertificateSet; Rate = $Rate
    }
}

# An HttpClient that presents the client certificate and trusts only the given CA (no callback: none can run off the runspace's thread).
function New-WriteLoadClient([string] $Ca, [string] $Cert, [string] $Key) {
    $handler = [Net.Http.SocketsHttpHandler]::new()
    $policy = [Security.Cryptography.X509Certificates.X509ChainPolicy]::new()
    $policy.TrustMode = [Security.Cryptography.X509Certificates.X509ChainTrustMode]::CustomRootTrust
    $policy.RevocationMode = [Security.Cryptography.X509Certificates.X509RevocationMode]::NoCheck
    # Every CA in the file (a bundle of two during a CA rotation), not only the first.
    $policy.CustomTrustStore.ImportFromPem([IO.File]::ReadAllText($Ca))
    $handler.SslOptions.CertificateChainPolicy = $policy
    $handler.SslOptions.ClientCertificates = [Security.Cryptography.X509Certificates.X509CertificateCollection]::new()
    $null = $handler.SslOptions.ClientCertificates.Add([Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile($Cert, $Key))
    $handler.ConnectTimeout = [TimeSpan]::FromSeconds(1)
    $client = [Net.Http.HttpClient]::new($handler)
    $client.Timeout = [TimeSpan]::FromSeconds(3)
    $client
}

function Stop-EtcdWriteLoad {
    param([Parameter(Mandatory, Position = 0)] $Load, [string[]] $ReadEndpoint = $Load.Endpoint)
    $Load.State.Stop = $true
    $null = $Load.Handle.AsyncWaitHandle.WaitOne([TimeSpan]::FromSeconds(10))
    $Load.State.Stopped = [DateTime]::UtcNow
    $failure = $Load.PowerShell.Streams.Error | Select-Object -First 1
    $Load.PowerShell.Dispose()
    $acked = @($Load.State.Acked.ToArray())

    # Everything under the prefix, linearizable (through the leader), from the first endpoint that answers.
    $client = New-WriteLoadClient -Ca $Load.CertificateSet.CaCertificatePath -Cert $Load.CertificateSet.ClientCertificatePath -Key $Load.CertificateSet.ClientKeyPath
    $b64 = { param($s) [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($s)) }
    $end = $Load.Prefix.Substring(0, $Load.Prefix.Length - 1) + [char]([int][char]$Load.Prefix[-1] + 1)
    $body = '{"key":"' + (& $b64 $Load.Prefix) + '","range_end":"' + (& $b64 $end) + '","keys_only":true}'
    $present = $null; $readErrors = @()
    foreach ($endpoint in $ReadEndpoint) {
        try {
            $reply = $client.PostAsync("$endpoint/v3/kv/range", [Net.Http.StringContent]::new($body)).GetAwaiter().GetResult()
            if (-not $reply.IsSuccessStatusCode) { $readErrors += "$endpoint $([int]$reply.StatusCode)"; continue }
            $json = $reply.Content.ReadAsStringAsync().GetAwaiter().GetResult() | ConvertFrom-Json
            $present = [Collections.Generic.HashSet[string]]::new()
            foreach ($kv in @($json.kvs)) { if ($kv) { $null = $present.Add([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($kv.key))) } }
            break
        }
        catch { $readErrors += "$endpoint $($_.Exception.GetBaseException().Message)" }
    }
    $client.Dispose()
    if ($null -eq $present) { throw "The write load could not read its keys back: $($readErrors -join '; ')" }
    $lost = @($acked | Where-Object { -not $present.Contains($_) })
    $seconds = ($Load.State.Stopped - $Load.State.Started).TotalSeconds
    [pscustomobject]@{
        Acked     = $acked.Count
        Lost      = $lost.Count
        Errors    = $Load.State.Errors
        LastError = $Load.State.LastError
        Rate      = [Math]::Round($acked.Count / [Math]::Max($seconds, 0.001), 1)
        Seconds   = [Math]::Round($seconds, 1)
        LostKeys  = $lost
        Failure   = $failure
    }
}
