"""Worker processes forked from this one (``-j N`` where there is ``fork``): a lean pool.

Why not :mod:`concurrent.futures`: importing it and :mod:`multiprocessing` was 19 ms of
CPU in a ``-j`` run's serial start, and its machinery (a manager thread, a feeder
thread, locks, each task pickled to a worker) is more than forked workers need: they
hold the tasks already (a fork copies them).

How it works: a pipe holds the tasks' numbers, 4 bytes each. A free worker reads the
next number (the kernel gives each to one reader), runs the task and writes its result,
pickled with the number, to a pipe of its own, which this process reads as results
come; the numbers run out (end of file) and the worker exits. Results are given back in
the tasks' order. A worker that dies (a crash, a kill) breaks the pool, as in
:mod:`concurrent.futures`: the others are stopped and every task without a result is
given back as :data:`LOST` (the caller runs it itself). A task's exception is raised
here, when its turn comes. However this ends (the last result, an exception, SIGTERM
raised as :class:`aiblint.termination.Terminated`, the caller closing the iterator),
no worker is left: each is told to stop (SIGTERM), killed if it has not ended
``stop_seconds`` later, and reaped. Except when the caller asks to leave the workers
exiting: once every task has its result, each worker has read the end of the tasks and
is exiting on its own (its memory torn down takes a few ms, which this process need not
wait for before it goes on with the report); :func:`reap` then waits for them.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import sys
import time
from collections.abc import Callable, Generator, Sequence
from typing import Final, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class _Lost:
    """The result of a task whose worker died."""

    def __repr__(self) -> str:
        return "LOST"


LOST: Final = _Lost()
_TOKEN = 4  # bytes of a task number
_HEADER = 8  # bytes of a result's length
#: Task numbers written at once: no more than PIPE_BUF, so that each write is whole or not at all
#: (a worker never reads half a number), and a whole number of them.
_PIECE = max(_TOKEN, select.PIPE_BUF // _TOKEN * _TOKEN)


def forked(
    tasks: Sequence[T], workers: int, start: Callable[[], None], work: Callable[[T], R], stop_seconds: float,
    leave_exiting: bool = False,
) -> Generator[tuple[T, R | _Lost], None, None]:
    """(task, result or :data:`LOST`) for each of ``tasks`` in order, run by ``workers``
    processes forked now; each calls ``start()`` once, then ``work(task)`` per task.
    ``leave_exiting``: once every task has its result, the workers are not waited for
    (:func:`reap` does)."""
    pool = _Pool(len(tasks), stop_seconds, leave_exiting)
    done = 0
    try:
        for _ in range(min(workers, len(tasks))):
            pool.fork(lambda write, queue: _serve(write, queue, tasks, start, work))
        pool.release()
        for index, task in enumerate(tasks):
            result = pool.result(index)
            done = index + 1
            yield task, result  # type: ignore[misc]  # (a result is the R that work() gave)
    finally:
        pool.close(finished=done == len(tasks))


#: Workers that were done and exiting when their pool closed (``forked(..., leave_exiting=True)``).
_exiting: list[int] = []


def reap(stop_seconds: float = 10.0) -> None:
    """Wait for the workers left exiting (``forked(..., leave_exiting=True)``); one still there
    ``stop_seconds`` later (it should not be: it has nothing left to do), or every one left
    when this is interrupted (SIGTERM), is killed and reaped."""
    deadline = time.monotonic() + stop_seconds
    try:
        while _exiting:
            pid = _exiting[-1]
            with contextlib.suppress(ChildProcessError):
                while not os.waitpid(pid, os.WNOHANG)[0]:  # (most are gone by now: the report was written meanwhile)
                    if time.monotonic() >= deadline:
                        os.kill(pid, signal.SIGKILL)
                        os.waitpid(pid, 0)
                        break
                    time.sleep(0.001)
            _exiting.pop()
    finally:
        while _exiting:
            pid = _exiting.pop()
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)


class _Pool:
    """The pipes and processes of :func:`forked`, seen from this process."""

    def __init__(self, count: int, stop_seconds: float, leave_exiting: bool = False) -> None:
        self.stop_seconds = stop_seconds
        self.leave_exiting = leave_exiting
        self.queue_read, self.queue_write = os.pipe()
        os.set_blocking(self.queue_write, False)
        self.tokens = b"".join(index.to_bytes(_TOKEN, "little") for index in range(count))
        self.workers: dict[int, int] = {}  # result pipe -> pid, while the pipe is open
        self.pids: set[int] = set()  # every worker, until reaped
        self.buffers: dict[int, bytearray] = {}
        self.results: dict[int, tuple[bool, object]] = {}
        self.broken = self.stopped = False
        self._feed()  # (most runs: every number fits in the pipe, which is closed before the workers start)

    def fork(self, serve: Callable[[int, int], None]) -> None:
        read, write = os.pipe()
        # SIGTERM held back across the fork: the child sets its own handling before it takes one
        # (this process's handler would unwind this process's stack in the child).
        held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
        try:
            pid = os.fork()
            if pid == 0:
                _child(lambda: serve(write, self.queue_read), held, [read, self.queue_write, *self.workers])
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, held)
        os.close(write)
        self.workers[read] = pid
        self.pids.add(pid)

    def release(self) -> None:
        """The workers are forked: only they read the task numbers."""
        os.close(self.queue_read)
        self.queue_read = -1

    def result(self, index: int) -> object:
        while index not in self.results and not self.broken and self.workers:
            self._wait()
        if index not in self.results:
            self.broken = True  # (every worker ended and this task is undone: one died holding it)
            self.stop()
            return LOST
        ok, value = self.results.pop(index)
        if not ok:
            assert isinstance(value, BaseException)
            raise value
        return value

    def _wait(self) -> None:
        poll = select.poll()
        for descriptor in self.workers:
            poll.register(descriptor, select.POLLIN)
        if self.tokens:
            poll.register(self.queue_write, select.POLLOUT)
        for descriptor, _ in poll.poll():
            if descriptor == self.queue_write:
                self._feed()
                continue
            if descriptor not in self.workers:  # (closed meanwhile: the pool broke and was stopped)
                continue
            data = os.read(descriptor, 1 << 16)
            if data:
                self._receive(descriptor, data)
            else:
                self._ended(descriptor)

    def _feed(self) -> None:
        """Write the task numbers that fit in the pipe; close it once all are written."""
        while self.tokens:
            try:
                os.write(self.queue_write, self.tokens[:_PIECE])
            except BlockingIOError:
                return
            except BrokenPipeError:  # every worker ended: the tasks left are lost
                self.tokens = b""
                break
            self.tokens = self.tokens[_PIECE:]
        os.close(self.queue_write)
        self.queue_write = -1

    def _receive(self, descriptor: int, data: bytes) -> None:
        buffer = self.buffers.setdefault(descriptor, bytearray())
        buffer += data
        while len(buffer) >= _HEADER:
            size = int.from_bytes(buffer[:_HEADER], "little")
            if len(buffer) < _HEADER + size:
                return
            index, ok, value = pickle.loads(buffer[_HEADER : _HEADER + size])
            del buffer[: _HEADER + size]
            self.results[index] = (ok, value)

    def _ended(self, descriptor: int) -> None:
        """A worker's pipe is closed: it exited (a worker holds it to the end). It died if
        it did not exit with 0 (which it does once no task is left): the pool is broken."""
        os.close(descriptor)
        pid = self.workers.pop(descriptor)
        try:
            status = os.waitpid(pid, 0)[1]
        except ChildProcessError:  # (reaped by someone else: its status is unknown)
            status = -1
        self.pids.discard(pid)
        half = self.buffers.pop(descriptor, bytearray())  # (a result it was writing when it died)
        if status != 0 or half:
            self.broken = True
            self.stop()

    def stop(self) -> None:
        """SIGTERM to every worker still running; SIGKILL to one still running ``stop_seconds`` later."""
        if self.stopped:
            return
        self.stopped = True
        for pid in self.workers.values():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGTERM)
        self._await_exit()
        for pid in self.workers.values():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)

    def _await_exit(self) -> None:
        """Wait up to ``stop_seconds`` for the workers' pipes to close (what they still send is dropped)."""
        deadline = time.monotonic() + self.stop_seconds
        while self.workers and (left := deadline - time.monotonic()) > 0:
            poll = select.poll()
            for descriptor in self.workers:
                poll.register(descriptor, select.POLLIN)
            for descriptor, _ in poll.poll(max(1, int(left * 1000))):
                if not os.read(descriptor, 1 << 16):
                    os.close(descriptor)
                    del self.workers[descriptor]

    def close(self, finished: bool) -> None:
        """Stop the workers (at once, unless every task is done: then they are exiting) and reap them."""
        try:
            if finished and self.leave_exiting and not self.broken:
                # Every result is in: each worker has read the end of the tasks (or will, once
                # started) and exits with nothing left to send; reap() waits for them.
                _exiting.extend(self.pids)
                self.pids.clear()
            elif not finished:
                self.stop()
            else:
                self._await_exit()  # (one that does not exit in time is stopped all the same)
                self.stop()
        finally:
            for descriptor in [*self.workers, self.queue_read, self.queue_write]:
                if descriptor >= 0:
                    with contextlib.suppress(OSError):
                        os.close(descriptor)
            self.workers.clear()
            for pid in self.pids:
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(pid, 0)
            self.pids.clear()


def _child(serve: Callable[[], None], held: set[int | signal.Signals], others: list[int]) -> None:
    """The forked worker: never returns (``os._exit``), whatever happens."""
    code = 70  # (EX_SOFTWARE: it failed before its loop ended)
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_SETMASK, held)
        for descriptor in others:
            if descriptor >= 0:
                os.close(descriptor)
        serve()
        code = 0
        recache = sys.modules.get("aiblint.recache")
        if recache is not None:  # the regex programs this worker made, for the next run (os._exit runs no atexit hook)
            recache.save()
    except SystemExit as error:  # (aiblint.termination.Terminated: SIGTERM during a task)
        code = error.code if isinstance(error.code, int) else 1
    finally:
        os._exit(code)


def _serve(write: int, queue: int, tasks: Sequence[T], start: Callable[[], None], work: Callable[[T], R]) -> None:
    start()
    while True:
        token = os.read(queue, _TOKEN)
        if not token:
            return
        index = int.from_bytes(token, "little")
        try:
            message = _dumps((index, True, work(tasks[index])))
        except Exception as error:  # the task's own failure: raised in the parent when its turn comes
            message = _dumps((index, False, error))
        _write_all(write, len(message).to_bytes(_HEADER, "little") + message)


def _dumps(message: tuple[int, bool, object]) -> bytes:
    try:
        return pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    except Exception as error:  # a result or an exception that cannot be pickled
        index, _, value = message
        failure = RuntimeError(f"{type(value).__name__}: {value}" if isinstance(value, BaseException) else str(error))
        return pickle.dumps((index, False, failure), pickle.HIGHEST_PROTOCOL)


def _write_all(descriptor: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(descriptor, view) :]
