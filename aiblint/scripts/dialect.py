"""Which language and shell dialect runs a script, from its shebang.

Packer runs a Shell customizer's file with ``chmod +x; path``, so the kernel
reads the shebang (aib-runtime.md §1); inline commands get Packer's
``inline_shebang`` (``/bin/sh -e``) unless their first line is a shebang.
"""

from __future__ import annotations

import shlex
from functools import lru_cache
from pathlib import PurePosixPath
from typing import Final

from aiblint.lazyre import lazy
from aiblint.record import Record

#: Interpreter name -> ShellCheck dialect (``-s``). Others are not checked.
_SHELLS = {"sh": "sh", "bash": "bash", "dash": "dash", "ksh": "ksh", "mksh": "ksh", "ksh93": "ksh", "ash": "dash"}
_POWERSHELL = {"pwsh", "powershell", "pwsh-preview"}
_SHELL_DIRECTIVE = lazy(r"#\s*shellcheck\s+(?:\S+=\S+\s+)*shell=([A-Za-z0-9_-]+)")


class Dialect(Record):
    """A script's language and ShellCheck dialect."""

    __slots__ = ("language", "name")
    language: Final[str]  # "shell" | "powershell"
    name: Final[str]  # ShellCheck dialect (sh, bash, dash, ksh) or "powershell"

    def __init__(self, language: str, name: str) -> None:
        self.language = language
        self.name = name


POWERSHELL = Dialect("powershell", "powershell")


def shebang(text: str) -> str | None:
    """The interpreter line without ``#!``, if the text starts with one."""
    if not text.startswith("#!"):
        return None
    return text[2:].split("\n", 1)[0].strip()


def directive_shell(text: str) -> str | None:
    """The shell a ``# shellcheck shell=bash`` directive names in the leading
    comments of a script without a shebang (what its author says runs it)."""
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return None
        match = _SHELL_DIRECTIVE().match(stripped)
        if match:
            return match.group(1)
    return None


def interpreter(line: str) -> list[str]:
    """The program and its first arguments from an interpreter line, through ``env``
    (``/usr/bin/env -S bash -e`` -> ``["bash", "-e"]``)."""
    try:
        words = shlex.split(line)
    except ValueError:
        words = line.split()
    words = [word for word in words if word]
    if words and PurePosixPath(words[0]).name == "env":
        words = [word for word in words[1:] if not word.startswith("-") and "=" not in word]
    return [PurePosixPath(words[0]).name, *words[1:]] if words else []


@lru_cache(maxsize=256)
def from_shebang(line: str) -> Dialect | None:
    """The dialect of an interpreter line (``/usr/bin/env bash -e`` -> bash);
    ``None`` for an interpreter we do not check (python, zsh, ...). Remembered per
    line: every inline script asks for the configured ``inline_shebang`` (``shlex``
    splits it each time otherwise); the answer depends on the line alone, and a
    Dialect is never changed."""
    words = interpreter(line)
    if not words:
        return None
    name = words[0]
    if name == "busybox" and words[1:2] == ["sh"]:
        return Dialect("shell", "dash")
    if name in _SHELLS:
        return Dialect("shell", _SHELLS[name])
    if name.lower().removesuffix(".exe") in _POWERSHELL:
        return POWERSHELL
    return None
