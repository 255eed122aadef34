"""aiblint.forkpool: tasks run in forked workers, results back in order, no worker left behind."""

from __future__ import annotations

import os
import signal
import sys

import pytest

if not hasattr(os, "fork"):
    pytest.skip("forked workers need fork (POSIX)", allow_module_level=True)

from aiblint.forkpool import LOST, forked


def _children() -> set[int]:
    """This process's children that have not been reaped (Linux /proc), else an empty set."""
    try:
        with open(f"/proc/{os.getpid()}/task/{os.getpid()}/children", encoding="ascii") as stream:
            return {int(pid) for pid in stream.read().split()}
    except OSError:
        return set()


def _nothing() -> None:
    pass


def test_results_come_back_in_the_order_of_the_tasks_from_several_workers() -> None:
    tasks = list(range(300))  # more numbers than one write of the pipe holds (PIPE_BUF / 4 on some systems)
    results = list(forked(tasks, 3, _nothing, lambda task: (task * task, os.getpid()), 5.0))
    assert [(task, value[0]) for task, value in results if isinstance(value, tuple)] == [(task, task * task) for task in tasks]
    pids = {value[1] for _, value in results if isinstance(value, tuple)}
    assert os.getpid() not in pids and 1 <= len(pids) <= 3
    assert _children() == set()


def test_each_worker_starts_once_before_its_tasks(tmp_path) -> None:  # type: ignore[no-untyped-def]
    started = tmp_path / "started"

    def start() -> None:
        with open(started, "a", encoding="ascii") as stream:
            stream.write(f"{os.getpid()}\n")

    results = list(forked(list(range(20)), 2, start, lambda task: os.getpid(), 5.0))
    starts = started.read_text(encoding="ascii").split()
    assert len(starts) == len(set(starts)) == 2
    assert {str(pid) for _, pid in results} <= set(starts)


def test_a_task_s_exception_is_raised_here_in_its_turn() -> None:
    def work(task: int) -> int:
        if task == 5:
            raise ValueError("task five")
        return task

    seen = []
    with pytest.raises(ValueError, match="task five"):
        for task, result in forked(list(range(10)), 2, _nothing, work, 5.0):
            seen.append((task, result))
    assert seen == [(task, task) for task in range(5)]
    assert _children() == set()


def test_a_task_whose_worker_died_is_lost_and_the_others_are_kept_or_lost() -> None:
    parent = os.getpid()

    def work(task: int) -> int:
        if task == 3 and os.getpid() != parent:
            os._exit(3)
        return task

    results = list(forked(list(range(12)), 2, _nothing, work, 5.0))
    assert [task for task, _ in results] == list(range(12))
    assert results[3][1] is LOST
    assert all(result in (task, LOST) for task, result in results)  # (results in before the break are kept)
    assert _children() == set()


def test_a_worker_that_ignores_sigterm_is_killed_once_the_pool_broke() -> None:
    parent = os.getpid()

    def work(task: int) -> int:
        if os.getpid() != parent:
            if task == 0:
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
                signal.pause()  # never ends by itself
            os._exit(3)  # the other worker dies: the pool breaks
        return task

    results = list(forked([0, 1], 2, _nothing, work, 0.2))
    assert results == [(0, LOST), (1, LOST)]
    assert _children() == set()


def test_closing_the_iterator_early_stops_and_reaps_the_workers() -> None:
    import time

    def work(task: int) -> int:
        if task > 0:
            time.sleep(30)  # would hold the run up if the worker were waited for
        return task

    started = time.monotonic()
    results = forked(list(range(4)), 2, _nothing, work, 5.0)
    assert next(results) == (0, 0)
    results.close()
    assert time.monotonic() - started < 20
    assert _children() == set()


def test_a_result_that_cannot_be_pickled_is_an_error_here() -> None:
    with pytest.raises(RuntimeError):
        list(forked([1], 1, _nothing, lambda task: lambda: task, 5.0))
    assert _children() == set()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_no_task_means_no_worker() -> None:
    assert list(forked([], 2, _nothing, lambda task: task, 5.0)) == []
    assert _children() == set()


def _exited_unreaped(pids: set[int]) -> set[int]:
    """Which of ``pids`` are zombies: exited, not yet reaped (Linux /proc)."""
    found = set()
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stream:
                if stream.read().rsplit(")", 1)[1].split()[0] == "Z":
                    found.add(pid)
        except OSError:
            pass
    return found


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_left_exiting_once_every_task_is_done_are_reaped_by_reap() -> None:
    import time

    from aiblint.forkpool import reap

    results = list(forked(list(range(6)), 2, _nothing, lambda task: (task, os.getpid()), 5.0, leave_exiting=True))
    assert [task for task, _ in results] == list(range(6))
    workers = {pid for _, (_, pid) in results}
    assert workers <= _children()  # not waited for: still here (exiting, or exited and not reaped)
    deadline = time.monotonic() + 10
    while _exited_unreaped(workers) != workers and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _exited_unreaped(workers) == workers  # they ended on their own, with nothing left to do
    reap()
    assert _children() == set()


def test_a_pool_left_early_stops_its_workers_even_when_asked_to_leave_them_exiting() -> None:
    import time

    def work(task: int) -> int:
        if task > 0:
            time.sleep(30)
        return task

    started = time.monotonic()
    results = forked(list(range(4)), 2, _nothing, work, 5.0, leave_exiting=True)
    assert next(results) == (0, 0)
    results.close()
    assert time.monotonic() - started < 20
    assert _children() == set()  # stopped and reaped at once: they were not done


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_a_worker_left_exiting_that_does_not_end_is_killed_by_reap(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import time

    from aiblint.forkpool import reap

    def start() -> None:  # the second worker to start never gets further (it should never happen)
        try:
            os.open(tmp_path / "first", os.O_CREAT | os.O_EXCL)
        except FileExistsError:
            signal.signal(signal.SIGTERM, signal.SIG_IGN)
            time.sleep(60)

    assert [result for _, result in forked([1, 2], 2, start, lambda task: task, 5.0, leave_exiting=True)] == [1, 2]
    assert len(_children()) == 2  # (the first worker did both tasks; the second is still starting)
    started = time.monotonic()
    reap(0.3)
    assert time.monotonic() - started < 20
    assert _children() == set()
