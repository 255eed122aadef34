"""The cache folder (:mod:`aiblint.cachedir`): the same folder platformdirs names, found
without importing platformdirs when ``XDG_CACHE_HOME`` already answers on Linux."""

from __future__ import annotations

import os
import subprocess
import sys

import platformdirs
import pytest

from aiblint.cachedir import ENVIRONMENT_VARIABLE, cache_folder


@pytest.mark.parametrize(
    "value", ["/tmp/xdg-a", "/tmp/xdg-b/", "/", "//double", "/with space/x", "relative/cache", "", " /lead", "~/c", None],
)
def test_the_folder_is_the_one_platformdirs_names(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    if value is None:
        monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_CACHE_HOME", value)
    assert cache_folder() == platformdirs.user_cache_dir("aiblint", appauthor=False)


def test_two_values_in_one_process_give_two_folders(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/one")
    assert cache_folder() == "/tmp/one/aiblint"
    monkeypatch.setenv("XDG_CACHE_HOME", "/tmp/two")
    assert cache_folder() == "/tmp/two/aiblint"
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, "/tmp/mine")
    assert cache_folder() == "/tmp/mine"


@pytest.mark.skipif(sys.platform != "linux", reason="the shortcut is taken on Linux only")
def test_an_absolute_xdg_cache_home_does_not_import_platformdirs() -> None:
    code = "import sys\nfrom aiblint.cachedir import cache_folder\nprint(cache_folder(), 'platformdirs' in sys.modules)\n"
    environment = {**os.environ, "XDG_CACHE_HOME": "/tmp/xdg-fast"}
    environment.pop(ENVIRONMENT_VARIABLE, None)
    environment.pop("ANDROID_DATA", None)
    result = subprocess.run([sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True)
    assert result.stdout == "/tmp/xdg-fast/aiblint False\n"
