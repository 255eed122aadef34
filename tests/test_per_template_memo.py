"""Work done once per template (or per run), not once per rule: the memos of issue 21
give the same answers as the work they save, and never outlive what they are about."""

from __future__ import annotations

from pathlib import Path

import pytest

from aiblint.scripts.resolve import repository_for
from aiblint.scripts.settings import ScriptSettings
from aiblint.uris import classify_uri


def test_classify_uri_is_memoized_per_text_and_bounded() -> None:
    text = "https://github.com/o/r/blob/main/setup.sh?raw=true&sig=abc"
    first = classify_uri(text)
    assert classify_uri(text) is first  # the same answer, not computed again
    assert (first.kind, first.has_sas, first.github is not None) == ("github-raw", True, True)
    info = classify_uri.cache_info()
    assert info.maxsize is not None and info.maxsize <= 4096  # a long-lived process does not grow
    assert classify_uri(" " + text).text == " " + text  # keyed by the exact text


def test_repository_lookup_resolves_a_folder_once(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "images").mkdir()
    settings = ScriptSettings(cwd=tmp_path)
    folder = tmp_path / "repo" / "images"
    first = repository_for(folder, settings)
    assert first.root == (tmp_path / "repo").resolve()
    calls: list[Path] = []
    original = Path.resolve

    def counting(self: Path, strict: bool = False) -> Path:
        calls.append(self)
        return original(self, strict)

    monkeypatch.setattr(Path, "resolve", counting)
    assert repository_for(folder, settings) is first
    assert calls == []  # looked up before resolving


def test_a_relative_folder_is_looked_up_in_its_working_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("one", "two"):
        (tmp_path / name / ".git").mkdir(parents=True)
        (tmp_path / name / "images").mkdir()
    settings = ScriptSettings(cwd=tmp_path)
    monkeypatch.chdir(tmp_path / "one")
    assert repository_for(Path("images"), settings).root == (tmp_path / "one").resolve()
    monkeypatch.chdir(tmp_path / "two")  # a resident process serves another working directory
    assert repository_for(Path("images"), settings).root == (tmp_path / "two").resolve()
