<#
.SYNOPSIS
    Turns docs/about_*.md into the plain-text about topics Get-Help reads (en-US/about_*.help.txt).
.DESCRIPTION
    The Markdown is the small subset the about topics use: '# about_Name' first, '## SECTION' and
    '### Subsection' headings, paragraphs, '- ' lists, ``` fences and tables. Text is wrapped at -Width
    columns; a table becomes one entry per row (the first cell, then 'Header: text' for the others), because
    columns do not fit a console. Anything else, or a table row with the wrong number of cells, fails the build.
#>
param(
    [Parameter(Mandatory)] [string] $DocsPath,
    [Parameter(Mandatory)] [string] $OutPath,
    [int] $Width = 80
)
$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

function Convert-Inline([string] $text) {
    ($text -replace '\*\*([^*]+)\*\*', '$1' -replace '`([^`]+)`', '$1' -replace '\\\|', '|').Trim()
}

# Wraps words to the width: the first line after $first, the others after $rest (both are indents).
function Format-Wrapped([string] $text, [string] $first = '', [string] $rest = $first) {
    $lines = [System.Collections.Generic.List[string]]::new()
    $line = $first
    $empty = $true
    foreach ($word in ($text -split '\s+' | Where-Object { $_ })) {
        if (-not $empty -and $line.Length + 1 + $word.Length -gt $Width) {
            $lines.Add($line)
            $line = $rest + $word
        }
        else { $line = if ($empty) { $line + $word } else { "$line $word" } }
        $empty = $false
    }
    if (-not $empty) { $lines.Add($line) }
    $lines
}

function Split-Row([string] $line, [string] $at) {
    $inner = $line.Trim()
    if (-not ($inner.StartsWith('|') -and $inner.EndsWith('|'))) { throw "${at}: a table row must start and end with '|'." }
    $inner = $inner.Substring(1, $inner.Length - 2)
    @([regex]::Split($inner, '(?<!\\)\|') | ForEach-Object { Convert-Inline $_ })
}

# Groups the lines into blocks (heading, paragraph, list item, code, table), then renders each.
function Get-Block([string] $file, [string[]] $source) {
    $blocks = [System.Collections.Generic.List[object]]::new()
    $current = $null
    for ($i = 1; $i -lt $source.Count; $i++) {
        $line = $source[$i]
        $at = "${file}:$($i + 1)"
        if ($line -match '^```') {
            $code = [System.Collections.Generic.List[string]]::new()
            for ($i++; $i -lt $source.Count -and $source[$i] -notmatch '^```\s*$'; $i++) { $code.Add($source[$i]) }
            if ($i -ge $source.Count) { throw "${at}: the code fence is not closed." }
            $blocks.Add([pscustomobject]@{ Kind = 'Code'; Lines = $code }); $current = $null
        }
        elseif ($line -match '^(##|###) (.+)$') { $blocks.Add([pscustomobject]@{ Kind = $Matches[1]; Text = Convert-Inline $Matches[2] }); $current = $null }
        elseif ($line -match '^#') { throw "${at}: only '## ' and '### ' headings may follow the title." }
        elseif ($line -match '^\|') {
            $header = Split-Row $line $at
            if ($i + 1 -ge $source.Count -or $source[$i + 1] -notmatch '^\|(\s*:?-+:?\s*\|)+\s*$') { throw "${at}: a table needs a '|---|' line under its header." }
            $rows = [System.Collections.Generic.List[object]]::new()
            for ($i += 2; $i -lt $source.Count -and $source[$i] -match '^\|'; $i++) {
                $cells = Split-Row $source[$i] "${file}:$($i + 1)"
                if ($cells.Count -ne $header.Count) { throw "${file}:$($i + 1): $($cells.Count) cells, but the header has $($header.Count)." }
                $rows.Add($cells)
            }
            $i--
            $blocks.Add([pscustomobject]@{ Kind = 'Table'; Header = $header; Rows = $rows }); $current = $null
        }
        elseif ($line -match '^- (.*)$') { $current = [pscustomobject]@{ Kind = 'Item'; Text = $Matches[1] }; $blocks.Add($current) }
        elseif ($line.Trim() -eq '') { $current = $null }
        elseif ($null -ne $current -and ($current.Kind -eq 'Paragraph' -or $line -match '^\s')) { $current.Text += ' ' + $line.Trim() }
        else { $current = [pscustomobject]@{ Kind = 'Paragraph'; Text = $line.Trim() }; $blocks.Add($current) }
    }
    $blocks
}

function Convert-AboutTopic([string] $file) {
    $source = @(Get-Content $file)
    if ($source.Count -eq 0 -or $source[0] -notmatch '^# (about_\w+)\s*$') { throw "${file}:1: an about topic starts with '# about_Name'." }
    $name = $Matches[1]
    if ($name + '.md' -ne (Split-Path $file -Leaf)) { throw "${file}:1: the topic '$name' must be in $name.md." }
    $out = [System.Collections.Generic.List[string]]::new()
    $out.Add('TOPIC'); $out.Add("    $name")
    $previous = ''
    foreach ($block in (Get-Block $file $source)) {
        # A heading's text follows it directly, list items stay together; other blocks are set off by a blank line.
        if (-not (($block.Kind -eq 'Item' -and $previous -eq 'Item') -or $previous -in '##', '###')) { $out.Add('') }
        switch ($block.Kind) {
            '##' { $out.Add($block.Text.ToUpperInvariant()) }
            '###' { $out.Add($block.Text); $out.Add('-' * $block.Text.Length) }
            'Paragraph' { $out.AddRange([string[]](Format-Wrapped (Convert-Inline $block.Text))) }
            'Item' { $out.AddRange([string[]](Format-Wrapped (Convert-Inline $block.Text) '- ' '  ')) }
            'Code' { foreach ($l in $block.Lines) { $out.Add(('    ' + $l).TrimEnd()) } }
            'Table' {
                for ($r = 0; $r -lt $block.Rows.Count; $r++) {
                    $cells = $block.Rows[$r]
                    if ($r -gt 0) { $out.Add('') }
                    $out.Add($cells[0])
                    for ($c = 1; $c -lt $cells.Count; $c++) { $out.AddRange([string[]](Format-Wrapped "$($block.Header[$c]): $($cells[$c])" '    ' '        ')) }
                }
            }
        }
        $previous = $block.Kind
    }
    $out
}

New-Item -ItemType Directory -Force $OutPath | Out-Null
$topics = @(Get-ChildItem $DocsPath -Filter 'about_*.md')
if ($topics.Count -eq 0) { throw "No about_*.md in $DocsPath." }
foreach ($topic in $topics) {
    $target = Join-Path $OutPath ($topic.BaseName + '.help.txt')
    $text = (Convert-AboutTopic $topic.FullName) -join "`n"
    [IO.File]::WriteAllText($target, $text + "`n", [Text.UTF8Encoding]::new($false))
    Write-Verbose "$($topic.Name) -> $target"
}
