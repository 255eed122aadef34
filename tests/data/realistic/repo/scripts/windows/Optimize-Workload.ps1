<#
.SYNOPSIS
    Workload optimisation run by Image Builder (optimize.workload) before the image is captured.
#>
$ErrorActionPreference = 'Stop'

Get-ScheduledTask -TaskPath '\Microsoft\Windows\Defrag\' | Disable-ScheduledTask | Out-Null
Write-Output 'workload optimisation done'
