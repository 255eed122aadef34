"""``aiblint config``: the effective configuration as TOML, each value with its origin.

The output is valid TOML in the form the configuration file takes, so a line
can be copied into ``.aiblint.toml``; a comment after each value says where it
came from (``default``, the file, or ``command line``).
"""

from __future__ import annotations

import json
import re

from aiblint.config import COMMAND_LINE_ONLY, KEYS, Config
from aiblint.findings import Severity

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+\Z")
#: What an unset key means, for keys whose default is "nothing".
_UNSET = {"select": "every rule", "baseline": "no baseline"}


def render(config: Config) -> str:
    source = str(config.source) if config.source is not None else "none found (defaults)"
    lines = ["# aiblint: the effective configuration", f"# configuration file: {source}", "[tool.aiblint]"]
    tables = []
    for key in KEYS:
        value = setting(config, key)
        origin = config.origins.get(key, "default")
        if key in COMMAND_LINE_ONLY:  # shown, but as a comment: a configuration file may not set it
            lines.append(f"# {key} = {_toml(value)}  ({origin}; command line only: --{key})")
        elif value is None:
            lines.append(f"# {key} is not set: {_UNSET.get(key, 'nothing')}  ({origin})")
        elif isinstance(value, dict) and value:
            tables += ["", f"[tool.aiblint.{key}]  # {origin}", *(f"{_key(name)} = {_toml(item)}" for name, item in value.items())]
        else:
            lines.append(f"{key} = {_toml(value)}  # {origin}")
    return "\n".join(lines + tables) + "\n"


def setting(config: Config, key: str) -> object:
    """The value of ``key`` as the configuration file writes it."""
    value = getattr(config, key.replace("-", "_"))
    if key == "fail-on" and value is None:
        return "none"
    if key == "script-roots":
        return {prefix: folder if not partial else {"path": folder, "partial": True} for prefix, (folder, partial) in value.items()}
    return value


def _toml(value: object) -> str:
    if isinstance(value, Severity):
        return json.dumps(value.label)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(name)} = {_toml(item)}" for name, item in value.items()) + "}"
    raise TypeError(f"cannot show {value!r} as TOML")


def _key(name: object) -> str:
    text = str(name)
    return text if _BARE_KEY.match(text) else json.dumps(text, ensure_ascii=False)
