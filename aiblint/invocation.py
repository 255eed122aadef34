"""One ``aiblint`` command line run inside this process, as a separate process
would run it: :func:`invoke` takes the arguments, the working folder, the
environment and standard input, and gives back the exit code and the bytes
written to standard output and standard error.

This is the entry point for a resident process (a server answering clients):
it sits on top of :mod:`aiblint.cli`, which sits on top of the run
(:func:`aiblint.run.lint_paths`); nothing below imports it. For the length of
a call, the process's working folder, environment and standard streams are the
caller's, so calls run one at a time, in the main thread (the command installs
a SIGTERM handler while it lints).
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple


class Invocation(NamedTuple):
    """What a command line run gave: its exit code and its output, as bytes."""

    exit_code: int
    stdout: bytes
    stderr: bytes


def invoke(argv: Sequence[str], cwd: str | Path, env: Mapping[str, str], stdin: bytes = b"") -> Invocation:
    """Run ``aiblint *argv`` in ``cwd`` with ``env`` as the whole environment and
    ``stdin`` as standard input. Standard output and standard error are written
    as the interpreter writes them to a pipe (UTF-8; errors escaped on standard
    error). An exception that is a bug in aiblint is raised to the caller, with
    everything restored."""
    from aiblint.cli import main

    out, err = io.BytesIO(), io.BytesIO()
    stdout = io.TextIOWrapper(out, encoding="utf-8", errors="strict", write_through=True)
    stderr = io.TextIOWrapper(err, encoding="utf-8", errors="backslashreplace", write_through=True)
    source = io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8")
    with _inside(cwd, env), _streams(stdout, stderr, source):
        try:
            code = main(list(argv), stdout=stdout)
        except SystemExit as exit_:  # --help, --version: argparse exits
            code = _exit_code(exit_.code, stderr)
        stdout.flush()
        stderr.flush()
    return Invocation(code, out.getvalue(), err.getvalue())


def _exit_code(code: object, stderr: io.TextIOWrapper) -> int:
    """The exit code the interpreter would give for ``SystemExit(code)``."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    print(code, file=stderr)
    return 1


@contextlib.contextmanager
def _inside(cwd: str | Path, env: Mapping[str, str]) -> Iterator[None]:
    """The caller's working folder and environment, restored afterwards."""
    folder = os.getcwd()
    saved = dict(os.environ)
    os.chdir(cwd)
    try:
        os.environ.clear()
        os.environ.update(env)
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        os.chdir(folder)


@contextlib.contextmanager
def _streams(stdout: io.TextIOWrapper, stderr: io.TextIOWrapper, stdin: io.TextIOWrapper) -> Iterator[None]:
    saved = sys.stdin
    sys.stdin = stdin
    try:
        with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
            yield
    finally:
        sys.stdin = saved
