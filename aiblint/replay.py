"""A command run again over files that have not changed: its output written again.

An unchanged file comes from the result cache (:mod:`aiblint.cache`), but a
run still imports the command line, the configuration, the engine and the
filter to find that out: about three times the cost of starting Python. This
module makes such a run cost little more than the start. A command is a pure
function of what it is given and what it reads: its arguments, working folder,
environment (the variables a run reads, :data:`aiblint.server.client.FORWARDED`),
the Python and aiblint that run it, and the file system. So the console script
(:mod:`aiblint.server.client`) records, while a command runs in a new process:

* every question the run asks the file system, with its answer: each ``stat``
  and ``lstat`` (the kind of entry; for a file also its mode, size, modification
  time and inode), ``access``, folder listing (names and kinds), link target,
  and the SHA-256 of every file it opens to read (read again at once when it is
  opened, so a file changed while the run read it is never recorded as it is
  after); and the stat of the file of every module the process imported, and the
  listing of every folder on ``sys.path`` (the code that ran, and what an import
  would find);
* what it wrote to standard output and error, and its exit code.

When the run ends, every answer is asked again; if all are the same, the record
is kept in ``<cache folder>/runs``, under a key of the command (:func:`command_key`).
The next time the same command runs, the console script asks the recorded
questions again before importing anything else (:func:`replayed`); when every
answer is the same, it writes the recorded output and exits with the recorded
code. Any difference, any unreadable or malformed record: the command runs as
usual (and records again).

What is recorded is decided without trusting the run to be simple, and errs
towards not recording: only commands whose options are all spelled out in
:data:`VALUE_OPTIONS` and :data:`FLAGS` (no ``-o``, ``--fix``, ``--diff``,
``--write-baseline``, ``--fetch``, ``--no-cache``, ``--debug``, standard input,
abbreviations); only runs that end with exit code 0 or 1 and that did nothing
but read: a run that writes a file (the result cache filling up), starts a
process (ShellCheck), forks (``-j``), changes folder or environment, or uses the
network is not recorded. So a command is recorded on its first run whose every
file came from the result cache, and replayed from its second. Python 3.11 or
later on a POSIX system (there :mod:`pathlib` asks through :mod:`os`); elsewhere
nothing is recorded.
"""

from __future__ import annotations

import os
import sys

from aiblint import __version__
from aiblint.hashing import sha256_hex

TYPE_CHECKING = False  # not typing's: this runs before anything else on every command
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from types import FrameType
    from typing import Any, TextIO

FORMAT = 1
RUNS = "runs"
#: Set (to anything), a run that is not recorded says why on standard error.
DEBUG_VARIABLE = "AIBLINT_DEBUG_REPLAY"
#: Options that take a value (the next argument, or ``--option=value``) and that a recorded run may use.
VALUE_OPTIONS = frozenset({
    "--format", "-f", "--select", "--ignore", "--fail-on", "--parameters", "-p", "--root", "--config",
    "--baseline", "--sarif-category", "--jobs", "-j", "--color",
})
#: Flags a recorded run may use.
FLAGS = frozenset({
    "--exit-zero", "--skip-non-templates", "--no-respect-gitignore", "--show-suppressed", "--quiet", "-q",
    "--statistics", "--sarif-include-suppressed", "--show-source", "--no-show-source", "--show-links",
})
#: Commands that are not a lint run.
SUBCOMMANDS = frozenset({"rules", "rule", "lsp", "config", "server"})
#: Exit codes of a run that linted and reported (2: a usage or internal error, not recorded).
RECORDED_EXITS = (0, 1)
#: Audit events of a run that did more than read: it is not recorded.
_SPOILERS = frozenset({
    "os.fork", "os.forkpty", "os.posix_spawn", "os.spawn", "os.exec", "os.system", "os.chdir", "os.fchdir",
    "os.putenv", "os.unsetenv", "os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.chmod", "os.chown",
    "os.utime", "os.link", "os.symlink", "os.truncate", "subprocess.Popen", "socket.connect", "socket.bind",
    "socket.getaddrinfo", "urllib.Request", "shutil.copyfile", "shutil.move", "shutil.rmtree", "ctypes.dlopen",
})
_WRITING = frozenset("wax+")
#: A run that reads a larger file is not recorded (its content would be read twice more).
MAX_READ = 16 * 1024 * 1024
_IS_FILE = 0o100000
_KIND = 0o170000


def supported() -> bool:
    return sys.version_info >= (3, 11) and os.name == "posix"


def recordable(arguments: list[str]) -> bool:
    """Whether a run of ``arguments`` may be recorded and replayed (see the module's text)."""
    if arguments[:1] and arguments[0] in SUBCOMMANDS:
        return False
    value_next = False
    for argument in arguments:
        if value_next:
            value_next = False
        elif argument.startswith("-"):
            name, equals, _ = argument.partition("=")
            if name in VALUE_OPTIONS:
                value_next = not equals
            elif name not in FLAGS or equals:
                return False  # '-', '--', an option that writes or fetches, an abbreviation
    return not value_next


# -- where records are, and their key ------------------------------------------------------


def command_key(arguments: list[str], environment: dict[str, str]) -> str | None:
    """What the command is, apart from the file system (``environment``: the variables a run
    reads, :data:`aiblint.server.client.FORWARDED`): ``None`` when it cannot be told."""
    import json

    try:
        cwd = os.getcwd()
        streams = [[stream.encoding, stream.errors, stream.isatty()] for stream in (sys.stdout, sys.stderr)]
    except (AttributeError, OSError, ValueError):  # a closed stream, a deleted working folder
        return None
    parts = [
        FORMAT, __version__, sys.version, sys.executable, sys.prefix, sys.path, list(sys.flags), sys.platform,
        sorted((name, str(value)) for name, value in sys._xoptions.items()), sys.warnoptions,
        arguments, cwd, sorted(environment.items()), streams,
    ]
    return sha256_hex(json.dumps(parts).encode("ascii"))


def runs_folder() -> str | None:
    from aiblint.cachedir import cache_folder

    folder = cache_folder()
    return os.path.join(folder, RUNS) if folder is not None else None


# -- the questions ----------------------------------------------------------------------------
# A fact is [kind, path, argument, answer]; each kind is asked again by one function of
# ``_ASK``. Answers are JSON values (a record is JSON), errors ["E", errno].

_os_stat = os.stat
_os_lstat = os.lstat
_os_access = os.access
_os_listdir = os.listdir
_os_scandir = os.scandir
_os_readlink = os.readlink


def _stat(path: str, follow: bool) -> list[int]:
    try:
        status = _os_stat(path, follow_symlinks=follow)
    except OSError as error:
        return _error(error)
    return _summary(status)


def _summary(status: os.stat_result) -> list[int]:
    if status.st_mode & _KIND == _IS_FILE:
        return [status.st_mode, status.st_size, status.st_mtime_ns, status.st_ino]
    return [status.st_mode & _KIND]  # a folder's times change with its entries; only its kind is asked


def _access(path: str, mode: int) -> bool:
    return bool(_os_access(path, mode))


def _listing(path: str, _: object) -> list[str] | list[int]:
    try:
        return sorted(_os_listdir(path))
    except OSError as error:
        return _error(error)


def _entries(path: str, _: object) -> list[list[object]] | list[int]:
    """A folder's entries as :func:`os.scandir` tells them: name, kind, and what a link points to
    (lists, as JSON gives them back)."""
    try:
        with _os_scandir(path) as entries:
            rows: list[list[object]] = [[entry.name, _entry_kind(entry)] for entry in entries]
    except OSError as error:
        return _error(error)
    return sorted(rows, key=lambda row: str(row[0]))


def _entry_kind(entry: os.DirEntry[str]) -> list[bool]:
    try:
        link = entry.is_symlink()
        return [entry.is_dir(follow_symlinks=False), entry.is_file(follow_symlinks=False), link,
                link and entry.is_dir(), link and entry.is_file()]
    except OSError:
        return []


def _link(path: str, _: object) -> str | list[int]:
    try:
        return str(_os_readlink(path))
    except OSError as error:
        return _error(error)


def _content(path: str, _: object) -> str | list[int]:
    """The SHA-256 of a regular file's bytes (anything else is never opened here: a FIFO would block)."""
    kind = _stat(path, True)
    if len(kind) != 4:
        return kind if kind[0] == 0 else [0, -1]
    if kind[1] > MAX_READ:
        return [0, -2]
    try:
        with open(path, "rb") as stream:
            return sha256_hex(stream.read())
    except OSError as error:
        return _error(error)


def _error(error: OSError) -> list[int]:
    return [0, error.errno or 0]  # never a regular file's answer (mode first, never 0)


_ASK: dict[str, Callable[[str, Any], object]] = {
    "stat": _stat, "access": _access, "listdir": _listing, "scandir": _entries, "readlink": _link, "read": _content,
}


def _hold(facts: object) -> bool:
    """Whether every fact of a (checked or untrusted) list still holds."""
    if not isinstance(facts, list):
        return False
    for fact in facts:
        if not (isinstance(fact, list) and len(fact) == 4 and isinstance(fact[1], str) and fact[0] in _ASK):
            return False
        kind, path, argument, answer = fact
        try:
            if _ASK[kind](path, argument) != answer:
                return False
        except (OSError, TypeError, ValueError):
            return False
    return True


# -- replaying --------------------------------------------------------------------------------


def replayed(arguments: list[str], environment: dict[str, str]) -> int | None:
    """Write the recorded output of this command if nothing it read has changed, and return its
    exit code; ``None``: no such record, or something changed (run the command)."""
    if not (supported() and recordable(arguments)):
        return None
    key, folder = command_key(arguments, environment), runs_folder()
    if key is None or folder is None:
        return None
    record = _read(folder, key)
    if not (isinstance(record, dict) and record.get("format") == FORMAT and record.get("key") == key):
        return None
    base, output, code = record.get("base"), record.get("output"), record.get("exit")
    if not (isinstance(base, str) and _valid_output(output) and code in RECORDED_EXITS):
        return None
    if not (_hold(_read(folder, base)) and _hold(record.get("facts"))):
        return None
    assert isinstance(code, int) and isinstance(output, list)
    return _write(output, code)


def _read(folder: str, name: str) -> object:
    import json

    if not name.isalnum():
        return None
    try:
        with open(os.path.join(folder, name[:2], name), "rb") as stream:
            return json.loads(stream.read())
    except (OSError, ValueError, RecursionError):
        return None


def _valid_output(output: object) -> bool:
    return isinstance(output, list) and all(
        isinstance(step, list) and len(step) == 2 and step[0] in (0, 1, 2, 3) and isinstance(step[1], str) for step in output
    )


def _write(output: list[list[Any]], code: int) -> int:
    """Do what the run did with its standard output and error, in its order: each text written
    (``[0, text]``, ``[1, text]``) and each flush (``[2, ""]``, ``[3, ""]``) to the same kind of
    stream (the key holds their encoding and whether they are terminals), so that the same bytes
    reach the same files in the same order; what is left is flushed at exit, as it was."""
    streams = (sys.stdout, sys.stderr)
    try:
        for step, text in output:
            if step < 2:
                streams[step].write(text)
            else:
                streams[step - 2].flush()
    except OSError as error:  # what aiblint.cli does when its report cannot be written
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        if isinstance(error, BrokenPipeError):  # the reader stopped reading (aiblint . | head)
            return 1
        print(f"aiblint: error: cannot write the report to standard output: {error.strerror or error}", file=sys.stderr)
        return 2
    return code


# -- recording --------------------------------------------------------------------------------


class Recording:
    """The file-system questions and the output of this process's command, while it runs."""

    active: Recording | None = None

    def __init__(self, key: str, folder: str) -> None:
        self.key = key
        self.folder = folder
        self.facts: dict[tuple[str, str, object], object] = {}
        self.output: list[list[object]] = []
        self.spoiled: str | None = None
        self.asking = False  # the recording's own reads are not the run's
        self.streams: tuple[TextIO, TextIO] | None = None

    @classmethod
    def start(cls, arguments: list[str], environment: dict[str, str]) -> Recording | None:
        """Record this command, if it may be recorded and nothing of aiblint's run has been
        imported yet (a process that ran a command before holds memos: its questions were
        asked then, or never)."""
        if not (supported() and recordable(arguments)) or "aiblint.cli" in sys.modules or cls.active is not None:
            return None
        key, folder = command_key(arguments, environment), runs_folder()
        if key is None or folder is None:
            return None
        recording = cls(key, folder)
        recording.install()
        return recording

    def install(self) -> None:
        Recording.active = self
        _install_hook()
        os.stat, os.lstat, os.access = self._stat, self._lstat, self._access
        os.listdir, os.scandir, os.readlink = self._listdir, self._scandir, self._readlink
        assert sys.stdout is not None and sys.stderr is not None  # command_key read both
        self.streams = (sys.stdout, sys.stderr)
        sys.stdout, sys.stderr = _Tee(sys.stdout, 0, self), _Tee(sys.stderr, 1, self)

    def uninstall(self) -> None:
        os.stat, os.lstat, os.access = _os_stat, _os_lstat, _os_access
        os.listdir, os.scandir, os.readlink = _os_listdir, _os_scandir, _os_readlink
        if self.streams is not None:
            if isinstance(sys.stdout, _Tee):
                sys.stdout = self.streams[0]
            if isinstance(sys.stderr, _Tee):
                sys.stderr = self.streams[1]
        Recording.active = None

    def finish(self, code: int) -> None:
        """Stop recording; keep the record if the run may be replayed (see the module's text)."""
        self.uninstall()
        if code not in RECORDED_EXITS:
            self.spoil(f"exit code {code}")
        if self.spoiled is None and not _hold([[*question, answer] for question, answer in self.facts.items()]):
            self.spoil("a file changed while the run read it")
        for kind, path, argument, answer in _code_facts():
            self.note(kind, path, argument, answer)
        facts = [[kind, path, argument, answer] for (kind, path, argument), answer in self.facts.items()]
        if self.spoiled is not None:
            if os.environ.get(DEBUG_VARIABLE):
                print(f"aiblint: debug: this run is not recorded for a replay: {self.spoiled}", file=sys.stderr)
            return
        import json

        # The installation's facts (its code, its folders) are the same for every command: one
        # file for all of them, named by its content; the record holds the command's own.
        inside = _installation_folders()
        base = sorted((fact for fact in facts if _inside(str(fact[1]), inside)), key=json.dumps)
        data = json.dumps(base).encode("ascii")
        base_name = "base" + sha256_hex(data)
        if not os.path.exists(self._path(base_name)):
            _write_file(self._path(base_name), data)
        record = {"format": FORMAT, "key": self.key, "base": base_name, "exit": code, "output": self.output,
                  "facts": [fact for fact in facts if not _inside(str(fact[1]), inside)]}
        _write_file(self._path(self.key), json.dumps(record).encode("ascii"))

    def _path(self, name: str) -> str:
        return os.path.join(self.folder, name[:2], name)

    def note(self, kind: str, path: object, argument: object, answer: object) -> None:
        if self.asking or not isinstance(path, (str, bytes, os.PathLike)):
            return
        try:
            name = _name(path)
            if self.facts.setdefault((kind, name, argument), answer) != answer:
                self.spoil(f"{name} changed while the run read it")
        except Exception as error:  # a path that cannot be a JSON string, say: not the run's problem
            self.spoil(f"{kind} {path!r}: {error!r}")

    def spoil(self, reason: str) -> None:
        if self.spoiled is None:
            self.spoiled = reason

    # The file-system functions of :mod:`os` while the run runs: each answers as it would,
    # and notes the question and its answer.

    def _stat(self, path: Any, *, dir_fd: int | None = None, follow_symlinks: bool = True) -> os.stat_result:
        if dir_fd is not None:
            self.spoil("stat with dir_fd")
        try:
            status = _os_stat(path, dir_fd=dir_fd, follow_symlinks=follow_symlinks)
        except OSError as error:
            self.note("stat", path, follow_symlinks, _error(error))
            raise
        self.note("stat", path, follow_symlinks, _summary(status))  # (an int path: fstat, not noted)
        return status

    def _lstat(self, path: Any, *, dir_fd: int | None = None) -> os.stat_result:
        return self._stat(path, dir_fd=dir_fd, follow_symlinks=False)

    def _access(self, path: Any, mode: int, **options: Any) -> bool:
        if options:
            self.spoil("access with options")
        allowed = _os_access(path, mode, **options)
        self.note("access", path, mode, allowed)
        return allowed

    def _listdir(self, path: Any = ".") -> list[Any]:
        if isinstance(path, int):
            self.spoil("listdir of a descriptor")
        try:
            names = _os_listdir(path)
        except OSError as error:
            self.note("listdir", path, None, _error(error))
            raise
        self.note("listdir", path, None, sorted(os.fsdecode(name) for name in names))
        return names

    def _scandir(self, path: Any = ".") -> Any:
        if isinstance(path, int):
            self.spoil("scandir of a descriptor")
        try:
            return _os_scandir(path)
        finally:
            self._ask("scandir", path, None)

    def _readlink(self, path: Any, *, dir_fd: int | None = None) -> Any:
        if dir_fd is not None:
            self.spoil("readlink with dir_fd")
        try:
            target = _os_readlink(path, dir_fd=dir_fd)
        except OSError as error:
            self.note("readlink", path, None, _error(error))
            raise
        self.note("readlink", path, None, os.fsdecode(target))
        return target

    def _ask(self, kind: str, path: Any, argument: object) -> None:
        """Note the answer to a question the run just asked (asked once more, as the run asked it)."""
        if self.asking or not isinstance(path, (str, bytes, os.PathLike)):
            return
        self.asking = True
        try:
            name = _name(path)
            answer = _ASK[kind](name, argument)
        except Exception as error:  # not the run's problem: this run is only not recorded
            self.spoil(f"{kind} {path!r}: {error!r}")
            return
        finally:
            self.asking = False
        self.note(kind, name, argument, answer)

    def opened(self, path: object, mode: object, flags: object, frame: FrameType | None) -> None:
        """The audit event ``open``: a file read is noted with its content; a file written spoils."""
        if self.asking or isinstance(path, int) or _importing(frame):
            return
        if isinstance(mode, str):
            writing = bool(_WRITING.intersection(mode))
        else:
            writing = isinstance(flags, int) and (flags & os.O_ACCMODE != os.O_RDONLY or flags & (os.O_CREAT | os.O_TRUNC) != 0)
        if writing:
            self.spoil(f"wrote {path!r}")
            return
        self._ask("read", path, None)
        answer = self.facts.get(("read", _name(path), None))
        if isinstance(answer, list) and answer[0] == 0 and answer[1] < 0:
            self.spoil(f"read {path!r}, not a regular file or a large one")


def _name(path: Any) -> str:
    return os.fsdecode(os.fspath(path))


def _importing(frame: FrameType | None) -> bool:
    """Whether the file is opened by the import system (a module's code: its stat is a fact of its own)."""
    return frame is not None and frame.f_code.co_filename.startswith("<frozen importlib")


_hook_installed = False


def _install_hook() -> None:
    global _hook_installed
    if not _hook_installed:
        sys.addaudithook(_audit)  # for the life of the process: a hook cannot be removed
        _hook_installed = True


def _audit(event: str, arguments: tuple[Any, ...]) -> None:
    recording = Recording.active
    if recording is None:
        return
    try:
        if event == "open":
            try:
                caller: FrameType | None = sys._getframe(1)
            except ValueError:  # opened from C, with no Python frame
                caller = None
            recording.opened(arguments[0], arguments[1], arguments[2], caller)
        elif event in _SPOILERS:
            recording.spoil(event)
    except Exception as error:  # never the run's problem: this run is only not recorded
        recording.spoil(f"{event}: {error!r}")


class _Tee:
    """Standard output or error, with what is written noted in order."""

    def __init__(self, stream: TextIO, index: int, recording: Recording) -> None:
        self._stream = stream
        self._index = index
        self._recording = recording

    def write(self, text: str) -> int:
        try:
            written = self._stream.write(text)
        except BaseException:  # a broken pipe, a full disk: the output is not what the run meant
            self._recording.spoil("writing its output failed")
            raise
        self._recording.output.append([self._index, text])
        return written

    def writelines(self, lines: Iterator[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        try:
            self._stream.flush()
        except BaseException:
            self._recording.spoil("writing its output failed")
            raise
        self._recording.output.append([self._index + 2, ""])

    def isatty(self) -> bool:
        return self._stream.isatty()

    def __getattr__(self, name: str) -> Any:
        if name not in ("encoding", "errors", "closed", "name", "mode", "line_buffering", "write_through", "newlines"):
            self._recording.spoil(f"the stream's {name}")  # bytes written past the text (buffer, fileno)
        return getattr(self._stream, name)


def _code_facts() -> list[tuple[str, str, object, object]]:
    """The file of every module imported, and the entries of every folder on ``sys.path``."""
    facts: list[tuple[str, str, object, object]] = []
    for module in list(sys.modules.values()):
        file = getattr(module, "__file__", None)
        if isinstance(file, str):
            facts.append(("stat", file, True, _stat(file, True)))
    facts += [("listdir", entry or ".", None, _listing(entry or ".", None)) for entry in sys.path]  # '': the working folder
    return facts


def _installation_folders() -> tuple[str, ...]:
    """Folders whose facts are the installation's, shared by every record of it."""
    folders = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for module in list(sys.modules.values()):
        paths = getattr(module, "__path__", None)
        if paths is not None and "." not in getattr(module, "__name__", "."):
            folders.update(str(path) for path in paths)
    return tuple(os.path.join(os.path.abspath(folder), "") for folder in folders if folder)


def _inside(path: str, folders: tuple[str, ...]) -> bool:
    """An absolute path in one of ``folders``, without ``..`` (a relative one means the working folder's)."""
    return path.startswith(folders) and not ("/./" in path or "/../" in path or path.endswith(("/.", "/..")))


def _write_file(path: str, data: bytes) -> None:
    """A new file renamed into place (concurrent runs never see half a record); errors ignored."""
    temporary = f"{path}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "xb") as stream:
            stream.write(data)
        os.replace(temporary, path)
    except OSError:
        try:  # noqa: SIM105 (contextlib: one more import)
            os.unlink(temporary)
        except OSError:
            pass
