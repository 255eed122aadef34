<#
.SYNOPSIS
    Sets the system locale and time zone for images used in Japan.
#>
$ErrorActionPreference = 'Stop'

Set-WinSystemLocale -SystemLocale 'ja-JP'
Set-TimeZone -Id 'Tokyo Standard Time'
Write-Output 'Locale set to ja-JP (日本語)'
