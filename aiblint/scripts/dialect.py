"""Which language and shell dialect runs a script, from its shebang.

Packer runs a Shell customizer's file with ``chmod +x; path``, so the kernel
reads the shebang (aib-runtime.md §1); inline commands get Packer's
``inline_shebang`` (``/bin/sh -e``) unless their first line is a shebang.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import PurePosixPath

#: Interpreter name -> ShellCheck dialect (``-s``). Others are not checked.
_SHELLS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "mksh": "ksh", "ksh93": "ksh", "ash": "dash"}
_POWERSHELL = {"pwsh", "powershell", "pwsh-preview"}


@dataclass(frozen=True)
class Dialect:
    language: str  # "shell" | "powershell"
    name: str  # ShellCheck dialect (sh, bash, dash, ksh) or "powershell"


POWERSHELL = Dialect("powershell", "powershell")


def shebang(text: str) -> str | None:
    """The interpreter line without ``#!``, if the text starts with one."""
    if not text.startswith("#!"):
        return None
    return text[2:].split("\n", 1)[0].strip()


def from_shebang(line: str) -> Dialect | None:
    """The dialect of an interpreter line (``/usr/bin/env bash -e`` -> bash);
    ``None`` for an interpreter we do not check (python, zsh, ...)."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    words = [word for word in words if word]
    if words and PurePosixPath(words[0]).name == "env":
        words = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    if not words:
        return None
    name = PurePosixPath(words[0]).name
    if name == "busybox" and words[1:2] == ["sh"]:
        return Dialect("shell", "dash")
    if name in _SHELLS:
        return Dialect("shell", _SHELLS[name])
    if name.lower().removesuffix(".exe") in _POWERSHELL:
        return POWERSHELL
    return None
