<#
.SYNOPSIS
    A minimal static HTTP server for the lab: serves a directory (the etcd release archives) read-only,
    in the layout of the official release downloads, and logs one line per request.
.DESCRIPTION
    Started in the background by Lab.ps1 (which records its PID and stops it on Down). Only .NET's
    HttpListener is used, so it runs wherever PowerShell 7 runs. Requests are served one at a time,
    which is plenty for a lab. Log lines: "<utc time> <method> <path> <status> <bytes>", so tests can
    count requests (e.g. to prove a cache hit made no download); the line is written before the response.
#>
param(
    [Parameter(Mandatory)] [string] $Root,
    [Parameter(Mandatory)] [string] $Prefix,   # e.g. http://10.231.0.1:8080/
    [Parameter(Mandatory)] [string] $LogPath
)
$ErrorActionPreference = 'Stop'
$rootFull = [IO.Path]::GetFullPath($Root).TrimEnd('/') + '/'
# The bridge's address may still be settling right after a lab went down and up again (once seen: Start threw
# "Value cannot be null"): try again for a few seconds before giving up.
for ($attempt = 1; ; $attempt++) {
    $listener = [System.Net.HttpListener]::new()
    $listener.Prefixes.Add($Prefix)
    try { $listener.Start(); break }
    catch {
        $listener.Close()
        if ($attempt -ge 20) { throw }
        [Console]::Out.WriteLine("ReleaseServer: cannot listen on $Prefix yet ($($_.Exception.Message)); retrying")
        Start-Sleep -Milliseconds 250
    }
}
[Console]::Out.WriteLine("ReleaseServer: serving $rootFull on $Prefix")

function Write-RequestLog([string] $Method, [string] $Path, [int] $Status, [long] $Bytes) {
    $line = "{0:o} {1} {2} {3} {4}" -f [DateTime]::UtcNow, $Method, $Path, $Status, $Bytes
    [IO.File]::AppendAllText($LogPath, $line + "`n")
}

while ($listener.IsListening) {
    $context = $listener.GetContext()
    $request = $context.Request
    $response = $context.Response
    $path = [Uri]::UnescapeDataString($request.Url.AbsolutePath)
    $file = $null
    try {
        $full = [IO.Path]::GetFullPath((Join-Path $rootFull $path.TrimStart('/')))
        $status = 404
        if ($request.HttpMethod -notin 'GET', 'HEAD') { $status = 405 }
        elseif ($full.StartsWith($rootFull, [StringComparison]::Ordinal) -and [IO.File]::Exists($full)) {
            $file = [IO.File]::OpenRead($full)
            $status = 200
        }
        # Logged before the response goes out: once a client has its answer, the line is there to count.
        Write-RequestLog $request.HttpMethod $path $status $(if ($file) { $file.Length } else { 0 })
        $response.StatusCode = $status
        if ($file) {
            $response.ContentType = 'application/octet-stream'
            $response.ContentLength64 = $file.Length
            if ($request.HttpMethod -eq 'GET') { $file.CopyTo($response.OutputStream) }
        }
    }
    catch {
        # A client that hangs up mid-transfer must not stop the server.
        [Console]::Error.WriteLine("ReleaseServer: $path : $($_.Exception.Message)")
    }
    finally {
        if ($file) { $file.Dispose() }
        try { $response.Close() } catch { $null = $_ }
    }
}
