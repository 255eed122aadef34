#!/bin/bash
# Baseline for RHEL-family images from the marketplace (pay-as-you-go, no subscription-manager).
set -euo pipefail

sudo dnf -y makecache
sudo dnf -y upgrade --security
sudo dnf -y install audit chrony
sudo systemctl enable auditd chronyd
