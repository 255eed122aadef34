#!/bin/bash
# In-VM validation: fail the build when the baseline did not apply.
set -euo pipefail

test -f /opt/image-factory/build-info
dpkg -s unattended-upgrades >/dev/null
systemctl is-enabled auditd >/dev/null
echo "validation passed"
