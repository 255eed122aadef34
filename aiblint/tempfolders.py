"""The temporary folders of a run, all in one private run folder that the run removes.

ShellCheck and PSScriptAnalyzer read copies of the scripts (which may hold secrets) from
temporary folders. Each use removes its own folder (``finally``), but a ``-j`` worker that dies
runs no ``finally`` (SIGKILL, the OOM killer, a rule plugin calling ``os._exit``): its folders
stayed in ``$TMPDIR``. While :func:`run` lasts (a :func:`~aiblint.run.lint_paths` call), every
folder :func:`folder` makes is inside one run folder (``aiblint-run-*``, mode 0700, made at the
first use: a run that writes no temporary file makes none). Forked workers inherit it (the
main process makes it before it forks them: :func:`shared`; a spawned pool's workers are given
it: :func:`adopt`), and the process that made it removes it whole when its run ends, however it
ends (an exception, SIGTERM unwinding through :mod:`aiblint.termination`). A worker whose parent
died (and so never removes it) removes it once its own folders are gone, if it is then empty
(:func:`orphaned`). Outside a run (the language server lints one file at a time in its own
process), a folder is made in ``$TMPDIR`` as before.

The state is the process's, not a thread's: runs happen one at a time in a process (the tools
started ahead, :data:`aiblint.scripts.analyzers.AHEAD`, are the process's too); a run inside a
run (:func:`run` nested) uses the outer one's folder.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import TYPE_CHECKING

from aiblint.termination import held

if TYPE_CHECKING:
    from tempfile import TemporaryDirectory

PREFIX = "aiblint-run-"
#: :func:`run` blocks open in :data:`_owner` (a forked worker inherits its parent's count).
_runs = 0
#: The process whose run it is: the only one that makes and removes the run folder.
_owner = 0
#: The run folder, once made.
_folder: str | None = None


@contextlib.contextmanager
def run() -> Iterator[None]:
    """While the block runs, :func:`folder` makes its folders in the run folder, which is
    removed when the outermost block of the process that made it ends."""
    global _runs, _owner
    if _runs and _owner != os.getpid():  # a worker inside its parent's run: the parent's folder
        yield
        return
    _runs += 1
    _owner = os.getpid()
    try:
        yield
    finally:
        _runs -= 1
        if not _runs:
            _remove()


def folder(prefix: str) -> TemporaryDirectory[str]:
    """A new temporary folder (mode 0700), in the run folder while a run lasts."""
    import tempfile

    return tempfile.TemporaryDirectory(prefix=prefix, dir=shared())


def shared() -> str | None:
    """The run folder, made now if this process runs and has none yet (before workers are
    forked: what they make goes there); ``None`` outside a run, or in a worker whose parent
    made none (its folders then go to ``$TMPDIR``, as outside a run)."""
    global _folder
    if _folder is None and _runs and _owner == os.getpid():
        import tempfile

        with held():  # made and recorded, or not made: a SIGTERM between would leave it behind
            _folder = tempfile.mkdtemp(prefix=PREFIX)
    return _folder


def adopt(made: str | None, owner: int) -> None:
    """In a spawned worker (which inherits nothing): the run folder ``owner`` made."""
    global _runs, _owner, _folder
    _runs, _owner, _folder = 1, owner, made


def orphaned() -> None:
    """In a worker ending because its parent died: the run folder, if it is now empty (each
    worker calls this after its own folders are gone, so the last one to end removes it)."""
    if _folder is not None and _owner != os.getpid() and os.getppid() != _owner:
        with contextlib.suppress(OSError):
            os.rmdir(_folder)


def _remove() -> None:
    global _folder
    if _folder is None:
        return
    with held():  # removed and forgotten whole, even when a SIGTERM comes meanwhile
        made, _folder = _folder, None
        import shutil

        shutil.rmtree(made, ignore_errors=True)
