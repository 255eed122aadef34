"""Run-wide settings for scripts: where to look for referenced files, which
shell runs inline commands, whether the network may be used.

The engine makes one :class:`ScriptSettings` per run and activates it while
rules run, so that :func:`aiblint.scripts.units.script_units` (which is given
only a template) knows the working directory and the configuration.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Final

from aiblint.realpaths import real_path
from aiblint.record import MutableRecord, Record

if TYPE_CHECKING:
    from aiblint.config import Config

#: Packer's shell provisioner writes inline commands under this shebang
#: (``inline_shebang`` default; aib-runtime.md §1).
DEFAULT_INLINE_SHEBANG = "/bin/sh -e"


class ScriptRoot(Record):
    """``script-roots``: URLs starting with ``prefix`` are files under ``folder``.

    ``partial`` says the folder is an incomplete copy of what the URLs serve
    (a sparse checkout, a corpus of templates only): a file missing there is
    then "not resolved" (AIB305), never "missing from the repository" (AIB307).
    """

    __slots__ = ("prefix", "folder", "partial")  # noqa: RUF023 - in field order
    prefix: Final[str]
    folder: Final[Path]
    partial: Final[bool]

    def __init__(self, prefix: str, folder: Path, partial: bool = False) -> None:
        self.prefix = prefix
        self.folder = folder
        self.partial = partial


class ScriptSettings(MutableRecord):
    """How scripts are found and checked in this run."""

    __slots__ = (  # noqa: RUF023 - in field order
        "cwd", "roots", "inline_shebang", "fetch", "fetch_files", "cache_dir", "root", "named", "memo", "overlay",
    )
    _hidden = ("memo", "overlay")  # not in repr
    cwd: Path
    roots: tuple[ScriptRoot, ...]
    inline_shebang: str
    fetch: bool
    fetch_files: bool  # --fetch-files: download the files of File customizers and ISO sources too
    cache_dir: Path | None  # --fetch downloads; default: the user cache folder
    root: Path | None  # --root: every file read stays inside it
    named: tuple[Path, ...]  # folders named on the command line: the root when there is no git
    memo: dict[object, object]  # per-run cache: files read, repositories
    #: Script files' text that stands in for the disk (unsaved editor buffers, by resolved path).
    overlay: dict[Path, bytes]

    def __init__(
        self,
        cwd: Path,
        roots: tuple[ScriptRoot, ...] = (),
        inline_shebang: str = DEFAULT_INLINE_SHEBANG,
        fetch: bool = False,
        fetch_files: bool = False,
        cache_dir: Path | None = None,
        root: Path | None = None,
        named: tuple[Path, ...] = (),
        memo: dict[object, object] | None = None,
        overlay: dict[Path, bytes] | None = None,
    ) -> None:
        self.cwd = cwd
        self.roots = roots
        self.inline_shebang = inline_shebang
        self.fetch = fetch
        self.fetch_files = fetch_files
        self.cache_dir = cache_dir
        self.root = root
        self.named = named
        self.memo = {} if memo is None else memo
        self.overlay = {} if overlay is None else overlay

    @classmethod
    def from_config(cls, config: Config, cwd: Path) -> ScriptSettings:
        base = config.source.parent if config.source is not None and _from_file(config, "script-roots") else cwd
        roots = tuple(
            ScriptRoot(prefix, _absolute(base, folder), partial)
            for prefix, (folder, partial) in _roots_setting(config.script_roots).items()
        )
        root = config.root.resolve() if config.root is not None else None
        settings = cls(cwd=cwd, roots=roots, inline_shebang=config.inline_shebang, fetch=config.fetch, root=root,
                       fetch_files=config.fetch_files)
        # Each distinct folder resolved once: many named files share one, and the run's
        # templates in a named folder find it resolved (:meth:`resolved`).
        settings.named = tuple(dict.fromkeys(settings.resolved(folder) for folder in dict.fromkeys(config.named)))
        settings.named = settings.named or (cwd.resolve(),)
        return settings

    def resolved(self, folder: Path) -> Path:
        """``folder.resolve()``, once per folder and run: it is a system call per path
        component, and every template of a folder, every unit of a template asks. Kept
        in the run's memo (a run sees one file system; a new run, a new memo), by the
        folder as given and, for a relative one, the working directory it depends on."""
        if folder.is_absolute():  # each folder on the way resolved once (aiblint.realpaths)
            return real_path(folder, self.real_paths())
        key = ("resolved-folder", (os.getcwd(), folder))
        found = self.memo.get(key)
        if isinstance(found, Path):
            return found
        resolved = self.memo[key] = folder.resolve()
        return resolved


    def real_paths(self) -> dict[str, Path]:
        """The run's memo of real paths (:func:`aiblint.realpaths.real_path`), which the run's
        folder walk shares (:class:`aiblint.discover.Walk`): the named folders resolved here
        are the folders of the named files. One memo is right for both: an absolute path's
        real path depends on nothing but the file system, which a run sees as one (and a new
        run, a resident server's next request, starts with new settings and an empty memo)."""
        known = self.memo.get("real-paths")
        if not isinstance(known, dict):
            known = self.memo["real-paths"] = {}
        return known


def _from_file(config: Config, key: str) -> bool:
    return config.origins.get(key, "command line") != "command line"


def _roots_setting(value: Mapping[str, tuple[str, bool]]) -> Mapping[str, tuple[str, bool]]:
    # Longest prefix first, so that a specific mapping wins over a general one.
    return dict(sorted(value.items(), key=lambda item: -len(item[0])))


def _absolute(base: Path, folder: str) -> Path:
    path = Path(folder).expanduser()
    return path if path.is_absolute() else base / path


_CURRENT: ContextVar[ScriptSettings | None] = ContextVar("aiblint_script_settings", default=None)


def current_settings() -> ScriptSettings:
    """The active run's settings; outside a run, defaults for the working directory."""
    settings = _CURRENT.get()
    if settings is not None:
        return settings
    return ScriptSettings(cwd=Path.cwd())


@contextmanager
def active(settings: ScriptSettings) -> Iterator[ScriptSettings]:
    token = _CURRENT.set(settings)
    try:
        yield settings
    finally:
        _CURRENT.reset(token)
