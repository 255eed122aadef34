<#
.SYNOPSIS
    In-VM validation for the Windows image: fails when the tooling is missing.
#>
$ErrorActionPreference = 'Stop'

if (-not (Test-Path -Path 'C:\ImageFactory\build-info.txt')) {
    throw 'C:\ImageFactory\build-info.txt is missing: Install-Apps.ps1 did not run'
}
Write-Output 'validation passed'
