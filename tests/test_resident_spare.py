"""The resident server's spare (:mod:`aiblint.server.spare`): the child of the next request,
forked and warmed up ahead of it, runs that one request and no other.

Real processes, as in ``tests/test_resident.py`` (whose fixtures these tests use): the
request's process is told by a ShellCheck stand-in that writes its parent's pid.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from tests.test_resident import TIMEOUT, aiblint, assert_same, environment, repo, runtime, serve

__all__ = ["repo", "runtime", "serve"]  # fixtures


def children(pid: int) -> set[int]:
    """The live child processes of ``pid``."""
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def one_child(pid: int) -> int:
    """The one child of ``pid`` (its spare), once there is exactly one."""
    deadline = time.monotonic() + TIMEOUT
    while len(found := children(pid)) != 1:
        assert time.monotonic() < deadline, f"server {pid} has children {found}"
        time.sleep(0.02)
    return found.pop()


@pytest.fixture
def tool(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    """An environment whose ShellCheck records the pid of the process that started it."""
    tools, markers = tmp_path_factory.mktemp("tools"), tmp_path_factory.mktemp("markers")
    (tools / "shellcheck").write_text('#!/bin/sh\necho $PPID >> "$AIBLINT_TEST_MARKERS/parents"\necho \'{"comments":[]}\'\n')
    (tools / "shellcheck").chmod(0o755)
    env = environment(PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", AIBLINT_TEST_MARKERS=str(markers))
    return env, markers / "parents"


def test_each_request_runs_in_the_spare_forked_before_it(serve, repo: Path, tool: tuple[dict[str, str], Path]) -> None:  # type: ignore[no-untyped-def]
    env, parents = tool
    server = serve(repo)
    pid = server.process.pid
    spares = []
    for _ in range(2):
        spares.append(one_child(pid))  # forked (and warmed up) while no request came
        through = aiblint("--server", "--no-cache", "templates", cwd=repo, env=env)
        assert through.returncode == 1 and b"AIB201" in through.stdout
    assert [int(line) for line in parents.read_text().split()] == spares  # each request: the spare of its time
    assert spares[0] != spares[1] and pid not in spares
    assert server.served() == 2


def test_a_dead_spare_is_replaced_by_a_child_forked_for_the_request(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    spare = one_child(server.process.pid)
    os.kill(spare, signal.SIGKILL)
    assert_same(aiblint("--server", "templates", cwd=repo), aiblint("templates", cwd=repo))
    assert server.served() == 1


def test_the_spare_ends_with_its_server(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    spare = one_child(server.process.pid)
    server.stop()
    assert server.process.returncode == 0
    assert not Path(f"/proc/{spare}").exists()  # reaped by the server before it ended


def test_a_spare_stopped_while_it_warms_up_leaves_no_temporary_folder(serve, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    """The spare's warm-up has started ShellCheck (its folder holds the warm-up's script)
    when the server stops: every temporary folder of the spare goes with it."""
    tools, markers, private = (tmp_path_factory.mktemp(name) for name in ("tools", "markers", "tmp"))
    hold = markers / "hold"
    # The spare's ShellCheck (its parent's parent is the server) says where it runs, then waits.
    (tools / "shellcheck").write_text(
        "#!/bin/sh\n"
        "grand=$(sed 's/.*) //' /proc/$PPID/stat | cut -d' ' -f2)\n"
        "if tr '\\0' ' ' < /proc/$grand/cmdline | grep -q ' server --root '; then\n"
        '  pwd > "$AIBLINT_TEST_MARKERS/folder.tmp" && mv "$AIBLINT_TEST_MARKERS/folder.tmp" "$AIBLINT_TEST_MARKERS/folder"\n'
        '  n=0; while [ -e "$AIBLINT_TEST_MARKERS/hold" ] && [ $n -lt 1200 ]; do sleep 0.05; n=$((n+1)); done\n'
        "fi\n"
        "echo '{\"comments\":[]}'\n"
    )
    (tools / "shellcheck").chmod(0o755)
    hold.touch()
    env = environment(PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", AIBLINT_TEST_MARKERS=str(markers), TMPDIR=str(private))
    try:
        server = serve(repo, env)
        deadline = time.monotonic() + TIMEOUT
        while not (markers / "folder").exists():
            assert time.monotonic() < deadline, "the spare's ShellCheck did not start"
            time.sleep(0.02)
        folder = Path((markers / "folder").read_text().strip())
        assert folder.name.startswith("aiblint-sc-") and private in folder.parents and folder.is_dir()
        server.stop()
        assert server.process.returncode == 0
        assert not folder.exists()
        assert sorted(path.name for path in private.iterdir() if path.name.startswith("aiblint")) == []
    finally:
        hold.unlink()
