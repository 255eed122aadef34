"""SIGTERM unwinds a run even where Python cannot raise its exception."""

from __future__ import annotations

import os
import signal
import time

import pytest

from aiblint.termination import EXIT_TERMINATED, Terminated, sigterm_unwinds


class DropsItsSigterm:
    """SIGTERM arrives while a finalizer runs: Python prints the handler's exception
    and drops it (as it does in any ``__del__`` the garbage collector calls)."""

    def __del__(self) -> None:
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # interrupted at once: the handler runs here


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # the drop itself, expected
def test_a_sigterm_whose_exception_was_dropped_still_ends_the_block() -> None:
    """A -j worker that lost its SIGTERM this way went on to send its result to a
    broken pool's executor, which no longer reads, and blocked the run forever."""
    before = signal.getsignal(signal.SIGTERM)  # (SIG_DFL, or fuzz.targets' clean-up when a fuzz test ran here first)
    started = time.monotonic()
    with pytest.raises(Terminated) as ended, sigterm_unwinds():
        DropsItsSigterm()  # no reference kept: finalized at once
    assert ended.value.code == EXIT_TERMINATED
    assert time.monotonic() - started < 4
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_block_without_sigterm_ends_normally_after_one_that_had_it() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(Terminated), sigterm_unwinds():
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)
    with sigterm_unwinds():
        pass
    assert signal.getsignal(signal.SIGTERM) is before
