<#
.SYNOPSIS
    Generates the module's MAML help from docs/<Verb-Noun>.md and the built cmdlets' parameter metadata.
.DESCRIPTION
    Each docs file has the sections '## SYNOPSIS', '## DESCRIPTION', '## EXAMPLES' (each example a
    '### title', a ```powershell fence and remarks after it), '## PARAMETERS' ('### -Name' then text)
    and optionally '## NOTES'. Syntax, types, positions and pipeline input are taken from the compiled
    cmdlets, so the help cannot drift from the code. A cmdlet without a docs file, or without an example,
    fails the build.
#>
param(
    [Parameter(Mandatory)] [string] $ModulePath,
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutFile
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Split-Sections([string] $text, [string] $marker) {
    $sections = [ordered]@{}
    $current = $null
    foreach ($line in $text -split "`r?`n") {
        if ($line -match "^$marker (.+)$") { $current = $Matches[1].Trim(); $sections[$current] = [Text.StringBuilder]::new(); continue }
        if ($null -ne $current) { [void]$sections[$current].AppendLine($line) }
    }
    $result = [ordered]@{}
    foreach ($k in $sections.Keys) { $result[$k] = $sections[$k].ToString().Trim() }
    $result
}

function Get-Paragraphs([string] $text) {
    @(($text -split "(`r?`n){2,}") | Where-Object { $_.Trim() } | ForEach-Object { ($_ -split "`r?`n" | ForEach-Object Trim) -join ' ' })
}

# Parameters shared by many cmdlets (the SSH ones) are documented once, in _common-parameters.md.
$commonDocsFile = Join-Path $DocsPath '_common-parameters.md'
$commonDocs = if (Test-Path $commonDocsFile) { Split-Sections (Get-Content $commonDocsFile -Raw) '###' } else { @{} }

$module = Import-Module $ModulePath -PassThru -Force
$commands = Get-Command -Module $module.Name -CommandType Cmdlet | Sort-Object Name
$common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters

$settings = [Xml.XmlWriterSettings]@{ Indent = $true; Encoding = [Text.UTF8Encoding]::new($false) }
New-Item -ItemType Directory -Force (Split-Path $OutFile) | Out-Null
$w = [Xml.XmlWriter]::Create($OutFile, $settings)
$ns = @{ maml = 'http://schemas.microsoft.com/maml/2004/10'; command = 'http://schemas.microsoft.com/maml/dev/command/2004/10'; dev = 'http://schemas.microsoft.com/maml/dev/2004/10' }
function Para([string] $text) { $w.WriteStartElement('maml', 'para', $ns.maml); $w.WriteString($text); $w.WriteEndElement() }
function Description([string] $text) {
    $w.WriteStartElement('maml', 'description', $ns.maml)
    foreach ($p in (Get-Paragraphs $text)) { Para $p }
    $w.WriteEndElement()
}
function Write-Parameter($param, $set, $doc) {
    $attr = if ($set) { $set } else { $param.ParameterSets.Values | Select-Object -First 1 }
    $pipeline = @()
    if ($attr.ValueFromPipeline) { $pipeline += 'ByValue' }
    if ($attr.ValueFromPipelineByPropertyName) { $pipeline += 'ByPropertyName' }
    $w.WriteStartElement('command', 'parameter', $ns.command)
    $w.WriteAttributeString('required', ([string]$attr.IsMandatory).ToLowerInvariant())
    $w.WriteAttributeString('globbing', 'false')
    $w.WriteAttributeString('pipelineInput', $(if ($pipeline) { "True ($($pipeline -join ', '))" } else { 'False' }))
    $w.WriteAttributeString('position', $(if ($attr.Position -ge 0) { [string]$attr.Position } else { 'named' }))
    $w.WriteElementString('maml', 'name', $ns.maml, $param.Name)
    Description $doc
    $w.WriteStartElement('command', 'parameterValue', $ns.command)
    $w.WriteAttributeString('required', ($param.ParameterType -ne [System.Management.Automation.SwitchParameter]).ToString().ToLowerInvariant())
    $w.WriteString($param.ParameterType.Name)
    $w.WriteEndElement()
    $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $param.ParameterType.FullName); $w.WriteEndElement()
    $w.WriteEndElement()
}

$w.WriteStartDocument()
$w.WriteStartElement('helpItems'); $w.WriteAttributeString('schema', 'maml')
$missing = @()
foreach ($cmd in $commands) {
    $file = Join-Path $DocsPath "$($cmd.Name).md"
    if (-not (Test-Path $file)) { $missing += "$($cmd.Name): no $file"; continue }
    $doc = Split-Sections (Get-Content $file -Raw) '##'
    foreach ($required in 'SYNOPSIS', 'DESCRIPTION', 'EXAMPLES') {
        if (-not $doc.Contains($required) -or -not $doc[$required]) { $missing += "$($cmd.Name): section '## $required' is empty or missing" }
    }
    $paramDocs = if ($doc.Contains('PARAMETERS')) { Split-Sections $doc['PARAMETERS'] '###' } else { [ordered]@{} }
    foreach ($k in $commonDocs.Keys) { if (-not $paramDocs.Contains($k)) { $paramDocs[$k] = $commonDocs[$k] } }
    $examples = if ($doc.Contains('EXAMPLES')) { Split-Sections $doc['EXAMPLES'] '###' } else { @{} }
    if ($examples.Count -eq 0) { $missing += "$($cmd.Name): no '### ' example under '## EXAMPLES'" }
    $params = $cmd.Parameters.Values | Where-Object { $common -notcontains $_.Name }
    foreach ($p in $params) { if (-not $paramDocs.Contains("-$($p.Name)")) { $missing += "$($cmd.Name): parameter -$($p.Name) is not documented" } }

    $w.WriteStartElement('command', 'command', $ns.command)
    $w.WriteAttributeString('xmlns', 'maml', $null, $ns.maml)
    $w.WriteAttributeString('xmlns', 'command', $null, $ns.command)
    $w.WriteAttributeString('xmlns', 'dev', $null, $ns.dev)
    $w.WriteStartElement('command', 'details', $ns.command)
    $w.WriteElementString('command', 'name', $ns.command, $cmd.Name)
    $w.WriteElementString('command', 'verb', $ns.command, $cmd.Verb)
    $w.WriteElementString('command', 'noun', $ns.command, $cmd.Noun)
    Description ($doc['SYNOPSIS'])
    $w.WriteEndElement()
    Description ($doc['DESCRIPTION'])

    $w.WriteStartElement('command', 'syntax', $ns.command)
    foreach ($set in $cmd.ParameterSets) {
        $w.WriteStartElement('command', 'syntaxItem', $ns.command)
        $w.WriteElementString('maml', 'name', $ns.maml, $cmd.Name)
        foreach ($sp in $set.Parameters | Where-Object { $common -notcontains $_.Name }) {
            $full = $cmd.Parameters[$sp.Name]
            $attr = $full.ParameterSets[$set.Name]; if (-not $attr) { $attr = $full.ParameterSets['__AllParameterSets'] }
            Write-Parameter $full $attr ($paramDocs["-$($sp.Name)"])
        }
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'parameters', $ns.command)
    foreach ($p in $params) { Write-Parameter $p $null ($paramDocs["-$($p.Name)"]) }
    $w.WriteEndElement()

    $w.WriteStartElement('command', 'returnValues', $ns.command)
    foreach ($type in $cmd.OutputType) {
        $w.WriteStartElement('command', 'returnValue', $ns.command)
        $w.WriteStartElement('dev', 'type', $ns.dev); $w.WriteElementString('maml', 'name', $ns.maml, $type.Name); $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()

    if ($doc.Contains('NOTES') -and $doc['NOTES']) {
        $w.WriteStartElement('maml', 'alertSet', $ns.maml); $w.WriteStartElement('maml', 'alert', $ns.maml)
        foreach ($p in (Get-Paragraphs $doc['NOTES'])) { Para $p }
        $w.WriteEndElement(); $w.WriteEndElement()
    }

    $w.WriteStartElement('command', 'examples', $ns.command)
    foreach ($title in $examples.Keys) {
        $body = $examples[$title]
        $code = if ($body -match '(?s)```(?:powershell)?\s*\r?\n(.*?)\r?\n```') { $Matches[1] } else { '' }
        if (-not $code) { $missing += "$($cmd.Name): example '$title' has no code fence" }
        $remarks = ($body -replace '(?s)```.*?```', '').Trim()
        $w.WriteStartElement('command', 'example', $ns.command)
        $w.WriteElementString('maml', 'title', $ns.maml, "-------------------------- $title --------------------------")
        $w.WriteElementString('dev', 'code', $ns.dev, $code)
        $w.WriteStartElement('dev', 'remarks', $ns.dev)
        foreach ($p in (Get-Paragraphs $remarks)) { Para $p }
        $w.WriteEndElement()
        $w.WriteEndElement()
    }
    $w.WriteEndElement()
    $w.WriteEndElement()
}
$w.WriteEndElement()
$w.WriteEndDocument()
$w.Close()

if ($missing) {
    Remove-Item $OutFile -Force
    throw "Help is incomplete:`n  " + ($missing -join "`n  ")
}
Write-Host "Help: $($commands.Count) cmdlets -> $OutFile"
