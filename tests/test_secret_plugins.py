"""detect-secrets' regex plugins run from their cached patterns: the same
patterns, and no detect-secrets import (80-86 ms: requests) once they are cached."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from aiblint.secrets.generic import _SPECS, GENERIC
from aiblint.secrets.plugins import denylist, plugin, validator

SCAN = (
    "import json, sys\nfrom aiblint.secrets import scan_text\n"
    "found = [[m.detector, m.start, m.end] for m in scan_text(sys.argv[1])]\n"
    "print(json.dumps([found, 'detect_secrets' in sys.modules, 'requests' in sys.modules]))\n"
)


def scan(text: str, cache: Path) -> list[object]:
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(cache)}
    result = subprocess.run([sys.executable, "-c", SCAN, text], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_cached_patterns_are_the_plugins_own() -> None:
    for detector in GENERIC:
        own = getattr(plugin(detector.plugin), "denylist", None)
        patterns = denylist(detector.plugin, _SPECS)
        if own is None:
            assert patterns is None, detector.id
        else:
            assert [(p.pattern, p.flags) for p in patterns or ()] == [(p.pattern, p.flags) for p in own], detector.id
        validates = hasattr(plugin(detector.plugin), "is_formally_valid")
        assert (validator(detector.plugin, _SPECS) is not None) == validates, detector.id
    assert [d.id for d in GENERIC if validator(d.plugin, _SPECS) is not None] == ["jwt"]


def test_regex_plugins_need_no_detect_secrets_import_once_cached(tmp_path: Path) -> None:
    url = "git clone https://builder:Sup3rS3cretPw@git.contoso.com/images.git"
    found = [["basic-auth-url", 26, 39]]
    assert scan(url, tmp_path) == [found, True, True]  # the first run reads the plugins
    assert scan(url, tmp_path) == [found, False, False]
    (file,) = (tmp_path / "secret-patterns").iterdir()
    file.write_bytes(file.read_bytes()[:-9])
    assert scan(url, tmp_path) == [found, True, True]  # a corrupt listing is a miss, and rewritten
    assert scan(url, tmp_path) == [found, False, False]
    keyword = "password: 'Hx93!kPq27wz'"  # the keyword plugin is code, not patterns: it is imported
    assert scan(keyword, tmp_path) == [[["keyword", 11, 23]], True, True]
