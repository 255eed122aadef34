"""Where a ``scriptUri`` (or ``sourceUri``) is on this machine, without the network.

In order: a ``script-roots`` mapping (URL prefix -> folder); a GitHub raw or
blob URL of the repository the template lives in (its git remote) -> the
working tree; a relative path or ``file:`` URL -> relative to the template.
``--fetch`` downloads what none of these map. A file is never read outside
the folder it is mapped into (``..`` and symlinks are followed, then checked),
and absolute paths are never read.
"""

from __future__ import annotations

import codecs
import errno
import os
import time
from pathlib import Path, PurePosixPath
from typing import Final
from urllib.parse import unquote, urlsplit

from aiblint.discover import display_path
from aiblint.document import Document
from aiblint.record import MutableRecord, Record
from aiblint.scripts.gitrepo import Repository, git_top_level, repository_at, upwards
from aiblint.scripts.settings import ScriptRoot, ScriptSettings, current_settings
from aiblint.uris import UriInfo, classify_uri

#: Larger files are not read (scripts are small; this keeps a mistaken mapping cheap).
MAX_SCRIPT_BYTES = 4 * 1024 * 1024

#: Statuses of a :class:`Resolution`.
LOCAL, FETCHED, MISSING, UNRESOLVED, UNKNOWN = "local", "fetched", "missing", "unresolved", "unknown"


class Resolution(Record):
    """What a URI stands for on this machine.

    ``status``: ``local`` (a file in the repository or a mapped folder),
    ``fetched`` (downloaded with ``--fetch``), ``missing`` (maps into the
    repository being linted, but no file is there: AIB307), ``unresolved``
    (no local file stands for it: AIB305; ``reason`` says why and how to map
    it) or ``unknown`` (an expression or placeholder: nothing to say).
    """

    __slots__ = ("uri", "status", "path", "how", "reason")  # noqa: RUF023 - in field order
    uri: Final[str]
    status: Final[str]
    path: Final[Path | None]  # the file (local, fetched), or where it should be (missing)
    how: Final[str]  # "through script-roots 'https://...'", "through the git remote o/r", "relative to the template"
    reason: Final[str]

    def __init__(self, uri: str, status: str, path: Path | None = None, how: str = "", reason: str = "") -> None:
        self.uri = uri
        self.status = status
        self.path = path
        self.how = how
        self.reason = reason

    @property
    def readable(self) -> bool:
        return self.status in (LOCAL, FETCHED) and self.path is not None


class ScriptFile(MutableRecord):
    """A script read from disk: its bytes (for checksums) and its text."""

    __slots__ = ("path", "data", "document", "error")  # noqa: RUF023 - in field order
    path: Path
    data: bytes
    document: Document  # text decoded; a byte order mark removed
    error: str  # why it could not be read (then ``data`` is empty)

    def __init__(self, path: Path, data: bytes, document: Document, error: str = "") -> None:
        self.path = path
        self.data = data
        self.document = document
        self.error = error


def resolve_uri(uri: str, template_path: str, settings: ScriptSettings | None = None, *, script: bool = False) -> Resolution:
    """Resolve ``uri`` as written in the template at display path ``template_path``.
    ``script``: it is a script the build runs; only those are downloaded with
    ``--fetch`` (other files, such as a File customizer's, with ``--fetch-files``)."""
    settings = settings or current_settings()
    download = settings.fetch and (script or settings.fetch_files)
    key = ("resolution", uri, template_path, download)
    cached = settings.memo.get(key)
    if isinstance(cached, Resolution):
        return cached
    resolution = _resolve(uri, template_path, settings, download)
    settings.memo[key] = resolution
    return resolution


def read_script(path: Path, settings: ScriptSettings | None = None) -> ScriptFile:
    """The file at ``path`` (resolved by :func:`resolve_uri`), read once per run."""
    settings = settings or current_settings()
    key = ("file", path)
    cached = settings.memo.get(key)
    if isinstance(cached, ScriptFile):
        return cached
    display = display_path(path, settings.cwd.resolve())
    buffer = settings.overlay.get(path.resolve()) if settings.overlay else None
    script = _read(path, display) if buffer is None else ScriptFile(path, buffer, Document(display, decode(buffer)))
    settings.memo[key] = script
    return script


def template_folder(template_path: str, settings: ScriptSettings) -> Path | None:
    """The folder of a template given by its display path (``None`` for standard input)."""
    if template_path.startswith("<"):
        return None
    return (settings.cwd / template_path).parent


# -- resolution --------------------------------------------------------------------------


def _resolve(uri: str, template_path: str, settings: ScriptSettings, download: bool) -> Resolution:
    info = classify_uri(uri)
    if info.kind in ("unknown", "invalid") or not info.complete:
        return Resolution(uri, UNKNOWN)
    for root in settings.roots:
        mapped = _through_root(info, root)
        if mapped is not None:
            return mapped
    folder, repository = _template_place(template_path, settings)
    github = info.github
    if github is not None and repository is not None and repository.is_remote(github.owner, github.repo):
        how = f"through the git remote {github.owner}/{github.repo}"
        if repository.is_pinned(github.ref):
            absent = f"it is not in the working tree, and the URL is pinned to {github.ref}, where it may be"
            return _locate(uri, repository.root, repository.root, github.path, how, UNRESOLVED, absent)
        return _locate(uri, repository.root, repository.root, github.path, how, MISSING)
    if info.kind in ("relative", "file", "local-path"):
        return _local(info, folder, repository)
    if download and info.scheme in ("http", "https"):
        return _fetched(info, settings)
    return Resolution(uri, UNRESOLVED, reason=_how_to_map(info))


def _template_place(template_path: str, settings: ScriptSettings) -> tuple[Path | None, Repository | None]:
    """The folder of the template at display path ``template_path`` and the repository
    it belongs to, once per template in a run (each of its scriptUri and sourceUri asks:
    making the folder's Path and hashing it again cost more than resolving the URI).
    Keyed on what the answer depends on: the path as displayed and the folder it is
    relative to (``settings.cwd``, and the process's when that is relative, as
    :func:`repository_for` keys a relative folder); the memo lives with the run's settings."""
    key = ("template-place", template_path, settings.cwd, None if settings.cwd.is_absolute() else os.getcwd())
    cached = settings.memo.get(key)
    if isinstance(cached, tuple):
        return cached
    folder = template_folder(template_path, settings)
    place = (folder, repository_for(folder, settings) if folder is not None else None)
    settings.memo[key] = place
    return place


def _through_root(info: UriInfo, root: ScriptRoot) -> Resolution | None:
    candidates = [info.text.strip()]
    if info.github is not None:
        candidates.append(info.github.raw_url())
    for candidate in candidates:
        if candidate.startswith(root.prefix):
            rest = urlsplit(candidate[len(root.prefix) :])
            relative = unquote(rest.path) if "://" in root.prefix else rest.path
            how = f"through script-roots '{root.prefix}'"
            if root.partial:
                absent = f"{how}, it maps to {root.folder / relative}, which is not in that partial copy"
                return _locate(info.text, root.folder, root.folder, relative, how, UNRESOLVED, absent)
            return _locate(info.text, root.folder, root.folder, relative, how, MISSING)
    return None


def _local(info: UriInfo, folder: Path | None, repository: Repository | None) -> Resolution:
    uri = info.text
    if folder is None or repository is None:
        return Resolution(uri, UNRESOLVED, reason="a relative path cannot be resolved for a template read from standard input")
    if info.kind == "local-path" or (info.kind == "file" and (info.path.startswith("/") or info.host not in ("", "localhost"))):
        return Resolution(uri, UNRESOLVED, reason="an absolute path is never read; write it relative to the template")
    relative = unquote(info.path) if info.kind == "file" else info.path
    return _locate(uri, folder, repository.root, relative, "relative to the template", MISSING)


def _locate(uri: str, base: Path, root: Path, relative: str, how: str, when_absent: str, absent: str = "") -> Resolution:
    """``relative`` under ``base``, as long as it stays inside ``root``; ``when_absent``
    is the status (with the reason ``absent``) when no file is there."""
    relative = relative.split("?", 1)[0].split("#", 1)[0]
    if not relative or relative.endswith("/") or PurePosixPath(relative).is_absolute() or "\0" in relative:
        return Resolution(uri, UNRESOLVED, how=how, reason=f"{how}, it names no file")
    try:
        target = (base / relative).resolve()
        inside = target.is_relative_to(root.resolve())
        is_file, exists = (target.is_file(), target.exists()) if inside else (False, False)
    except ValueError:  # a lone surrogate: no name a file system can hold
        return Resolution(uri, UNRESOLVED, how=how, reason=f"{how}, it names no file")
    except (OSError, RuntimeError) as error:  # a symlink loop, a name too long for the file system
        cause = "a name too long" if isinstance(error, OSError) and error.errno == errno.ENAMETOOLONG else "a symlink loop"
        return Resolution(uri, UNRESOLVED, how=how, reason=f"{how}, it cannot be followed ({cause})")
    if not inside:
        return Resolution(uri, UNRESOLVED, how=how, reason=f"{how}, it points outside {root}, which is never read")
    if is_file:
        return Resolution(uri, LOCAL, target, how)
    if exists:
        return Resolution(uri, UNRESOLVED, target, how, reason=f"{how}, it names a folder, not a file")
    return Resolution(uri, when_absent, target, how, absent)


def _fetched(info: UriInfo, settings: ScriptSettings) -> Resolution:
    from aiblint.scripts.fetch import RUN_SECONDS, cache_folder, fetch  # --fetch only

    url = info.github.raw_url() if info.kind == "github-page" and info.github is not None else info.text.strip()
    deadline = settings.memo.setdefault("fetch-deadline", time.monotonic() + RUN_SECONDS)
    result = fetch(url, cache_folder(settings.cache_dir), deadline if isinstance(deadline, float) else None)
    if result.path is None:
        return Resolution(info.text, UNRESOLVED, how="--fetch", reason=f"--fetch could not get it: {result.error}")
    return Resolution(info.text, FETCHED, result.path, "--fetch")


def _how_to_map(info: UriInfo) -> str:
    github = info.github
    if github is not None:
        prefix = f"https://raw.githubusercontent.com/{github.owner}/{github.repo}/{github.ref}/"
        where = f"a checkout of {github.owner}/{github.repo}"
    else:
        prefix = info.text.strip().split("?", 1)[0].rsplit("/", 1)[0] + "/"
        where = "the folder that holds it"
    return f'map it to a local folder with script-roots ("{prefix}" = "<{where}>") or download it with --fetch'


def repository_for(folder: Path, settings: ScriptSettings) -> Repository:
    """The repository a template in ``folder`` belongs to, whose root no file
    read on its behalf may leave: ``--root``; else its git top level; else the
    innermost folder named on the command line that holds it; else ``folder``.
    Never an ancestor the user did not name (the working directory included)."""
    # Looked up by the folder as given first: resolving it is a system call per
    # path component, and every template of a folder asks (several times each).
    # A relative folder is only the same folder in the same working directory.
    given = ("repository-of", folder if folder.is_absolute() else (os.getcwd(), folder))
    cached = settings.memo.get(given)
    if isinstance(cached, Repository):
        return cached
    resolved = settings.resolved(folder)
    key = ("repository", resolved)
    cached = settings.memo.get(key)
    if isinstance(cached, Repository):
        settings.memo[given] = cached
        return cached
    if settings.root is not None:
        repository = repository_at(settings.root)
    else:
        # find_repository(resolved, innermost named), its walk memoized: ``resolved``
        # and the named folders are resolved already, and are not resolved again.
        found = _git_top_level_above(resolved, settings)
        repository = found if found is not None else Repository(_innermost_named(resolved, settings), None, frozenset())
    settings.memo[key] = settings.memo[given] = repository
    return repository


def _git_top_level_above(resolved: Path, settings: ScriptSettings) -> Repository | None:
    """The git repository holding the folder ``resolved`` (the first ancestor, itself
    included, with a ``.git``), else ``None``: :func:`find_repository`'s walk, with the
    answer for each folder it passes kept for the run. The folders of a run's templates
    share most of their ancestors, and the answer for a folder (the first ``.git`` at
    or above it) does not depend on where the walk started, so it is keyed on the
    folder alone; the memo lives as long as the run's settings (never across runs)."""
    walked: list[tuple[str, Path]] = []
    found: Repository | None = None
    for folder in upwards(resolved):
        key = ("git-top-level", folder)
        known = settings.memo.get(key, _UNKNOWN)
        if known is not _UNKNOWN:
            found = known if isinstance(known, Repository) else None
            break
        walked.append(key)
        found = git_top_level(folder)
        if found is not None:
            break
    for key in walked:
        settings.memo[key] = found
    return found


#: Not in the memo (``None`` there is an answer: no git repository).
_UNKNOWN = object()


def _innermost_named(resolved: Path, settings: ScriptSettings) -> Path:
    """The innermost folder named on the command line that holds ``resolved``
    (itself included), else ``resolved``: its ancestors are looked up in the set
    of named folders, innermost first, so the cost is its depth, not how many
    paths were named. Both sides are resolved, so "holds" is a comparison of
    path components, as ``Path.is_relative_to`` makes it."""
    named = _named_set(settings)
    return next((folder for folder in upwards(resolved) if folder in named), resolved)


def _named_set(settings: ScriptSettings) -> frozenset[Path]:
    """``settings.named`` as a set, kept with the very tuple it was made from: a
    tuple is immutable, so the same object names the same folders (an identity
    check, where a key of the tuple would hash every named path on each call)."""
    kept = settings.memo.get("named-folders")
    if isinstance(kept, tuple) and kept[0] is settings.named and isinstance(kept[1], frozenset):
        return kept[1]
    named = frozenset(settings.named)
    settings.memo["named-folders"] = (settings.named, named)
    return named


# -- reading -----------------------------------------------------------------------------


def _read(path: Path, display: str) -> ScriptFile:
    try:
        size = path.stat().st_size
        if size > MAX_SCRIPT_BYTES:
            return ScriptFile(path, b"", Document(display, ""), f"larger than {MAX_SCRIPT_BYTES // (1024 * 1024)} MB")
        with open(path, "rb") as stream:  # at most the cap: a device reports no size
            data = stream.read(MAX_SCRIPT_BYTES + 1)
    except OSError as error:
        return ScriptFile(path, b"", Document(display, ""), f"cannot read: {error.strerror or error}")
    if len(data) > MAX_SCRIPT_BYTES:
        return ScriptFile(path, b"", Document(display, ""), f"larger than {MAX_SCRIPT_BYTES // (1024 * 1024)} MB")
    return ScriptFile(path, data, Document(display, decode(data)))


def decode(data: bytes) -> str:
    """Script bytes as text: UTF-8 (BOM removed) or UTF-16 with a BOM (common
    for PowerShell); undecodable bytes become U+FFFD."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    return data.decode("utf-8-sig", errors="replace")
