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
    native gRPC API (etcdserverpb.KV/Put over HTTP/2, with the set's client certificate, trusting only its CA),
    taking the endpoints in turn; a put that fails or times out is counted as an error and the next one goes to the
    next endpoint. Every put etcd acknowledged (grpc-status 0 and a reply) is recorded; Stop reads the whole prefix
    back with a linearizable range and reports each acknowledged key that is missing. Why gRPC: every etcd serves
    it (Debian's 3.4.23 build serves no JSON gateway at all, and any member may turn the gateway off). Why not
    etcdctl: one process for the whole run, not one per write (50 process starts a second would load the machine
    more than the cluster), and the acknowledgement is the reply itself, recorded the moment it arrives. Why not
    the module's own client: its transport is internal to the module, and the load must not share code with what
    it checks. The few protobuf fields it needs (PutRequest key/value; RangeRequest key/range_end/keys_only;
    RangeResponse kvs[].key) are written and read by hand below.
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
                # PutRequest{key=1, value=2}, built in place (key and value are far below 128 bytes: one-byte lengths).
                $k = [Text.Encoding]::UTF8.GetBytes($name); $v = [Text.Encoding]::UTF8.GetBytes("$i")
                $body = [byte[]]::new(4 + $k.Length + $v.Length)
                $body[0] = 0x0A; $body[1] = $k.Length; [Array]::Copy($k, 0, $body, 2, $k.Length)
                $o = 2 + $k.Length; $body[$o] = 0x12; $body[$o + 1] = $v.Length; [Array]::Copy($v, 0, $body, $o + 2, $v.Length)
                $endpoint = $endpoints[$i % $endpoints.Count]
                try {
                    $reply = Invoke-WriteLoadGrpc -Client $client -Endpoint $endpoint -Method 'etcdserverpb.KV/Put' -Message $body
                    if ($reply.Status -eq '0' -and $reply.Message.Count -gt 0) { $state.Acked.Enqueue($name) }
                    else { $state.Errors++; $state.LastError = "$endpoint grpc-status $($reply.Status) $($reply.Text)" }
                }
                catch { $state.Errors++; $state.LastError = "$endpoint $($_.Exception.GetBaseException().Message)"; continue }
                # The next tick: a steady rate, not as fast as the cluster answers.
                $wait = [TimeSpan]::FromTicks($interval.Ticks * $i) - $clock.Elapsed
                if ($wait -gt [TimeSpan]::Zero) { Start-Sleep -Milliseconds ([int][Math]::Ceiling($wait.TotalMilliseconds)) }
            }
            $client.Dispose()
        })
    $iss = [Management.Automation.Runspaces.InitialSessionState]::CreateDefault()
    foreach ($f in 'New-WriteLoadClient', 'ConvertTo-ProtoField', 'ConvertTo-ProtoVarint', 'Invoke-WriteLoadGrpc') {
        $iss.Commands.Add([Management.Automation.Runspaces.SessionStateFunctionEntry]::new($f, (Get-Item "function:$f").ScriptBlock.ToString()))
    }
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

# A protobuf varint (7 bits a byte, low first).
function ConvertTo-ProtoVarint([uint64] $Value) {
    $bytes = [Collections.Generic.List[byte]]::new()
    do {
        $b = [byte]($Value -band 0x7F); $Value = $Value -shr 7
        if ($Value -ne 0) { $b = $b -bor 0x80 }
        $bytes.Add($b)
    } while ($Value -ne 0)
    , [byte[]]$bytes.ToArray()
}

# One protobuf field: bytes (wire type 2), or with -Varint a number (wire type 0).
function ConvertTo-ProtoField([int] $Number, [byte[]] $Bytes, [Nullable[uint64]] $Varint) {
    if ($null -ne $Varint) { return , [byte[]]((ConvertTo-ProtoVarint ([uint64]($Number -shl 3))) + (ConvertTo-ProtoVarint $Varint)) }
    , [byte[]]((ConvertTo-ProtoVarint ([uint64](($Number -shl 3) -bor 2))) + (ConvertTo-ProtoVarint $Bytes.Length) + $Bytes)
}

# One unary gRPC call over HTTP/2: the message framed (no compression, 4-byte big-endian length), the reply's
# message and grpc-status (from the trailers, or the headers of a trailers-only reply).
function Invoke-WriteLoadGrpc($Client, [string] $Endpoint, [string] $Method, [byte[]] $Message) {
    $frame = [byte[]]::new(5 + $Message.Length)
    $frame[1] = [byte](($Message.Length -shr 24) -band 0xFF); $frame[2] = [byte](($Message.Length -shr 16) -band 0xFF)
    $frame[3] = [byte](($Message.Length -shr 8) -band 0xFF); $frame[4] = [byte]($Message.Length -band 0xFF)
    [Array]::Copy($Message, 0, $frame, 5, $Message.Length)
    $request = [Net.Http.HttpRequestMessage]::new([Net.Http.HttpMethod]::Post, "$Endpoint/$Method")
    $request.Version = [Net.HttpVersion]::Version20
    $request.VersionPolicy = [Net.Http.HttpVersionPolicy]::RequestVersionExact
    $request.Content = [Net.Http.ByteArrayContent]::new($frame)
    $request.Content.Headers.ContentType = [Net.Http.Headers.MediaTypeHeaderValue]::new('application/grpc')
    $null = $request.Headers.TryAddWithoutValidation('te', 'trailers')
    $reply = $Client.SendAsync($request).GetAwaiter().GetResult()
    $data = $reply.Content.ReadAsByteArrayAsync().GetAwaiter().GetResult()
    $status = $null; $text = ''; $values = $null
    if ($reply.TrailingHeaders.TryGetValues('grpc-status', [ref] $values)) { $status = @($values)[0] }
    elseif ($reply.Headers.TryGetValues('grpc-status', [ref] $values)) { $status = @($values)[0] }
    else { $status = "none (HTTP $([int]$reply.StatusCode))" }
    if ($status -ne '0') {
        foreach ($headers in $reply.TrailingHeaders, $reply.Headers) {
            if ($headers.TryGetValues('grpc-message', [ref] $values)) { $text = [Uri]::UnescapeDataString(@($values)[0]) }
        }
    }
    $body = [byte[]]::new([Math]::Max(0, $data.Length - 5))
    if ($body.Length -gt 0) { [Array]::Copy($data, 5, $body, 0, $body.Length) }
    $reply.Dispose()
    [pscustomobject]@{ Status = "$status"; Text = $text; Message = $body }
}

# The keys of a RangeResponse: field 2 (kvs, each a KeyValue whose field 1 is the key).
function Read-RangeKeys([byte[]] $Message) {
    $keys = [Collections.Generic.List[string]]::new()
    $read = {
        param([byte[]] $Buffer, [int] $Start, [int] $End, [scriptblock] $OnField)
        $p = $Start
        while ($p -lt $End) {
            $tag = [uint64]0; $shift = 0
            do { $b = $Buffer[$p++]; $tag = $tag -bor ([uint64]($b -band 0x7F) -shl $shift); $shift += 7 } while ($b -band 0x80)
            $wire = [int]($tag -band 7); $field = [int]($tag -shr 3)
            switch ($wire) {
                0 { do { $b = $Buffer[$p++] } while ($b -band 0x80) }
                1 { $p += 8 }
                5 { $p += 4 }
                2 {
                    $len = [uint64]0; $shift = 0
                    do { $b = $Buffer[$p++]; $len = $len -bor ([uint64]($b -band 0x7F) -shl $shift); $shift += 7 } while ($b -band 0x80)
                    & $OnField $field $p ([int]$len)
                    $p += [int]$len
                }
                default { throw "Unexpected protobuf wire type $wire in etcd's range reply." }
            }
        }
    }
    & $read $Message 0 $Message.Length {
        param($field, $at, $len)
        if ($field -ne 2) { return }
        & $read $Message $at ($at + $len) {
            param($f, $a, $l)
            if ($f -eq 1) { $keys.Add([Text.Encoding]::UTF8.GetString($Message, $a, $l)) }
        }
    }
    , $keys
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
    $end = $Load.Prefix.Substring(0, $Load.Prefix.Length - 1) + [char]([int][char]$Load.Prefix[-1] + 1)
    $body = (ConvertTo-ProtoField 1 ([Text.Encoding]::UTF8.GetBytes($Load.Prefix))) + (ConvertTo-ProtoField 2 ([Text.Encoding]::UTF8.GetBytes($end))) + (ConvertTo-ProtoField 8 -Varint 1)
    $present = $null; $readErrors = @()
    foreach ($endpoint in $ReadEndpoint) {
        try {
            $reply = Invoke-WriteLoadGrpc -Client $client -Endpoint $endpoint -Method 'etcdserverpb.KV/Range' -Message $body
            if ($reply.Status -ne '0') { $readErrors += "$endpoint grpc-status $($reply.Status) $($reply.Text)"; continue }
            $present = [Collections.Generic.HashSet[string]]::new([string[]](Read-RangeKeys $reply.Message))
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
