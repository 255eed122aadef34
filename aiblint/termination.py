"""How a run ends when it is told to stop: SIGTERM (a CI job cancelled, a
pre-commit hook interrupted by its runner, ``kill``).

By default SIGTERM ends a Python process at once: no ``finally`` runs, the
temporary folders that ShellCheck and PSScriptAnalyzer read script copies
from stay behind, and ``-j`` worker processes, whose parent no longer exists,
go on linting and writing cache entries. Instead, while a run lasts, SIGTERM
raises :class:`Terminated` in the main thread, so the stack unwinds through
every ``finally`` (a tool's process is killed, its folder removed) and the
workers are stopped; and each worker gets SIGTERM itself when its parent dies
however it died (Linux: ``PR_SET_PDEATHSIG``; elsewhere a thread that watches
the parent), so no worker outlives the run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time
from collections.abc import Iterator
from types import FrameType

#: 128 + the signal number, as a shell reports a process that SIGTERM ended.
EXIT_TERMINATED = 128 + 15
_PR_SET_PDEATHSIG = 1
#: Seconds between two looks at the parent (where the kernel cannot tell a worker).
_WATCH_SECONDS = 1.0


class Terminated(SystemExit):
    """SIGTERM arrived: unwind, then exit. A ``SystemExit``, so that no ``except
    Exception`` on the way takes it for a failure of one file, and a worker
    process that gets it while waiting for work exits without a traceback."""

    def __init__(self) -> None:
        super().__init__(EXIT_TERMINATED)


#: A SIGTERM arrived in the current ``sigterm_unwinds`` block. Kept because Python
#: cannot raise everywhere: a handler that runs inside ``__del__`` or a finalizer
#: has its exception printed and dropped, and the signal, ignored from then on,
#: would be lost (a ``-j`` worker then went on to block sending its result to an
#: executor that no longer reads).
_requested = False
#: Blocks of :func:`held` running now, and whether a SIGTERM waits for the last to end.
_holding = 0
_deferred = False


def _raise(signum: int, frame: FrameType | None) -> None:
    global _requested, _deferred
    _requested = True
    # Once: a second SIGTERM (a worker gets one from its parent and one when the parent
    # exits; a CI runner may repeat itself) must not cut the clean-up short.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if _holding:
        _deferred = True  # raised where the held block ends
        return
    raise Terminated


@contextlib.contextmanager
def held() -> Iterator[None]:
    """SIGTERM waits for the block to end (it is raised there): for a tool's process started
    and recorded where the unwinding finds it (or ended and forgotten), with no point between
    where :class:`Terminated` would leave it running with nobody to end it. (Not a blocked
    signal mask: a process started meanwhile would inherit it, and ignore SIGTERM.)"""
    global _holding, _deferred
    _holding += 1
    try:
        yield
    finally:
        _holding -= 1
        if _deferred and not _holding:
            _deferred = False
            raise Terminated


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """While the block runs, SIGTERM raises :class:`Terminated` in it (main thread only:
    Python runs signal handlers there; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    global _requested, _deferred
    _requested = _deferred = False
    previous = signal.signal(signal.SIGTERM, _raise)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
    if _requested:  # its exception was dropped where it was raised: end now all the same
        raise Terminated


def die_with_parent(parent: int) -> None:
    """For a worker process, first thing: it gets SIGTERM when ``parent`` dies.

    Outside a chunk (``sigterm_unwinds`` around the work) SIGTERM ends the worker at
    once: there is nothing to clean up, and a worker blocked sending its result to
    an executor that stopped reading (a sibling died: the pool is broken) would take
    a raised :class:`Terminated` for a failed send, try again and block forever."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    threading.Thread(target=_watch, args=(parent,), name="aiblint-parent-watch", daemon=True).start()


def _watch(parent: int) -> None:
    # Also covers a parent that died before the kernel was asked to tell (a race at start).
    while os.getppid() == parent:
        time.sleep(_WATCH_SECONDS)
    os.kill(os.getpid(), signal.SIGTERM)
