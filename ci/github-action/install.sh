#!/usr/bin/env bash
# The GitHub Action's install step (action.yml): aiblint from the action's own
# checkout into a virtual environment under RUNNER_TEMP, never into the runner's
# Python (PEP 668). Writes the environment's interpreter to GITHUB_OUTPUT.
set -euo pipefail
python="${INPUT_PYTHON:-}"
if [ -z "$python" ]; then
    for candidate in python3 python; do
        if command -v "$candidate" >/dev/null && "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
            python="$candidate"
            break
        fi
    done
fi
if [ -z "$python" ]; then
    echo "::error title=aiblint::no Python 3.10 or newer on PATH: run actions/setup-python before this action, or set its 'python' input"
    exit 2
fi
venv="$RUNNER_TEMP/aiblint-venv"
"$python" -m venv "$venv"
if [ -x "$venv/bin/python" ]; then bin="$venv/bin"; else bin="$venv/Scripts"; fi
"$bin/python" -m pip install --quiet --disable-pip-version-check "$GITHUB_ACTION_PATH"
echo "python=$bin/python" >> "$GITHUB_OUTPUT"
