"""The resident mode (issue 21): ``aiblint server`` and ``aiblint --server`` / ``AIBLINT_SERVER=1``.

Real processes throughout: a server started here (``--root`` a temporary
repository, its runtime folder a temporary folder), clients run as commands.
Every server is stopped and waited for, whatever the test's outcome.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from aiblint.server import daemon as resident
from aiblint.server import rendezvous
from tests.conftest import ROOT, need_shared

TIMEOUT = 120  # seconds: against a hung process, not a measurement
BAD = (ROOT / "examples" / "bad-template.json").read_text(encoding="utf-8")
FORMATS = ("text", "json", "sarif", "github", "azure-devops")


@pytest.fixture
def runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private runtime folder with a short path (a socket's path is limited to about 100 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="aib-rt-", dir="/tmp"))
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(folder))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the bundled example (and, for stdin, nothing more)."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "bad.json").write_text(BAD, encoding="utf-8")
    return tmp_path


def environment(**changes: str | None) -> dict[str, str]:
    """The tests' environment; ``CI`` set so that a fallback starts no server unless a test asks."""
    env = {**os.environ, "CI": "1", "NO_COLOR": ""}
    env.pop(rendezvous.ENVIRONMENT_VARIABLE, None)
    for name, value in changes.items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = value
    return env


def aiblint(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "aiblint", *args], cwd=cwd, env=env or environment(),
                          input=stdin, capture_output=True, timeout=TIMEOUT, check=False)


class Running:
    """A server process of this test session."""

    def __init__(self, root: Path, env: dict[str, str], *options: str) -> None:
        self.root = str(root.resolve())
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiblint", "server", "--root", self.root, *options],
            cwd=rendezvous.runtime_folder(), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + TIMEOUT
        while self.status() is None:  # it answers once warm
            assert self.process.poll() is None, self.process.stderr.read() if self.process.stderr else ""
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)

    def status(self) -> dict[str, object] | None:
        return resident.ask(self.root, "status", timeout=TIMEOUT)

    def served(self) -> int:
        status = self.status()
        assert status is not None
        served = status["served"]
        assert isinstance(served, int)
        return served

    def ended(self, timeout: float = TIMEOUT) -> int:
        """The server's exit code, once it has ended by itself."""
        return self.process.wait(timeout=timeout)

    def stop(self) -> None:
        if self.process.poll() is None:
            resident.ask(self.root, "stop", timeout=TIMEOUT)
            try:
                self.process.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stderr:
            self.process.stderr.close()


@pytest.fixture
def serve(runtime: Path) -> Iterator[type[Running]]:
    started: list[Running] = []

    class Tracked(Running):
        def __init__(self, root: Path, env: dict[str, str] | None = None, *options: str) -> None:
            started.append(self)
            super().__init__(root, env or environment(), *options)

    yield Tracked
    for server in started:
        server.stop()


def assert_same(through: subprocess.CompletedProcess[bytes], alone: subprocess.CompletedProcess[bytes]) -> None:
    assert (through.returncode, through.stdout, through.stderr) == (alone.returncode, alone.stdout, alone.stderr)


# -- the same bytes, through the server ------------------------------------------------------------


def test_output_through_the_server_is_the_same_byte_for_byte(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    shared = need_shared()
    server = serve(repo)
    paths = ["templates", str(shared / "corpus"), str(shared / "reference" / "wild-examples")]
    for fmt in FORMATS:
        # After the first format, both read the result cache (each its own entries: the server's
        # sys.path differs from `python -m aiblint`'s here, and the installation is part of the key).
        alone = aiblint("--format", fmt, *paths, cwd=repo)
        through = aiblint("--server", "--format", fmt, *paths, cwd=repo)
        assert alone.returncode == 1 and alone.stdout
        assert_same(through, alone)
    assert server.served() == len(FORMATS)  # they ran there, not here


def test_text_with_colour_code_frames_exit_codes_and_stdin_are_the_same(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    runs = [
        (["--color", "always", "--show-source", "--show-links", "templates/bad.json"], None),
        (["--statistics", "templates"], None),
        (["--fail-on", "error", "--select", "AIB003", "templates"], None),  # exit 0: a warning only
        (["--select", "AIB9"], None),  # exit 2: a usage error
        (["--version"], None),
        (["-", "--stdin-filename", "templates/bad.json"], BAD.encode()),
        (["-"], b"{not json"),
        (["rules", "AIB2"], None),
    ]
    codes = []
    for args, stdin in runs:
        alone = aiblint(*args, cwd=repo, stdin=stdin)
        assert_same(aiblint("--server", *args, cwd=repo, stdin=stdin), alone)
        codes.append(alone.returncode)
    assert codes == [1, 1, 0, 2, 0, 1, 1, 0]
    assert server.served() == len(runs)


def test_the_environment_variable_and_output_to_a_file(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    alone = aiblint("--format", "sarif", "-o", "alone.sarif", "templates", cwd=repo)
    through = aiblint("--format", "sarif", "-o", "through.sarif", "templates", cwd=repo,
                      env=environment(AIBLINT_SERVER="1"))
    assert (through.returncode, through.stdout, through.stderr) == (alone.returncode, b"", b"")
    assert (repo / "through.sarif").read_bytes() == (repo / "alone.sarif").read_bytes()
    assert server.served() == 1


def test_the_client_does_not_import_the_engine(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    probe = ("import sys\nfrom aiblint.server.client import main\nsys.argv[1:] = ['--server', 'templates']\ncode = main()\n"
             "heavy = sorted(m for m in sys.modules if m.startswith(('aiblint.engine', 'aiblint.registry', 'aiblint.config', "
             "'aiblint_rules', 'jsonschema', 'stevedore')) or m in ('socket', 'json', 'json.decoder', 'typing', 'argparse'))\n"
             "print(code, heavy, file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=repo, env=environment(), capture_output=True, text=True,
                          timeout=TIMEOUT, check=False)
    assert done.stderr.splitlines()[-1] == "1 []"
    assert "error AIB201" in done.stdout
    assert server.served() == 1


def test_the_console_script_ends_a_served_command_at_once(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    """The console script (aiblint.server.client.console) leaves a command the server ran with its
    exit code and without the interpreter's clean-up; a command it ran itself ends as usual."""
    serve(repo)
    probe = ("import atexit, sys\natexit.register(print, 'clean-up', file=sys.stderr)\n"
             "from aiblint.server.client import console\nsys.argv[1:] = sys.argv[1:]\nsys.exit(console())\n")
    served = subprocess.run([sys.executable, "-c", probe, "--server", "--debug", "templates"], cwd=repo, env=environment(),
                            capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert (served.returncode, "clean-up" in served.stderr) == (1, False), served.stderr
    assert "error AIB201" in served.stdout and "resident server not used" not in served.stderr
    here = subprocess.run([sys.executable, "-c", probe, "--server", "--root", str(repo / "templates"), "--debug", "bad.json"],
                          cwd=repo / "templates", env=environment(), capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert (here.returncode, "clean-up" in here.stderr) == (1, True), here.stderr  # another root: no server, run here
    assert "error AIB201" in here.stdout and "resident server not used" in here.stderr


def client_in_shellcheck(repo: Path, tmp_path_factory: pytest.TempPathFactory,
                         make_environment: Callable[..., dict[str, str]]) -> tuple[subprocess.Popen[bytes], int]:
    """A client whose run, in the server, hangs in a stand-in ShellCheck: the client, and the tool's pid."""
    tools, markers = tmp_path_factory.mktemp("tools"), tmp_path_factory.mktemp("markers")
    (tools / "shellcheck").write_text('#!/bin/sh\ntouch "$AIBLINT_TEST_MARKERS/$$"\nexec sleep 600\n')
    (tools / "shellcheck").chmod(0o755)
    env = make_environment(PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", AIBLINT_TEST_MARKERS=str(markers))
    client = subprocess.Popen([sys.executable, "-m", "aiblint", "--server", "--no-cache", "templates"], cwd=repo, env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert _wait(lambda: any(markers.iterdir())), "the server's run never started ShellCheck"
        (tool,) = (int(marker.name) for marker in markers.iterdir())
    except BaseException:
        client.kill()
        client.wait()
        raise
    return client, tool


def test_a_client_that_goes_away_stops_its_run_and_the_tools_it_started(serve, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    client, tool = client_in_shellcheck(repo, tmp_path_factory, environment)
    try:
        assert server.served() == 1  # a status is answered while a run runs
        busy = aiblint("--server", "--debug", "--select", "AIB201", "templates", cwd=repo)
        assert b"resident server not used: it refused (busy with another request)" in busy.stderr
        assert busy.returncode == 1 and b"AIB201" in busy.stdout  # run here instead
    finally:
        client.kill()  # as a hook runner gives up: no word to the server but the hung-up socket
        client.wait()
    assert _wait(lambda: not _running(tool)), "the tool outlived its client"
    assert server.served() == 1  # the server is free again (its child has ended)
    assert aiblint("--server", "--select", "AIB201", "templates", cwd=repo).returncode == 1
    assert server.served() == 2


def _wait(condition: Callable[[], bool]) -> bool:
    deadline = time.monotonic() + TIMEOUT
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


# -- no server, another server ----------------------------------------------------------------------


def test_without_a_server_the_command_runs_as_usual(runtime: Path, repo: Path) -> None:
    alone = aiblint("templates", cwd=repo)
    assert_same(aiblint("--server", "templates", cwd=repo), alone)
    assert_same(aiblint("templates", cwd=repo, env=environment(AIBLINT_SERVER="1")), alone)
    debug = aiblint("--server", "--debug", "templates", cwd=repo)
    assert f"aiblint: debug: resident server not used: none runs for {repo.resolve()}\n".encode() in debug.stderr
    assert list((runtime / "aiblint").iterdir()) == []  # with CI set, no server was started


def test_a_stale_socket_is_no_server(runtime: Path, repo: Path) -> None:
    address = rendezvous.address(str(repo.resolve()))
    with socket.socket(socket.AF_UNIX) as dead:
        dead.bind(address)  # bound, never listening: what a killed server leaves
    assert_same(aiblint("--server", "templates", cwd=repo), aiblint("templates", cwd=repo))


def test_another_repository_or_installation_is_refused(serve, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    other = tmp_path_factory.mktemp("other")
    (other / ".git").mkdir()

    def ask(**changes: object) -> dict[str, object]:
        request: dict[str, object] = {
            "kind": "run", "protocol": rendezvous.PROTOCOL, "installation": rendezvous.installation(),
            "argv": ["templates"], "cwd": str(repo), "env": {}, "streams": [["utf-8", "strict", False, False]] * 3,
            "utf8_mode": sys.flags.utf8_mode, **changes,
        }
        with socket.socket(socket.AF_UNIX) as connection:
            connection.settimeout(TIMEOUT)
            connection.connect(rendezvous.address(server.root))
            rendezvous.send(connection, request)
            return rendezvous.receive(connection)

    assert ask(cwd=str(other)) == {"refused": f"another repository (this server is for {server.root})"}
    assert ask(argv=["--root", str(other), "templates"]) == {"refused": f"another repository (this server is for {server.root})"}
    assert ask(installation="/elsewhere/python\0/elsewhere\x000.0") == {"refused": "another installation of aiblint"}
    assert ask(protocol=0) == {"refused": "another protocol version"}
    assert ask(argv="templates") == {"refused": "malformed request: argv"}
    assert server.served() == 0 and server.process.poll() is None


# -- never stale ------------------------------------------------------------------------------------


def test_a_changed_file_or_configuration_is_linted_afresh(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    first = aiblint("--server", "templates", cwd=repo)  # the result cache is on: it must not answer stale
    assert b"AIB201" in first.stdout
    (repo / "templates" / "bad.json").write_text(BAD.replace('"name": "install"', '"name": "other"', 1), encoding="utf-8")
    second = aiblint("--server", "templates", cwd=repo)
    assert_same(second, aiblint("templates", cwd=repo))
    assert b"AIB201" not in second.stdout and b"AIB202" in second.stdout
    (repo / ".aiblint.toml").write_text('ignore = ["AIB202"]\n', encoding="utf-8")
    third = aiblint("--server", "templates", cwd=repo)
    assert_same(third, aiblint("templates", cwd=repo))
    assert b"AIB202" not in third.stdout
    assert server.served() == 3


def test_a_changed_installation_stops_the_server(serve, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    site = tmp_path_factory.mktemp("site")  # a folder on the server's sys.path with a distribution in it
    entry_points = site / "fake_plugin-1.0.dist-info" / "entry_points.txt"
    entry_points.parent.mkdir()
    (entry_points.parent / "METADATA").write_text("Metadata-Version: 2.1\nName: fake-plugin\nVersion: 1.0\n", encoding="utf-8")
    entry_points.write_text("[console_scripts]\n", encoding="utf-8")
    server = serve(repo, environment(PYTHONPATH=str(site)))
    assert aiblint("--server", "templates", cwd=repo).returncode == 1
    assert server.served() == 1
    entry_points.write_text("[console_scripts]\nfake = fake:main\n", encoding="utf-8")  # as an install rewrites it
    through = aiblint("--server", "--debug", "templates", cwd=repo)
    assert b"resident server not used: it refused (aiblint or the installation changed since the server started)" in through.stderr
    assert through.returncode == 1 and b"AIB201" in through.stdout  # run here instead
    assert server.ended() == 0
    assert list((Path(os.environ["XDG_RUNTIME_DIR"]) / "aiblint").glob("*.sock")) == []


def test_an_idle_server_stops_and_removes_its_socket(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo, None, "--idle-timeout", "1")
    assert server.ended() == 0
    assert server.process.stderr is not None
    assert server.process.stderr.read().decode().endswith(f"aiblint: server for {server.root} stopped: idle\n")
    assert list((Path(os.environ["XDG_RUNTIME_DIR"]) / "aiblint").glob("*.sock")) == []


def test_sigterm_while_the_server_warms_up_stops_it_and_leaves_no_temporary_folder(runtime: Path, repo: Path,
                                                                                  tmp_path_factory: pytest.TempPathFactory) -> None:
    """The warm-up's run took the SIGTERM (aiblint.termination) and the server went on: one
    killed harder then left its warm-up folder and the run's script copies in $TMPDIR."""
    temporary, tools = tmp_path_factory.mktemp("tmpdir"), tmp_path_factory.mktemp("tools")
    shellcheck = tools / "shellcheck"  # the warm-up's run waits in it: the SIGTERM comes during the run
    shellcheck.write_text(f'#!/bin/sh\ntouch "{tools}/ran"\nexec sleep 600\n')
    shellcheck.chmod(0o755)
    env = environment(PATH=f"{tools}{os.pathsep}{os.environ['PATH']}", TMPDIR=str(temporary))
    server = subprocess.Popen([sys.executable, "-m", "aiblint", "server", "--root", str(repo)], cwd=rendezvous.runtime_folder(),
                              env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + TIMEOUT
        while not (tools / "ran").exists():
            assert server.poll() is None and time.monotonic() < deadline, "the warm-up never ran shellcheck"
            time.sleep(0.02)
        assert list(temporary.iterdir())  # the warm-up's folder, the run's with its script copies
        server.terminate()
        assert server.wait(timeout=TIMEOUT) == 0
    finally:
        server.kill()
        server.communicate()
    assert list(temporary.iterdir()) == []
    assert resident.ask(str(repo.resolve()), "status", timeout=1) is None


def test_a_request_reads_outside_the_repository_no_more_than_a_run_without_a_server(serve, repo: Path, tmp_path_factory: pytest.TempPathFactory) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path_factory.mktemp("outside")
    (outside / "id_ed25519").write_text("-----BEGIN OPENSSH PRIVATE KEY-----\n", encoding="utf-8")
    escape = os.path.relpath(outside / "id_ed25519", repo / "templates")
    template = BAD.replace('"name": "install"', f'"name": "escape", "scriptUri": "{escape}", "x": "install"', 1)
    (repo / "templates" / "bad.json").write_text(template, encoding="utf-8")
    server = serve(repo)
    alone = aiblint("--select", "AIB305", "templates", cwd=repo)
    through = aiblint("--server", "--select", "AIB305", "templates", cwd=repo)
    assert_same(through, alone)
    assert b"AIB305" in through.stdout and b"which is never read" in through.stdout and b"OPENSSH" not in through.stdout
    assert server.served() == 1


# -- trust ------------------------------------------------------------------------------------------


def test_the_socket_is_private(serve, repo: Path, runtime: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    address = Path(rendezvous.address(server.root))
    assert stat.S_ISSOCK(address.stat().st_mode) and stat.S_IMODE(address.stat().st_mode) == 0o600
    assert stat.S_IMODE((runtime / "aiblint").stat().st_mode) == 0o700


def test_a_folder_others_can_enter_is_not_used(runtime: Path, repo: Path) -> None:
    (runtime / "aiblint").mkdir(mode=0o755)
    os.chmod(runtime / "aiblint", 0o755)
    with pytest.raises(rendezvous.Unavailable, match="can be entered by other users"):
        rendezvous.address(str(repo))
    done = aiblint("server", "--root", str(repo), cwd=repo)
    assert (done.returncode, done.stderr) == (2, f"aiblint: error: no resident server: {runtime / 'aiblint'} can be entered by other users (mode 755)\n".encode())
    assert_same(aiblint("--server", "templates", cwd=repo, env=environment(CI=None)), aiblint("templates", cwd=repo))


def test_the_temporary_folder_is_the_fallback_and_is_made_private(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    folder = Path(rendezvous.runtime_folder())
    assert folder == tmp_path / f"aiblint-{os.getuid()}"
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    folder.rmdir()
    (tmp_path / "planted").mkdir(mode=0o700)
    folder.symlink_to(tmp_path / "planted")  # planted by someone who can write to the temporary folder
    with pytest.raises(rendezvous.Unavailable, match="is not a folder"):
        rendezvous.runtime_folder()


# -- starting one in the background -----------------------------------------------------------------


def test_a_client_starts_a_server_for_the_next_run(runtime: Path, repo: Path) -> None:
    env = environment(CI=None, AIBLINT_SERVER="1")
    first = aiblint("templates", cwd=repo, env=env)  # none runs: run here, and start one
    root = str(repo.resolve())
    status = resident.ask(root, "status", timeout=TIMEOUT)  # waits while it warms up
    try:
        assert status is not None, "no server was started"
        pid = status["pid"]
        assert isinstance(pid, int)
        assert _parent(pid) != os.getpid()  # detached: not a child of this process, so never its zombie
        second = aiblint("templates", cwd=repo, env=env)
        assert_same(second, first)
        assert resident.ask(root, "status") == {**status, "served": 1}
    finally:
        resident.ask(root, "stop")
    _wait_gone(pid)


def _parent(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[1])


def _wait_gone(pid: int) -> None:
    deadline = time.monotonic() + TIMEOUT
    while Path(f"/proc/{pid}").exists() and Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z":
        assert time.monotonic() < deadline, f"server {pid} did not stop"
        time.sleep(0.05)


def test_no_server_is_started_while_many_run(runtime: Path, repo: Path) -> None:
    folder = Path(rendezvous.runtime_folder())
    for index in range(8):
        (folder / f"{index:024x}.sock").touch()  # as eight servers of other folders would be
    done = aiblint("--debug", "templates", cwd=repo, env=environment(CI=None, AIBLINT_SERVER="1"))
    assert b"aiblint: debug: no resident server started: 8 already run\n" in done.stderr
    assert done.returncode == 1 and resident.ask(str(repo.resolve()), "status") is None
    assert len(list(folder.glob("*.sock"))) == 8


def test_status_and_stop_without_a_server(runtime: Path, repo: Path) -> None:
    done = aiblint("server", "--status", cwd=repo)
    assert (done.returncode, done.stdout, done.stderr) == (1, b"", f"aiblint: no server runs for {repo.resolve()}\n".encode())
    assert aiblint("server", "--stop", cwd=repo).returncode == 1


def test_a_second_server_for_the_same_repository_does_not_start(serve, repo: Path) -> None:  # type: ignore[no-untyped-def]
    server = serve(repo)
    done = aiblint("server", "--root", str(repo), cwd=repo)
    assert (done.returncode, done.stderr) == (0, f"aiblint: a server for {server.root} is already running\n".encode())
    assert json.loads(aiblint("server", "--status", cwd=repo).stdout)["pid"] == server.process.pid
