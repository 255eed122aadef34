"""Shared test helpers. Tests that read ../shared skip when it is absent."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiblint.findings import Finding

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("AIBLINT_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
WILD = SHARED / "reference" / "wild-examples"


def need_shared() -> Path:
    if not CORPUS.is_dir():
        pytest.skip("../shared is not here (a user's clone); CI always has it")
    return SHARED


def run_cli(*args: str, cwd: Path | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[str]:
    """Run the installed console script for real."""
    command = [sys.executable, "-m", "aiblint", *args]
    return subprocess.run(
        command, cwd=cwd, input=stdin.decode() if stdin is not None else None,
        capture_output=True, text=True, timeout=120,
    )


def main_in_process(*args: str) -> tuple[int, str]:
    """Call the CLI's main() in this process (fast), capturing stdout."""
    from aiblint.cli import main

    out = io.StringIO()
    code = main(list(args), stdout=out)
    return code, out.getvalue()


def json_findings(*args: str) -> list[dict[str, object]]:
    code, out = main_in_process("--format", "json", *args)
    assert code in (0, 1), out
    return json.loads(out)["findings"]  # type: ignore[no-any-return]


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a file under tmp_path and return its path."""

    def _write(name: str, text: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return path

    return _write


@pytest.fixture(autouse=True, scope="session")
def _session_cache_folder(tmp_path_factory: pytest.TempPathFactory) -> None:
    """aiblint's caches (plugin listing, lint results) go to a folder of this
    test session, never the user's: a stale user cache cannot decide a test."""
    os.environ["AIBLINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("aiblint-cache"))


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test runs in its own folder so no configuration file leaks in."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The display paths the rules were run on (a cache hit runs none)."""
    from aiblint.engine import Linter

    linted: list[str] = []
    original = Linter.lint_bytes

    def spy(self: Linter, data: bytes, display: str, explicit: bool = True) -> tuple[list[Finding], int]:
        linted.append(display)
        return original(self, data, display, explicit)

    monkeypatch.setattr(Linter, "lint_bytes", spy)
    yield linted
