"""Configuration: ``.aiblint.toml`` or ``[tool.aiblint]`` in ``pyproject.toml``.

The nearest file walking up from the working directory wins (``.aiblint.toml``
before ``pyproject.toml`` in the same folder); the walk stops at the repository
root (the first folder holding ``.git``, or ``--root``): a file above it belongs
to someone else. Keys are the CLI's long options without the dashes in front;
an unknown key is an error that names the file, so a typo never silently turns
a setting off.

A configuration file may come with the repository being linted, so it is not
trusted: the paths it names must stay inside the repository root, and it
cannot turn on the network (``fetch`` is a command-line decision).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from pathlib import Path

from aiblint.findings import Severity
from aiblint.record import MutableRecord


class ConfigError(Exception):
    """A configuration file or option that cannot be used (exit code 2)."""


def _string_list(key: str, value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return list(value)
    raise ConfigError(f"'{key}' must be a list of strings")


def _severity(key: str, value: object) -> Severity:
    if not isinstance(value, str):
        raise ConfigError(f"'{key}' must be one of error, warning, note")
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise ConfigError(f"'{key}': {error}") from None


def _fail_on(key: str, value: object) -> Severity | None:
    """A severity, or ``"none"``: findings never fail the run (``--exit-zero``)."""
    if isinstance(value, str) and value.strip().lower() == "none":
        return None
    return _severity(key, value)


def _severity_table(key: str, value: object) -> dict[str, Severity]:
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of rule id = severity")
    return {str(rule).upper(): _severity(f"{key}.{rule}", level) for rule, level in value.items()}


def _string(key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"'{key}' must be a string")
    return value


def _boolean(key: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise ConfigError(f"'{key}' must be true or false")
    return value


def _script_roots(key: str, value: object) -> dict[str, tuple[str, bool]]:
    """URL prefix -> folder, or -> {path = folder, partial = true} for an incomplete copy."""
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of URL prefix = folder")
    roots: dict[str, tuple[str, bool]] = {}
    for prefix, target in value.items():
        if isinstance(target, str):
            roots[str(prefix)] = (target, False)
        elif isinstance(target, dict) and isinstance(target.get("path"), str) and set(target) <= {"path", "partial"}:
            roots[str(prefix)] = (target["path"], _boolean(f"{key}.{prefix}.partial", target.get("partial", False)))
        elif isinstance(target, dict) and set(target) - {"path", "partial"}:
            from aiblint.suggest import did_you_mean

            unknown = sorted(set(target) - {"path", "partial"})[0]
            hint = did_you_mean(unknown, ["path", "partial"])
            raise ConfigError(f"'{key}.{prefix}': unknown key '{unknown}'{hint}; a folder table has 'path' and optional 'partial'")
        else:
            raise ConfigError(f"'{key}.{prefix}' must be a folder, or a table with 'path' and optional 'partial'")
    return roots


def _per_file_ignores(key: str, value: object) -> dict[str, list[str]]:
    """Glob (as ``exclude``) -> rule ids or prefixes turned off in matching files."""
    if not isinstance(value, dict):
        raise ConfigError(f"'{key}' must be a table of glob = [rule ids or prefixes]")
    return {str(glob): _string_list(f"{key}.{glob}", codes) for glob, codes in value.items()}


#: Every key the configuration accepts, with the function that checks it.
KEYS: dict[str, Callable[[str, object], object]] = {
    "select": _string_list,
    "ignore": _string_list,
    "fail-on": _fail_on,
    "format": _string,
    "severity": _severity_table,
    "exclude": _string_list,
    "script-roots": _script_roots,
    "inline-shebang": _string,
    "fetch": _boolean,
    "parameters": _string_list,
    "per-file-ignores": _per_file_ignores,
    "baseline": _string,
    "regions": _string_list,
}


#: Keys only the command line sets: a repository's configuration turning on the network is an error.
COMMAND_LINE_ONLY = frozenset({"fetch"})


class Config(MutableRecord):
    """Settings after merging defaults, the file and the command line."""

    __slots__ = (  # noqa: RUF023 - in field order
        "select", "ignore", "fail_on", "format", "severity", "exclude", "script_roots", "inline_shebang", "fetch",
        "parameters", "per_file_ignores", "baseline", "regions", "source", "root", "named", "fetch_files",
        "fingerprint_key", "origins",
    )
    select: list[str] | None
    ignore: list[str]
    fail_on: Severity | None  # notes are advice: they never fail a commit unless asked; None: nothing does
    format: str
    severity: dict[str, Severity]
    exclude: list[str]
    script_roots: dict[str, tuple[str, bool]]  # URL prefix -> (folder, partial)
    inline_shebang: str  # what runs Shell inline commands (Packer's inline_shebang)
    fetch: bool  # download referenced scripts that cannot be mapped to a local file
    parameters: list[str]  # ARM parameters files for every template; each one deployment
    per_file_ignores: dict[str, list[str]]  # glob -> rule ids or prefixes off there
    baseline: str | None  # accepted findings (aiblint.baseline); relative to the file that sets it
    regions: list[str]  # where Image Builder runs too, beyond aiblint's data (AIB200)
    source: Path | None  # the file the settings came from
    root: Path | None  # --root: the one folder files are read from (command line only)
    named: tuple[Path, ...]  # the folders of the paths named on the command line (set by lint_paths)
    fetch_files: bool  # --fetch-files (command line only): download non-script files too
    fingerprint_key: str | None  # keys secret fingerprints (hex); kept in the baseline being written
    origins: dict[str, str]  # key -> where its value came from

    def __init__(
        self,
        select: list[str] | None = None,
        ignore: list[str] | None = None,
        fail_on: Severity | None = Severity.WARNING,
        format: str = "text",
        severity: dict[str, Severity] | None = None,
        exclude: list[str] | None = None,
        script_roots: dict[str, tuple[str, bool]] | None = None,
        inline_shebang: str = "/bin/sh -e",
        fetch: bool = False,
        parameters: list[str] | None = None,
        per_file_ignores: dict[str, list[str]] | None = None,
        baseline: str | None = None,
        regions: list[str] | None = None,
        source: Path | None = None,
        root: Path | None = None,
        named: tuple[Path, ...] = (),
        fetch_files: bool = False,
        fingerprint_key: str | None = None,
        origins: dict[str, str] | None = None,
    ) -> None:
        self.select = select
        self.ignore = [] if ignore is None else ignore
        self.fail_on = fail_on
        self.format = format
        self.severity = {} if severity is None else severity
        self.exclude = [] if exclude is None else exclude
        self.script_roots = {} if script_roots is None else script_roots
        self.inline_shebang = inline_shebang
        self.fetch = fetch
        self.parameters = [] if parameters is None else parameters
        self.per_file_ignores = {} if per_file_ignores is None else per_file_ignores
        self.baseline = baseline
        self.regions = [] if regions is None else regions
        self.source = source
        self.root = root
        self.named = named
        self.fetch_files = fetch_files
        self.fingerprint_key = fingerprint_key
        self.origins = {} if origins is None else origins

    def apply(self, values: Mapping[str, object], origin: str) -> None:
        """Set checked values (keys as in :data:`KEYS`)."""
        for key, value in values.items():
            setattr(self, key.replace("-", "_"), value)
            self.origins[key] = origin


def rule_options(config: Config) -> dict[str, dict[str, object]]:
    """What rules are given from the configuration (rules never read it themselves)."""
    return {"AIB200": {"regions": list(config.regions)}} if config.regions else {}


def glob_base(config: Config, cwd: Path) -> Path:
    """The folder the globs of ``exclude`` and ``per-file-ignores`` are relative to: the
    configuration file's, so that a run from a subfolder means the same."""
    return config.source.parent if config.source is not None else cwd


def find_config_file(start: Path, root: Path | None = None) -> Path | None:
    """The nearest configuration file at or above ``start``, not above the
    repository root (``root``, else the first folder holding ``.git``)."""
    start = start.resolve()
    boundary = root.resolve() if root is not None and start.is_relative_to(root.resolve()) else None
    for folder in (start, *start.parents):
        candidate = folder / ".aiblint.toml"
        if candidate.is_file():
            return candidate
        pyproject = folder / "pyproject.toml"
        if pyproject.is_file() and _has_tool_section(pyproject):
            return pyproject
        if folder == boundary or (boundary is None and (folder / ".git").exists()):
            return None
    return None


def _has_tool_section(pyproject: Path) -> bool:
    try:
        text = pyproject.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "[tool.aiblint" in text


def read_config_file(path: Path) -> dict[str, object]:
    """The checked settings of one file; raises :class:`ConfigError`."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: cannot read: {error}") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML: {error}") from None
    if path.name == "pyproject.toml":
        section = data.get("tool", {}).get("aiblint", {})
        where = f"{path} [tool.aiblint]"
    else:
        section = data.get("tool", {}).get("aiblint", data) if "tool" in data else data
        where = str(path)
    if not isinstance(section, dict):
        raise ConfigError(f"{where}: must be a table")
    if COMMAND_LINE_ONLY & set(section):
        raise ConfigError(
            f"{where}: 'fetch' can only be set on the command line (--fetch): "
            "a repository's configuration may not turn on the network"
        )
    return check_settings(section, where)


def check_settings(section: Mapping[str, object], where: str) -> dict[str, object]:
    checked: dict[str, object] = {}
    for key, value in section.items():
        validate = KEYS.get(key)
        if validate is None:
            import difflib  # a suggestion only: not imported by a run that needs none
            close = difflib.get_close_matches(key, list(KEYS), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else f" (known keys: {', '.join(sorted(KEYS))})"
            raise ConfigError(f"{where}: unknown key '{key}'{hint}")
        try:
            checked[key] = validate(key, value)
        except ConfigError as error:
            raise ConfigError(f"{where}: {error}") from None
    return checked


def load_config(cwd: Path, explicit: Path | None = None, root: Path | None = None) -> Config:
    """Defaults, then the configuration file (given, or found from ``cwd`` up to
    the repository root); ``root`` is ``--root``."""
    config = Config(root=root)
    path = explicit or find_config_file(cwd, root)
    if path is not None:
        if not path.is_file():
            raise ConfigError(f"{path}: configuration file not found")
        settings = read_config_file(path)
        check_paths_inside(settings, path, root)
        config.apply(settings, str(path))
        config.source = path
    return config


def config_root(path: Path, root: Path | None) -> Path:
    """The folder a configuration file's paths must stay in: ``--root``, else
    the git top level of the file's folder, else that folder."""
    if root is not None:
        return root.resolve()
    from aiblint.scripts.gitrepo import find_repository

    folder = path.parent.resolve()
    return find_repository(folder, folder).root


def check_paths_inside(settings: Mapping[str, object], path: Path, root: Path | None) -> None:
    """Every path the file names (relative to its folder) resolves inside its
    repository root, links followed; raises :class:`ConfigError` naming the key."""
    inside = config_root(path, root)
    named: list[tuple[str, str]] = []
    roots = settings.get("script-roots")
    if isinstance(roots, dict):
        named += [(f"script-roots.{json_key(prefix)}", folder) for prefix, (folder, _) in roots.items()]
    parameters = settings.get("parameters")
    if isinstance(parameters, list):
        named += [("parameters", item) for item in parameters]
    baseline = settings.get("baseline")
    if isinstance(baseline, str):
        named.append(("baseline", baseline))
    for key, value in named:
        try:
            target = (path.parent / Path(value).expanduser()).resolve()
            ok = target.is_relative_to(inside)
        except (OSError, RuntimeError, ValueError):
            ok = False
        if not ok:
            raise ConfigError(
                f"{path}: '{key}' = {json_key(value)} is outside the repository root {inside}: "
                "a configuration file may only name paths inside the repository (pass other files on the command line)"
            )


def json_key(text: str) -> str:
    import json

    return json.dumps(text, ensure_ascii=False)
