#!/bin/bash
# Baseline hardening for the Ubuntu build VM (runs as the packer user; root work uses sudo).
set -euo pipefail

export DEBIAN_FRONTEND=noninteractive

sudo apt-get update -y
sudo apt-get upgrade -y
sudo apt-get install -y --no-install-recommends ca-certificates curl jq unattended-upgrades

# Keep security updates flowing on VMs built from this image.
echo 'APT::Periodic::Unattended-Upgrade "1";' | sudo tee /etc/apt/apt.conf.d/51image-factory >/dev/null

sudo mkdir -p /opt/image-factory
echo "built $(date -u +%Y-%m-%dT%H:%M:%SZ)" | sudo tee /opt/image-factory/build-info >/dev/null
