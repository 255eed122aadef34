"""The garbage collector during one lint command (``aiblint PATH...``).

A lint command first imports (its own modules, then the rules and front ends it needs: 15,000 to
25,000 objects that live as long as the process and make almost no garbage cycles), then lints,
building parsed trees with reference cycles, so the collector cannot simply be off. With CPython's
default (a young collection every 700 new objects) a one-template run made 47 collections, most of
them while importing, and a corpus run 259, whose full collections walked every imported object
again. So, during the command (:class:`Collector`):

* no collection until the run starts (:meth:`Collector.settle`): nothing to collect while importing;
* then what was imported is frozen (``gc.freeze``: never traversed again, nor written to, by a
  collection); while files are linted, the collector runs less often (:data:`aiblint.parallel.THRESHOLDS`);
* at the end, the collector is as the caller had it: enabled or not, and nothing left
  frozen by the run (a library caller, the language server and the test suite call
  :func:`aiblint.cli.main` in their own process);
* when the process exits, everything is frozen first (:func:`_freeze_at_exit`), so the interpreter's
  last collection does not walk and tear down every object left: the process is ending. Nothing of
  aiblint's relies on a finalizer at exit (files are closed and the report flushed by the command;
  temporary folders are removed by ``atexit`` hooks of their own).

Measured (issue 21, on fe8f37d, where files are already linted with aiblint.parallel's thresholds;
Python 3.11; CPU user+sys of the whole process, medians of runs alternated with the old code on a
shared machine; collections counted and timed by ``gc.callbacks``):

* one template (P1, ``--no-cache``, 9 runs): 128.1 -> 115.1 ms; 22 collections, 4.2 ms -> 9, 2.0 ms
  (5 of them before the command starts, importing :mod:`aiblint.cli`);
* the corpus (178 files, ``-j 1``, 3 runs): 1,203 -> 1,139 ms; 55 collections -> 41, but 33 -> 40-46
  ms of them: the one full collection now comes mid-run over the run's objects (17-21 ms) rather
  than early, over fewer (7 ms); the exit's collection skipped more than makes up for it;
* 1,000 corpus copies (1 run): 5,133 -> 4,808 ms.

Peak memory (the Python process's): P1 24.9 -> 25.0 MB, the corpus 43.7 -> 43.2 MB, 1,000 copies
78.2 -> 76.5 MB. Not done: freezing in ``-j`` workers after the fork (they inherit the frozen
imports; no difference measured on 801e64e).
"""

from __future__ import annotations

import atexit
import gc
from types import TracebackType


class Collector:
    """``with Collector() as collector:`` no collection until ``collector.settle()``; afterwards
    the collector's settings as they were before."""

    def __init__(self) -> None:
        self._enabled = gc.isenabled()
        self._froze = False
        self._settled = False

    def __enter__(self) -> Collector:
        gc.disable()
        return self

    def settle(self) -> None:
        """The imports are done and linting starts: freeze what they made, collect again."""
        if self._settled:
            return
        self._settled = True
        # Only when nothing is frozen yet: unfreezing at the end would also thaw a caller's own
        # freeze (the resident server freezes its warm heap before forking a request's child).
        if not heap_frozen and gc.get_freeze_count() == 0:
            gc.freeze()
            self._froze = True
        if self._enabled:
            gc.enable()
        _freeze_at_exit()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None) -> None:
        if self._froze:
            gc.unfreeze()
        if self._enabled:
            gc.enable()
        else:
            gc.disable()


def _freeze_at_exit() -> None:
    """Once per process: freeze every object at exit (before the interpreter's last collection)."""
    global _exit_hooked
    if not _exit_hooked:
        _exit_hooked = True
        atexit.register(gc.freeze)


_exit_hooked = False
#: Set by a process that froze its heap itself (the resident server, before it forks a request's
#: child): a command then knows that much without ``gc.get_freeze_count()``, which walks every
#: frozen object (1-2 ms in a warm server's child, for each request).
heap_frozen = False
