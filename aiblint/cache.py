"""The result cache: a file that has not changed is not linted again.

An entry is found by a key over everything a file's findings are computed
from before the run looks at the file: its bytes, its display path and
whether it was named, and the run (:func:`run_key`: aiblint's version and
code, the installed distributions, the rules and their options, the
settings that change findings, the ``--parameters`` files, the external
tools). An entry then lists what linting the file read besides itself, each
with what was there; it is used only if all of that is still the same:

* the parameters file paired with the template (``x.parameters.json``), or that there is none;
* every ``scriptUri``, resolved again (git remotes, ``script-roots`` and
  missing files included), and the bytes of the file it resolves to;
* the nearest ``.shellcheckrc`` and PSScriptAnalyzer settings above the
  template and each script (the tools read them).

Entries live in ``<cache folder>/results`` (:mod:`aiblint.cachedir`), one
JSON file each, written atomically: concurrent runs share the folder safely,
and an unreadable or corrupt entry is a miss. Nothing is cached with
``--fetch`` (a download is not a file whose state can be checked).
Rules must be functions of what they read through the engine; a rule that
reads the clock or the network would be served stale results.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

from aiblint import __version__
from aiblint.claims import claims_from_json, claims_to_json
from aiblint.outcome import FileOutcome, Tally, findings_from_json, findings_to_json

if TYPE_CHECKING:
    from aiblint.engine import Linter
    from aiblint.formatters import RuleInfo
    from aiblint.registry import RuleSet
    from aiblint.scripts.resolve import Resolution
    from aiblint.scripts.units import ScriptUnit

FORMAT = 1
RESULTS = "results"
RULE_INFOS = "rules"
#: Files external analyzers read from the folders above a script (ShellCheck, PSScriptAnalyzer).
TOOL_SETTINGS = (".shellcheckrc", "shellcheckrc", "PSScriptAnalyzerSettings.psd1")
#: Programs whose version changes findings (a stamp of the file found on PATH).
TOOLS = ("shellcheck", "pwsh")
#: Environment variables those programs read.
TOOL_ENVIRONMENT = ("SHELLCHECK_OPTS",)

Dependencies = dict[str, Sequence[object]]


class ResultCache:
    def __init__(self, linter: Linter, folder: Path) -> None:
        self.linter = linter
        self.folder = folder
        self.run = run_key(linter)
        self.memo = linter.scripts.memo = _Memo(linter.scripts.memo)
        self._hashes: dict[Path, str | None] = {}
        self._nearest: dict[tuple[str, str, str], str | None] = {}
        self.hits = self.misses = 0

    @classmethod
    def open(cls, linter: Linter) -> ResultCache | None:
        """The cache for this run; ``None`` when there is no cache folder or ``--fetch`` is on."""
        from aiblint.cachedir import cache_root

        root = cache_root()
        if root is None or linter.scripts.fetch:
            return None
        return cls(linter, root / RESULTS)

    def key(self, data: bytes, display: str, explicit: bool) -> str:
        digest = hashlib.sha256(self.run.encode())
        digest.update(f"\0{display}\0{int(explicit)}\0".encode("utf-8", "surrogatepass"))
        digest.update(data)
        return digest.hexdigest()

    def lookup(self, key: str, data: bytes, display: str) -> FileOutcome | None:
        """The outcome stored under ``key`` if what it depended on is unchanged."""
        from aiblint.cachedir import read_json

        try:
            entry = _entry(read_json(self._file(key)))
            outcome = _outcome(entry, display) if self._still_valid(entry["deps"], display) else None
        except ValueError:
            outcome = None  # missing, half-written by a crash, another format or tampered with: lint again
        if outcome is None:
            self.misses += 1
            return None
        self.hits += 1
        if outcome.directives or outcome.rebatch:
            outcome.data = data
        return outcome

    def store(self, key: str, outcome: FileOutcome, units: Sequence[ScriptUnit]) -> None:
        entry = {
            "format": FORMAT,
            "deps": self.dependencies(outcome.display, units),
            "templates": outcome.templates,
            "linted": outcome.linted,
            "directives": outcome.directives,
            "notes": outcome.notes,
            "silent": list(outcome.silent),
            "rebatch": list(outcome.rebatch),
            "tally": {"units": dict(outcome.tally.units), "references": dict(outcome.tally.references)},
            "findings": findings_to_json(outcome.findings),
            "claims": claims_to_json(outcome.claims),
        }
        from aiblint.cachedir import write_atomically

        write_atomically(self._file(key), json.dumps(entry, separators=(",", ":")).encode("utf-8", "surrogatepass"))

    def _file(self, key: str) -> Path:
        return self.folder / key[:2] / key

    # -- what a result depended on ---------------------------------------------------------

    def dependencies(self, display: str, units: Sequence[ScriptUnit]) -> Dependencies:
        """What linting ``display`` read besides the file, with what was there (see the module text)."""
        from aiblint.scripts.resolve import UNKNOWN
        from aiblint.uris import mask_uri

        # An expression or placeholder resolves to nothing whatever the files say. A credential in
        # a URI is not kept (masked, the URI resolves the same, or differently: then it is a miss).
        resolutions = [
            [mask_uri(uri), value.status, str(value.path) if value.path else None, self._hash(value.path) if value.readable else None]
            for uri, value in self.memo.resolutions.get(display, [])
            if value.status != UNKNOWN
        ]
        return {
            "paired": [self._paired(display)],
            "read": self._read(display),
            "uris": resolutions,
            "settings": [self._nearest_file(folder, name) for folder in self._folders(display, units) for name in TOOL_SETTINGS],
        }

    def _still_valid(self, deps: Any, display: str) -> bool:  # deps: checked by _entry
        if deps["paired"] != [self._paired(display)]:
            return False
        read = deps["read"]  # [] or [[folder's .tf/.tfvars names, paths read, their hashes]]
        if read != self._read(display, read[0][1] if read and isinstance(read[0][1], list) else []):
            return False
        uris = deps["uris"]
        if uris:
            from aiblint.scripts.resolve import resolve_uri
            from aiblint.scripts.settings import active

            with active(self.linter.scripts):
                for uri, status, path, digest in uris:
                    now = resolve_uri(str(uri), display, self.linter.scripts)
                    if [now.status, str(now.path) if now.path else None] != [status, path]:
                        return False
                    if now.readable and self._hash(now.path) != digest:
                        return False
        return all(self._nearest_file(Path(str(folder)), str(name)) == [folder, name, *rest]
                   for folder, name, *rest in deps["settings"])

    def _paired(self, display: str) -> list[object] | None:
        if display.startswith("<"):
            return None
        from aiblint.arm.pairing import paired_file

        if display.lower().endswith(".bicep"):
            from aiblint.bicep.pairing import paired_parameters

            paired = paired_parameters(self.linter.cwd / display)
        else:
            paired = paired_file(self.linter.cwd / display)
        if paired is None:
            return None
        try:
            out = not paired.resolve().is_relative_to(paired.parent.resolve())
        except (OSError, RuntimeError):
            out = True
        # A link out of the template's folder is never read (aiblint.arm.provenance), not even to hash it.
        return [str(paired), None if out else self._hash(paired)]

    def _read(self, display: str, paths: Sequence[object] | None = None) -> list[list[object]]:
        """What a front end read besides the file (a Terraform module's other files,
        a file read by ``file()``: ``paths``, by default those of this run), with
        their hashes, and the ``.tf``/``.tfvars`` files its folder has (a new one
        changes the module); ``[]`` for a JSON file."""
        if not display.lower().endswith((".tf", ".tfvars")) or display.startswith("<"):
            return []
        read = [str(path) for path in (paths if paths is not None else self.linter.reads.get(display, []))]
        folder = (self.linter.cwd / display).parent
        try:
            names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith((".tf", ".tfvars")))
        except OSError:
            names = []
        return [[names, read, [self._hash(Path(path)) for path in read]]]

    def _folders(self, display: str, units: Sequence[ScriptUnit]) -> list[Path]:
        folders = [] if display.startswith("<") else [(self.linter.cwd / display).parent]
        for unit in units:
            resolution = unit.resolution
            if resolution is not None and resolution.path is not None and resolution.path.parent not in folders:
                folders.append(resolution.path.parent)
        return folders

    def _nearest_file(self, folder: Path, name: str) -> list[object]:
        """[folder, name, the nearest such file at or above folder inside its repository, its hash]
        (the tools are given that file, never one above the repository)."""
        from aiblint.scripts.resolve import repository_for

        boundary = str(repository_for(folder, self.linter.scripts).root)
        found = self._nearest_path(str(Path(folder).resolve()), name, boundary)
        return [str(folder), name, found, self._hash(Path(found)) if found else None]

    def _nearest_path(self, folder: str, name: str, boundary: str) -> str | None:
        # Folders share their parents: each folder is looked at once per name.
        key = (folder, name, boundary)
        if key not in self._nearest:
            candidate = os.path.join(folder, name)
            parent = os.path.dirname(folder)
            if os.path.isfile(candidate):
                self._nearest[key] = candidate
            elif parent == folder or folder == boundary or not folder.startswith(boundary.rstrip(os.sep) + os.sep):
                self._nearest[key] = None
            else:
                self._nearest[key] = self._nearest_path(parent, name, boundary)
        return self._nearest[key]

    def _hash(self, path: Path | None) -> str | None:
        if path is None:
            return None
        if path not in self._hashes:
            try:
                self._hashes[path] = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                self._hashes[path] = None
        return self._hashes[path]


class _Memo(dict[object, object]):
    """The run's script memo (:class:`~aiblint.scripts.settings.ScriptSettings`),
    with the ``scriptUri`` resolutions made for each template indexed: what a
    file's entry depends on, found without scanning everything the run resolved."""

    def __init__(self, items: dict[object, object]) -> None:
        super().__init__(items)
        self.resolutions: dict[str, list[tuple[str, Resolution]]] = {}

    def __setitem__(self, key: object, value: object) -> None:
        super().__setitem__(key, value)
        from aiblint.scripts.resolve import Resolution

        if isinstance(key, tuple) and len(key) >= 3 and key[0] == "resolution" and isinstance(value, Resolution):
            self.resolutions.setdefault(str(key[2]), []).append((str(key[1]), value))


#: An entry's keys, each with its type and, for dependency lists, the length of each item.
_ENTRY = {"format": int, "deps": dict, "templates": int, "linted": list, "directives": bool, "notes": list,
          "silent": list, "rebatch": list, "tally": dict, "findings": list, "claims": list}
_DEPENDENCIES = {"paired": 2, "uris": 4, "settings": 4, "read": 3}


def _entry(data: object) -> dict[str, Any]:
    """A cache entry checked for every key :meth:`ResultCache.store` writes; ``ValueError`` otherwise.

    The cache folder is shared (CI caches, other versions, a crash mid-way):
    what is read there is data to check, never trusted to have any shape."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError("not an entry of this format")
    for name, kind in _ENTRY.items():
        if not isinstance(data.get(name), kind):
            raise ValueError(f"entry: {name} is missing or not a {kind.__name__}")
    deps = data["deps"]
    for name, length in _DEPENDENCIES.items():
        items = deps.get(name)
        if not isinstance(items, list) or not all(_dependency(item, length) for item in items):
            raise ValueError(f"entry: deps.{name}")
    return data


def _dependency(item: object, length: int) -> bool:
    # "paired" holds one item that is None (no parameters file) or [path, hash].
    return item is None if length == 2 and not isinstance(item, list) else isinstance(item, list) and len(item) == length


def _outcome(entry: dict[str, Any], display: str) -> FileOutcome:
    tally = entry["tally"]
    return FileOutcome(
        display,
        findings_from_json(entry["findings"]),
        templates=_expect_int(entry["templates"]),
        linted=_strings(entry["linted"]),
        directives=bool(entry["directives"]),
        notes=_strings(entry["notes"]),
        silent=tuple(_strings(entry["silent"])),
        rebatch=tuple(_strings(entry["rebatch"])),
        tally=Tally(_counter(tally.get("units")), _counter(tally.get("references"))),
        cached=True,
        claims=claims_from_json(entry["claims"]),
    )


def _expect_int(value: object) -> int:
    if not isinstance(value, int):
        raise ValueError("not a number")
    return value


def _strings(value: object) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
        raise ValueError("not a list of strings")
    return value


def _counter(value: object) -> Counter[str]:
    if not isinstance(value, dict) or not all(isinstance(count, int) for count in value.values()):
        raise ValueError("tally: not an object of counts")
    return Counter({str(key): count for key, count in value.items()})


# -- rule metadata --------------------------------------------------------------------------


def rule_infos(rules: RuleSet, use_cache: bool = True) -> dict[str, RuleInfo]:
    """What output formats may say about each rule: kept in the cache folder, so
    that a run whose results all came from the cache need not import the rules."""
    from aiblint.cachedir import cache_root, read_json, write_atomically
    from aiblint.registry import rule_infos_of

    root = cache_root() if use_cache else None
    file = root / RULE_INFOS / rule_set_key(rules) if root is not None else None
    if file is not None and not rules.loaded:
        try:
            return _rule_infos(read_json(file))
        except ValueError:
            pass  # not there yet, or not readable: from the rules
    infos = rule_infos_of(rules.rules)
    if file is not None and not file.exists():
        rows = [[info.id, info.name, int(info.severity), info.summary, info.description, info.help_uri, list(info.tags),
                 info.security_severity] for info in infos.values()]
        write_atomically(file, json.dumps(rows).encode("utf-8", "surrogatepass"))
    return infos


def _rule_infos(rows: object) -> dict[str, RuleInfo]:
    if not isinstance(rows, list):
        raise ValueError("rule infos: not a list")
    return {info.id: info for info in map(_rule_info, rows)}


def _rule_info(row: object) -> RuleInfo:
    from aiblint.findings import Severity
    from aiblint.formatters import RuleInfo

    if not isinstance(row, list) or len(row) != 8:
        raise ValueError("rule info: not an 8-item list")
    rule_id, name, severity, summary, description, help_uri, tags, security = row
    if not (isinstance(tags, list) and isinstance(severity, int) and (security is None or isinstance(security, (int, float)))):
        raise ValueError("rule info: severity, tags or security severity")
    return RuleInfo(_text(rule_id), _text(name), Severity(severity), _text(summary), _text(description), _text(help_uri),
                    tuple(_text(tag) for tag in tags), float(security) if security is not None else None)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("rule info: not a string")
    return value


# -- the run's part of every key ------------------------------------------------------------


def run_key(linter: Linter) -> str:
    """Everything outside a file that its findings are computed from, as one hash."""
    config = linter.config
    settings = linter.scripts
    parts = {
        "format": FORMAT,
        "rules": rule_set_key(linter.rules),
        "select": config.select,
        "ignore": config.ignore,
        "severity": sorted((rule, int(severity)) for rule, severity in config.severity.items()),
        "cwd": str(linter.cwd),
        "script-roots": [[root.prefix, str(root.folder), root.partial] for root in settings.roots],
        "root": str(settings.root),
        "fingerprint-key": hashlib.sha256(linter.fingerprint_key.encode()).hexdigest() if linter.fingerprint_key else None,
        "inline-shebang": settings.inline_shebang,
        "parameters": [[file.document.path, hashlib.sha256(file.document.text.encode("utf-8", "surrogatepass")).hexdigest()]
                       for file in linter.parameter_files],
        "tools": [_stamp(shutil.which(tool)) for tool in TOOLS],
        "tool-settings": {name: os.environ.get(name) for name in TOOL_ENVIRONMENT},
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode("utf-8", "surrogatepass")).hexdigest()


_rule_set_keys: WeakKeyDictionary[RuleSet, str] = WeakKeyDictionary()


def rule_set_key(rules: RuleSet) -> str:
    """What the rules of a run are, without importing them when they came from
    entry points: aiblint's version and code, the installed distributions,
    each rule's entry point and options."""
    if rules not in _rule_set_keys:
        _rule_set_keys[rules] = _rule_set_key(rules)
    return _rule_set_keys[rules]


def _rule_set_key(rules: RuleSet) -> str:
    from aiblint.entrypoints import installation_fingerprint

    if rules.sources:
        listed = [[source.name, source.value, _canonical(rules.options.get(source.name, {}))] for source in rules.sources]
        modules = [source.value.split(":", 1)[0] for source in rules.sources]
    else:  # built by hand (tests, editors)
        listed = [[type(rule).__module__, type(rule).__qualname__, rule.id, _canonical(rule.options)] for rule in rules.rules]
        modules = [type(rule).__module__ for rule in rules.rules]
    parts = {
        "version": __version__,
        "installation": installation_fingerprint(os.path.abspath(entry) for entry in sys.path),
        "code": code_fingerprint(modules),
        "rules": listed,
    }
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode("utf-8", "surrogatepass")).hexdigest()


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, default=repr)


_code: dict[tuple[str, ...], str] = {}


def code_fingerprint(modules: Iterable[str]) -> str:
    """Changes when a file of aiblint or of a package a rule comes from changes
    (an editable install keeps its version while its code changes)."""
    packages = tuple(sorted({"aiblint", *(module.split(".", 1)[0] for module in modules)}))
    if packages not in _code:
        digest = hashlib.sha256()
        for package in packages:
            folder = _package_folder(package)
            if folder is not None:
                digest.update(_tree_stamp(folder))
        _code[packages] = digest.hexdigest()
    return _code[packages]


def _package_folder(package: str) -> Path | None:
    """The folder of a top-level package, without importing it."""
    module = sys.modules.get(package)
    file = getattr(module, "__file__", None)
    if file is None:
        from importlib.util import find_spec

        try:
            spec = find_spec(package)
        except (ImportError, ValueError):
            return None
        file = spec.origin if spec is not None else None
    return Path(file).parent if file else None


def _tree_stamp(folder: Path) -> bytes:
    stamps = []
    for parent, folders, files in os.walk(folder):
        folders[:] = sorted(name for name in folders if name != "__pycache__")
        for name in sorted(files):
            path = os.path.join(parent, name)
            try:
                status = os.stat(path)
            except OSError:
                continue
            stamps.append(f"{path}\0{status.st_mtime_ns}\0{status.st_size}")
    return "\n".join(stamps).encode("utf-8", "surrogatepass")


def _stamp(path: str | None) -> list[object] | None:
    if path is None:
        return None
    try:
        status = os.stat(path)
    except OSError:
        return [path]
    return [path, status.st_mtime_ns, status.st_size]
