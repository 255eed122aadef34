"""Stand-ins for external programs (shellcheck, pwsh), put first on PATH."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest


def put_on_path(monkeypatch: pytest.MonkeyPatch, folder: Path, name: str, text: str) -> Path:
    """An executable ``name`` with the script ``text`` (shebang included), found first on PATH."""
    folder.mkdir(parents=True, exist_ok=True)
    program = folder / name
    program.write_text(text)
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")
    return program
