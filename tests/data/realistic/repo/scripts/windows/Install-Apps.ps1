<#
.SYNOPSIS
    Installs the line-of-business tooling on the Windows build VM.
#>
[CmdletBinding()]
param()

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version Latest

$features = @('RSAT-AD-PowerShell', 'RSAT-DNS-Server')
foreach ($feature in $features) {
    Write-Output "Installing $feature"
    Install-WindowsFeature -Name $feature -IncludeManagementTools | Out-Null
}

New-Item -ItemType Directory -Path 'C:\ImageFactory' -Force | Out-Null
Set-Content -Path 'C:\ImageFactory\build-info.txt' -Value ("built {0:u}" -f (Get-Date).ToUniversalTime())
