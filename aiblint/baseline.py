"""The baseline: findings accepted as they are today, so that only new ones fail.

An entry is keyed by the finding's file, rule, logical path and fingerprint (a
hash of rule, file, logical path and the offending text; see
:attr:`aiblint.findings.Finding.fingerprint`). There are no line numbers and no
timestamps: moving lines, adding others or rewriting the file with the same
findings changes nothing, while a new secret on an old line has new text, so a
new fingerprint, and is reported. An entry counts how many equal findings it
accepts; one more of the same is new.

A secret is never hashed plainly (a short password is found again from its
hash): its fingerprint is a keyed hash (HMAC-SHA-256) of its text under the
baseline's ``key``, made at random when the baseline is first written and kept
when it is written again, so a different token of the same kind and length at
the same place is new. A finding of another rule whose span holds a secret is
fingerprinted from its masked message, not its text.

Paths are as the findings show them: relative to the working directory. Write
and use a baseline from the same folder (the repository root).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from aiblint.config import ConfigError
from aiblint.findings import Finding, Suppression
from aiblint.lazyre import lazy
from aiblint.record import OrderedRecord, replace

BASELINE_VERSION = 1
_KEY = lazy(r"[0-9a-f]{64}")


class Entry(OrderedRecord):
    """One baseline entry: how many findings of a rule at one place are known."""

    __slots__ = ("path", "rule", "logical_path", "fingerprint", "count")  # noqa: RUF023 - in field order
    path: Final[str]
    rule: Final[str]
    logical_path: Final[str]
    fingerprint: Final[str]
    count: Final[int]

    def __init__(self, path: str, rule: str, logical_path: str, fingerprint: str, count: int = 1) -> None:
        self.path = path
        self.rule = rule
        self.logical_path = logical_path
        self.fingerprint = fingerprint
        self.count = count

    def to_json(self) -> str:
        fields = {"path": self.path, "rule": self.rule, "logical_path": self.logical_path, "fingerprint": self.fingerprint, "count": self.count}
        return json.dumps(fields, ensure_ascii=False)


class Baseline:
    """Accepted findings; :meth:`apply` marks those it holds as suppressed."""

    def __init__(self, entries: Iterable[Entry], name: str, key: str | None = None) -> None:
        self.entries = sorted(entries)
        self.name = name  # how findings name it: the path as given
        self.key = key  # the repository's key of secret fingerprints (hex), never a secret itself
        self.unused: list[Entry] = []  # entries of files linted in the last apply() that matched nothing

    @classmethod
    def of(cls, findings: Iterable[Finding], name: str, key: str | None = None) -> Baseline:
        counts = Counter((f.path, f.rule, f.logical_path, f.fingerprint) for f in findings if f.suppressed is None)
        return cls((Entry(*fields, count) for fields, count in counts.items()), name, key)

    @classmethod
    def load(cls, path: Path, name: str) -> Baseline:
        """Read a baseline file; raises :class:`ConfigError` if it cannot be used."""
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"baseline {name} not found (write one with --write-baseline {name})") from None
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ConfigError(f"baseline {name} cannot be read: {error}") from None
        if not isinstance(data, dict) or data.get("version") != BASELINE_VERSION or not isinstance(data.get("entries"), list):
            raise ConfigError(f"baseline {name} is not an aiblint baseline (version {BASELINE_VERSION})")
        key = data.get("key")
        if key is not None and not (isinstance(key, str) and _KEY().fullmatch(key)):
            raise ConfigError(f"baseline {name}: 'key' must be 64 hexadecimal digits")
        return cls((_entry(item, name) for item in data["entries"]), name, key)

    @staticmethod
    def key_of(path: Path) -> str | None:
        """The key of the baseline at ``path``, if there is a usable one."""
        try:
            key = json.loads(path.read_text(encoding="utf-8")).get("key")
        except (OSError, UnicodeDecodeError, ValueError, AttributeError):
            return None
        return key if isinstance(key, str) and _KEY().fullmatch(key) else None

    def dumps(self) -> str:
        """The file's text: one entry a line, sorted, so that a change shows as a one-line diff."""
        lines = ",\n".join(f"    {entry.to_json()}" for entry in self.entries)
        body = f"[\n{lines}\n  ]" if self.entries else "[]"
        key = f'\n  "key": "{self.key}",' if self.key else ""
        return f'{{\n  "version": {BASELINE_VERSION},{key}\n  "entries": {body}\n}}\n'

    def write(self, path: Path) -> None:
        """Replace the file atomically: a failure leaves the old baseline whole.
        Text that UTF-8 cannot hold (a lone surrogate from a ``\\ud800`` escape or
        a file name that is not UTF-8) is written as a JSON escape, as the output
        formats write it, and reads back as the same string."""
        from aiblint.formatters import safe_text
        from aiblint.safewrite import replace_file

        try:  # a missing folder is a typo, as for -o: it is not created
            replace_file(path, safe_text(self.dumps()).encode("utf-8"))
        except OSError as error:
            raise ConfigError(f"cannot write baseline {self.name}: {error.strerror or error}") from None

    def apply(self, findings: list[Finding], linted: set[str]) -> list[Finding]:
        """``findings`` with those the baseline holds marked as suppressed; entries
        of files in ``linted`` that matched nothing are kept in :attr:`unused`."""
        left: Counter[str] = Counter()
        for entry in self.entries:
            left[entry.fingerprint] += entry.count
        suppression = Suppression("external", "baseline", f"accepted in the baseline {self.name}", self.name)
        marked = []
        for finding in findings:
            if finding.suppressed is None and left[finding.fingerprint] > 0:
                left[finding.fingerprint] -= 1
                finding = replace(finding, suppressed=suppression)
            marked.append(finding)
        self.unused = [entry for entry in self.entries if entry.path in linted and left[entry.fingerprint] > 0]
        return marked


def _entry(item: object, name: str) -> Entry:
    if not isinstance(item, dict):
        raise ConfigError(f"baseline {name}: every entry must be an object")
    try:
        path, rule, logical_path, fingerprint = item["path"], item["rule"], item.get("logical_path", ""), item["fingerprint"]
    except KeyError as error:
        raise ConfigError(f"baseline {name}: an entry has no {error.args[0]!r}") from None
    count = item.get("count", 1)
    texts = (path, rule, logical_path, fingerprint)
    if not all(isinstance(value, str) for value in texts) or not isinstance(count, int) or count < 1:
        raise ConfigError(f"baseline {name}: an entry has a value of the wrong type")
    return Entry(path, rule, logical_path, fingerprint, count)
