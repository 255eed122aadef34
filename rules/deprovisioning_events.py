"""What a template's customize steps do to the deprovisioning script, in order
(for AIB509).

Each step gives events about ``/tmp/DeprovisioningScript.sh`` (Shell) or
``c:\\DeprovisioningScript.ps1`` (PowerShell): ``delete`` (removed or moved
away, by name or by a wildcard or recursive delete that covers it), ``empty``
(truncated to nothing), ``write`` (overwritten with content: the documented
override, or a ``File`` customizer with that destination) and ``unknown`` (a
step whose content aiblint cannot read, which might write it).
"""

from __future__ import annotations

import ntpath
import posixpath
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from functools import lru_cache
from typing import Final

from aiblint.jsontree import JsonObject
from aiblint.model import ImageTemplate
from aiblint.record import Record
from aiblint.scripts.syntax import POWERSHELL, Command, Word
from aiblint.scripts.units import ScriptUnit, script_units, uri_node

from .deprovisioning import LINUX_PATH, WINDOWS_PATH
from .script_reading import PsCommand, exe_name, name, operands, short_flags, values
from .steps import step_kind


class Event(Record):
    """What a command does to the deprovisioning script."""

    __slots__ = ("kind", "path", "pattern", "start", "end", "unit")  # noqa: RUF023 - in field order
    kind: Final[str]  # "delete" | "empty" | "write" | "unknown"
    path: Final[str]  # the deprovisioning script concerned
    pattern: Final[str]  # the path as written in the command (a file, a folder, a wildcard)
    start: Final[int]  # where, in the unit's text
    end: Final[int]
    unit: Final[ScriptUnit | None]

    def __init__(self, kind: str, path: str = "", pattern: str = "", start: int = 0, end: int = 0, unit: ScriptUnit | None = None) -> None:
        self.kind = kind
        self.path = path
        self.pattern = pattern
        self.start = start
        self.end = end
        self.unit = unit


_UNKNOWN: Final = Event("unknown")


def deprovisioning_events(template: ImageTemplate) -> list[Event]:
    """Every event of the ``customize`` steps, in the order they run."""
    units: dict[int, list[ScriptUnit]] = {}
    for unit in script_units(template):
        if unit.phase == "customize":
            units.setdefault(id(unit.owner), []).append(unit)
    events: list[Event] = []
    for step in template.customizers:
        events.extend(_step_events(template, step, units.get(id(step), [])))
    return events


def _step_events(template: ImageTemplate, step: JsonObject, units: list[ScriptUnit]) -> Iterator[Event]:
    kind = step_kind(template, step)
    if kind == "file":
        yield from _file_step(template, step)
    elif kind in ("shell", "powershell"):
        for unit in units:
            yield from unit_events(unit)
            if unit.has_unknown_lines:
                yield _UNKNOWN
        origins = {unit.origin for unit in units}
        if (uri_node(template, step) is not None and "file" not in origins) or (
            template.member(step, "inline") is not None and "inline" not in origins
        ):
            yield _UNKNOWN  # a script aiblint could not read
    elif kind is None:
        yield _UNKNOWN
    # WindowsRestart and WindowsUpdate touch no files


def _file_step(template: ImageTemplate, step: JsonObject) -> Iterator[Event]:
    node = template.member(step, "destination")
    destination = template.resolve(node).text() if node is not None else None
    if destination is None:
        yield _UNKNOWN
    elif same_path(destination, LINUX_PATH, windows=False) or same_path(destination, WINDOWS_PATH, windows=True):
        yield Event("write", destination, destination)


def unit_events(unit: ScriptUnit) -> Iterator[Event]:
    """The events of one script, in text order."""
    script = unit.syntax()
    windows = unit.language == POWERSHELL
    target = WINDOWS_PATH if windows else LINUX_PATH
    reader = _powershell_events if windows else _shell_events
    for command in sorted(script.commands, key=lambda item: item.start):
        for kind, word in reader(command, target):
            yield Event(kind, target, word.value or word.text, word.start, word.end, unit)


# -- paths -----------------------------------------------------------------------------------

_UNKNOWN_PATH: Final = re.compile(r"[$`%~]")


@lru_cache(maxsize=256)
def _segments(path: str, windows: bool) -> tuple[str, ...] | None:
    """The parts of an absolute path, normalized; ``None`` when it is relative or
    built from variables. Kept for the paths seen last: every comparison splits the
    target path again, and scripts repeat their paths. The answer depends on the two
    arguments alone (both are the key), and a tuple cannot be changed by a caller."""
    if not path or _UNKNOWN_PATH.search(path):
        return None
    if windows:
        path = ntpath.normpath(path.replace("/", "\\")).casefold()
        if not re.match(r"[a-z]:\\", path + "\\"):
            return None
        return tuple(part for part in path.split("\\") if part)
    if not path.startswith("/"):
        return None
    path = posixpath.normpath(path)
    return ("", *(part for part in path.split("/") if part))


def same_path(path: str, target: str, *, windows: bool) -> bool:
    """Whether two absolute paths name the same file (Windows: without case)."""
    mine, theirs = _segments(path, windows), _segments(target, windows)
    return mine is not None and mine == theirs


def covers(pattern: str, target: str, *, windows: bool, recursive: bool, wildcards: bool = True) -> bool:
    """Whether deleting ``pattern`` removes ``target``: the same path, a wildcard that
    matches it (``/tmp/*``), or a folder above it deleted recursively (``/tmp``)."""
    mine, theirs = _segments(pattern, windows), _segments(target, windows)
    if mine is None or theirs is None or len(mine) > len(theirs):
        return False
    if len(mine) < len(theirs) and not recursive:
        return False
    if not wildcards:
        return mine == theirs[: len(mine)]
    return all(fnmatchcase(part, glob) for glob, part in zip(mine, theirs, strict=False))


# -- shell -----------------------------------------------------------------------------------

#: Predicates of ``find`` that do not narrow what it deletes below "everything under the path".
_FIND_PLAIN: Final = frozenset({"-mindepth", "-maxdepth", "-xdev", "-mount", "-depth", "-delete", "-print", "-ignore_readdir_race"})
_FIND_VALUED: Final = frozenset({"-mindepth", "-maxdepth"})
_EMPTY_OUTPUT: Final = frozenset({":", "true"})


def _shell_events(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    program = name(command, "shell")
    finder = _SHELL.get(program)
    if finder is not None:
        yield from finder(command, target)
    for redirect in command.redirects:
        word = redirect.target
        if word is None or redirect.operator not in (">", ">|", "&>", ">>", "&>>") or not same_path(word.value or "", target, windows=False):
            continue
        truncating = redirect.operator in (">", ">|", "&>") and _prints_nothing(command)
        yield ("empty" if truncating else "write"), word


def _prints_nothing(command: Command) -> bool:
    program = name(command, "shell")
    args = values(command.args)
    if program in _EMPTY_OUTPUT:
        return not args
    if program == "echo":
        return all(value in ("", "-n") for value in args) and all(word.value is not None for word in command.args)
    if program == "printf":
        return args[:1] == [""] and len(args) == 1
    if program == "cat":
        return args == ["/dev/null"]
    return False


def _rm(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    flags = short_flags(command)
    recursive = bool({"r", "R", "--recursive"} & flags)
    for word in operands(command):
        if covers(word.value or "", target, windows=False, recursive=recursive):
            yield "delete", word


def _unlink(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    for word in operands(command):
        if same_path(word.value or "", target, windows=False):
            yield "delete", word


def _shred(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    flags = short_flags(command)
    if "u" in flags or any(flag.startswith("--remove") for flag in flags):
        for word in operands(command, frozenset({"-n", "-s", "--iterations", "--size"})):
            if same_path(word.value or "", target, windows=False):
                yield "delete", word


_TARGET_OPTIONS: Final = frozenset({"-t", "--target-directory"})


def _mv(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    sources, destination = _sources_and_destination(command, frozenset({"-S", "--suffix"}))
    for word in sources:
        if covers(word.value or "", target, windows=False, recursive=True):
            yield "delete", word
    if destination is not None and same_path(destination.value or "", target, windows=False):
        yield "write", destination


def _cp(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    sources, destination = _sources_and_destination(command, frozenset({"-S", "--suffix", "-m", "-o", "-g", "--mode", "--owner", "--group"}))
    if destination is not None and same_path(destination.value or "", target, windows=False):
        empty = len(sources) == 1 and sources[0].value == "/dev/null"
        yield ("empty" if empty else "write"), destination


def _sources_and_destination(command: Command, takes_value: frozenset[str]) -> tuple[list[Word], Word | None]:
    args = command.args
    for index, word in enumerate(args[:-1]):
        if word.value in _TARGET_OPTIONS:
            return operands(command, takes_value | _TARGET_OPTIONS), args[index + 1]
    found = operands(command, takes_value)
    return (found[:-1], found[-1]) if len(found) >= 2 else (found, None)


def _find(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    args = command.args
    starts: list[Word] = []
    for word in args:
        value = word.value or ""
        if value.startswith(("-", "(", "!")):
            break
        starts.append(word)
    rest = values(args[len(starts) :])
    deletes = "-delete" in rest or any(
        value in ("-exec", "-execdir") and rest[index + 1 : index + 2] == ["rm"] for index, value in enumerate(rest)
    )
    if not deletes or not _only_plain_predicates(rest):
        return
    for word in starts:
        if covers(word.value or "", target, windows=False, recursive=True):
            yield "delete", word


def _only_plain_predicates(rest: list[str]) -> bool:
    """``find`` deletes everything under its paths: no test narrows it (``-name``, ``-type d``...)."""
    index = 0
    while index < len(rest):
        value = rest[index]
        if value in ("-exec", "-execdir"):
            return True  # what follows is the command it runs
        if (value == "-type" and rest[index + 1 : index + 2] == ["f"]) or value in _FIND_VALUED:
            index += 2
        elif value in _FIND_PLAIN:
            index += 1
        else:
            return False
    return True


def _truncate(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    args = values(command.args)
    zero = any(
        (value in ("-s", "--size") and args[index + 1 : index + 2] == ["0"]) or value in ("-s0", "--size=0")
        for index, value in enumerate(args)
    )
    if zero:
        for word in operands(command, frozenset({"-s", "--size", "-r", "--reference"})):
            if same_path(word.value or "", target, windows=False):
                yield "empty", word


def _tee(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    for word in operands(command):
        if same_path(word.value or "", target, windows=False):
            yield "write", word


_OUTPUT_OPTIONS: Final = {"curl": ("-o", "--output"), "wget": ("-O", "--output-document")}


def _download(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    options = _OUTPUT_OPTIONS[name(command, "shell")]
    args = command.args
    for index, word in enumerate(args):
        value = word.value or ""
        if value in options and index + 1 < len(args) and same_path(args[index + 1].value or "", target, windows=False):
            yield "write", args[index + 1]
        elif value.startswith(options[1] + "=") and same_path(value.split("=", 1)[1], target, windows=False):
            yield "write", word


def _dd(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    for word in command.args:
        value = word.value or ""
        if value.startswith("of=") and same_path(value[3:], target, windows=False):
            yield "write", word


_SHELL: Final = {
    "rm": _rm, "unlink": _unlink, "shred": _shred, "mv": _mv, "cp": _cp, "install": _cp, "find": _find,
    "truncate": _truncate, "tee": _tee, "curl": _download, "wget": _download, "dd": _dd,
}


# -- PowerShell ------------------------------------------------------------------------------

_REMOVE: Final = frozenset({"remove-item", "ri", "rm", "del", "erase", "rd", "rmdir"})
_MOVE: Final = frozenset({"move-item", "mi", "mv", "move"})
_COPY: Final = frozenset({"copy-item", "cpi", "cp", "copy"})
_SET_CONTENT: Final = frozenset({"set-content", "sc"})
_ADD_CONTENT: Final = frozenset({"add-content", "ac", "out-file"})
_CLEAR_CONTENT: Final = frozenset({"clear-content", "clc"})
_NEW_ITEM: Final = frozenset({"new-item", "ni"})
_WEB: Final = frozenset({"invoke-webrequest", "iwr", "curl", "wget", "invoke-restmethod", "irm"})
_PATH_PARAMETERS: Final = ("path", "literalpath", "filepath", "destination", "value", "name", "outfile", "itemtype",
                           "filter", "include", "exclude", "credential", "stream", "encoding", "type")
_SWITCHES: Final = ("recurse", "force", "whatif", "confirm", "append", "nonewline", "passthru")
_FILE_METHODS: Final = ("[system.io.file]::", "[io.file]::")


def _powershell_events(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    if command.kind == "method":
        yield from _method_events(command, target)
        return
    program = name(command, POWERSHELL)
    if program == "sc" and exe_name(command) == "sc.exe":
        return  # the service tool, not Set-Content
    call = PsCommand(command, _PATH_PARAMETERS, _SWITCHES)
    path = _ps_path(call)
    if program in _REMOVE:
        if not (call.has("whatif") or call.has("filter") or call.has("include") or call.has("exclude")):
            yield from _ps_delete(call, target)
    elif program in _MOVE:
        yield from _ps_delete(call, target)
        yield from _ps_written(call.value("destination", 1), target)
    elif program in _COPY:
        yield from _ps_written(call.value("destination", 1), target)
    elif program in _SET_CONTENT and path is not None and same_path(path.value or "", target, windows=True):
        content = call.value("value", 1)
        empty = (content is None and command.stage == 0) or (content is not None and _empty_value(content))
        yield ("empty" if empty else "write"), path
    elif program in _ADD_CONTENT:
        yield from _ps_written(path, target)
    elif program in _CLEAR_CONTENT and path is not None and same_path(path.value or "", target, windows=True):
        yield "empty", path
    elif program in _NEW_ITEM:
        yield from _ps_new_item(call, target)
    elif program in _WEB:
        yield from _ps_written(call.value("outfile"), target)
    for redirect in command.redirects:
        if redirect.target is not None and same_path(redirect.target.value or "", target, windows=True):
            yield "write", redirect.target


def _ps_path(call: PsCommand) -> Word | None:
    return call.value("literalpath") or call.value("filepath") or call.value("path", 0)


def _ps_delete(call: PsCommand, target: str) -> Iterator[tuple[str, Word]]:
    literal = call.value("literalpath")
    word = literal or call.value("path", 0)
    recursive = call.has("recurse")
    if word is not None and covers(word.value or "", target, windows=True, recursive=recursive, wildcards=literal is None):
        yield "delete", word


def _ps_written(word: Word | None, target: str) -> Iterator[tuple[str, Word]]:
    if word is not None and same_path(word.value or "", target, windows=True):
        yield "write", word


def _ps_new_item(call: PsCommand, target: str) -> Iterator[tuple[str, Word]]:
    path = call.value("path", 0)
    if path is None:
        return
    full = path.value or ""
    item_name = call.value("name")
    if item_name is not None:
        full = ntpath.join(full, item_name.value or "$")
    if not same_path(full, target, windows=True):
        return
    content = call.value("value")
    if content is not None:
        yield ("empty" if _empty_value(content) else "write"), path
    elif call.has("force"):
        yield "empty", path  # -Force replaces the file with an empty one


def _empty_value(word: Word) -> bool:
    return word.value == "" or word.text.casefold() == "$null"


def _method_events(command: Command, target: str) -> Iterator[tuple[str, Word]]:
    method = command.name
    args = command.args
    if method.startswith(_FILE_METHODS):
        member = method.split("::", 1)[1]
        if member in ("delete", "move") and args and same_path(args[0].value or "", target, windows=True):
            yield "delete", args[0]
        if member in ("writealltext", "writealllines", "writeallbytes", "appendalltext") and args:
            yield from _ps_written(args[0], target)
        if member in ("copy", "move") and len(args) > 1:
            yield from _ps_written(args[1], target)
    elif method == ".downloadfile" and len(args) > 1:
        yield from _ps_written(args[1], target)
