"""scan_text remembers the matches of short texts: keyed on the whole text, bounded,
and giving each caller its own list."""

from __future__ import annotations

from pathlib import Path

from aiblint.secrets import scan
from aiblint.secrets.detectors import DETECTORS
from aiblint.secrets.generic import GENERIC
from aiblint.secrets.match import SecretMatch
from aiblint.secrets.scan import _scan, scan_text

SAMPLES = [text for detector in DETECTORS for text, _ in detector.positives] + [text for detector in GENERIC for text, _ in detector.positives]


def _unremembered(text: str) -> list[SecretMatch]:
    return list(_scan(text, text.casefold()))


def test_a_remembered_answer_is_the_answer_of_that_text() -> None:
    """Texts of one length with secrets in different places (or none) each get their own
    matches, asked in any order and again: a memo keyed on less than the text would mix them."""
    secret = "AccountKey=" + "Xq81mZp2Lw9vK3sT7yB4" * 4 + "ab=="
    texts = [f"x;{secret};y", f"{secret};x;y", f"x;y;{secret}", "x;y;" + "A" * len(secret)]
    assert len({len(text) for text in texts}) == 1
    expected = [_unremembered(text) for text in texts]
    assert len({tuple((match.start, match.end) for match in found) for found in expected}) == 4
    for _ in range(2):
        for text, answer in [*zip(texts, expected, strict=True), *reversed(list(zip(texts, expected, strict=True)))]:
            assert scan_text(text) == answer


def test_every_detector_sample_gets_the_same_matches_again() -> None:
    for text in SAMPLES:
        first = scan_text(text)
        assert first == _unremembered(text)
        assert scan_text(text) == first


def test_each_caller_gets_its_own_list() -> None:
    text = SAMPLES[0]
    found = scan_text(text)
    assert found
    found.clear()
    assert scan_text(text) == _unremembered(text)


def test_long_texts_are_scanned_each_time_and_not_kept() -> None:
    """The memo holds at most 1,024 texts of at most 4,096 characters."""
    assert scan._remembered.cache_info().maxsize == 1024
    long_text = "# " + "x" * scan._REMEMBERED_LENGTH + "\n" + SAMPLES[0]
    before = scan._remembered.cache_info()
    assert scan_text(long_text) == _unremembered(long_text) != []
    after = scan._remembered.cache_info()
    assert (after.hits, after.misses, after.currsize) == (before.hits, before.misses, before.currsize)


# -- the listing of detect-secrets' patterns: keyed as before, without hashlib ------------------


def test_the_listing_is_keyed_as_with_hashlib() -> None:
    """The same digests as hashlib's, fed piece by piece as the listing's key was before:
    listings written by earlier versions stay valid, and a changed plugin file still misses."""
    import hashlib
    import os
    import sys
    from importlib.machinery import PathFinder

    from aiblint.entrypoints import installation_fingerprint
    from aiblint.secrets import plugins
    from aiblint.secrets.generic import _SPECS

    digest = hashlib.sha256(installation_fingerprint(os.path.abspath(entry) for entry in sys.path).encode())
    found = PathFinder.find_spec("detect_secrets")
    folders = list(found.submodule_search_locations or []) if found is not None else []
    assert folders
    for spec in (*_SPECS, "no_such_plugin:Missing"):
        for folder in folders:
            source = os.path.join(folder, "plugins", spec.partition(":")[0] + ".py")
            try:
                status = os.stat(source)
            except OSError:
                digest.update(f"{source}\0-\n".encode("utf-8", "surrogatepass"))
                continue
            digest.update(f"{source}\0{status.st_mtime_ns}\0{status.st_size}\0{status.st_ino}\n".encode("utf-8", "surrogatepass"))
    assert plugins._fingerprint((*_SPECS, "no_such_plugin:Missing")) == digest.hexdigest()
    assert plugins._fingerprint(_SPECS) != digest.hexdigest()


def test_a_scan_imports_neither_hashlib_nor_detect_secrets(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\nfrom aiblint.secrets import scan_text\n"
        "found = scan_text('password = \"Hx93!kPq27wz\"')\n"
        "print(json.dumps([len(found), 'hashlib' in sys.modules, 'detect_secrets' in sys.modules]))\n"
    )
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(tmp_path)}
    for _ in range(2):  # the listing written, then read
        result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=True)
    assert json.loads(result.stdout) == [1, False, False]
