#!/bin/bash
# Installs the monitoring agent from the distribution's own repository.
set -euo pipefail

AGENT_PACKAGE="${AGENT_PACKAGE:-auditd}"

sudo apt-get install -y "$AGENT_PACKAGE"
sudo systemctl enable "$AGENT_PACKAGE"
