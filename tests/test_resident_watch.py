"""The resident server's check that aiblint and the installation are unchanged, skipped while an
inotify watch on everything it reads saw no change (aiblint/server/watch.py)."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from aiblint.server import daemon
from aiblint.server.watch import Watch, folders

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="inotify: Linux only")


def test_every_path_the_check_reads_is_in_a_watched_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[tuple[str, str]] = []  # (how, path)

    def spying(name: str, how: str) -> Callable[..., object]:
        original = getattr(os, name)

        def spy(path: object, *args: object, **kwargs: object) -> object:
            try:
                result = original(path, *args, **kwargs)
            except OSError:  # not there (a zip file, a missing folder): a change shows in its folder
                read.append(("file", os.fspath(path)))  # type: ignore[arg-type]
                raise
            read.append((how, os.fspath(path)))  # type: ignore[arg-type]
            return result

        return spy

    daemon.installation_state()  # the listing of entry points, read once per process as in the server
    monkeypatch.setattr(os, "stat", spying("stat", "file"))
    monkeypatch.setattr(os, "listdir", spying("listdir", "folder"))
    monkeypatch.setattr(os, "scandir", spying("scandir", "folder"))  # os.walk's
    daemon.installation_state()
    monkeypatch.undo()
    watched = {os.path.normpath(folder) for folder in daemon.watched_folders() or []}
    assert watched, "nothing can be watched here"
    assert len(read) > 100  # the files of aiblint, its rules, every entry_points.txt
    unwatched = [path for how, path in read
                 if os.path.normpath(path if how == "folder" else os.path.dirname(path)) not in watched]
    assert unwatched == [], (unwatched, sorted(watched)[:8])


def test_a_watch_sees_a_file_written_created_touched_renamed_or_removed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    existing = tmp_path / "module.py"
    existing.write_text("x = 1\n")
    watch = Watch.open([str(tmp_path), str(tmp_path / "sub")])
    assert watch is not None
    try:
        changes: list[Callable[[], object]] = [
            lambda: existing.write_text("x = 2\n"),  # in place, as an editor may
            lambda: (tmp_path / "sub" / "new.py").write_text(""),
            lambda: os.utime(existing, (1, 1)),
            lambda: existing.rename(tmp_path / "renamed.py"),
            lambda: (tmp_path / "renamed.py").unlink(),
            lambda: (tmp_path / "sub" / "__pycache__").mkdir(),
        ]
        assert watch.changed() is False
        for change in changes:
            change()
            assert watch.changed() is True
            assert watch.changed() is False  # the events were read
        (tmp_path / "sub" / "__pycache__" / "m.pyc").write_bytes(b"")  # not watched: the check skips __pycache__
        assert watch.changed() is False
    finally:
        watch.close()


def test_what_cannot_be_watched_is_no_watch(tmp_path: Path) -> None:
    assert Watch.open([str(tmp_path / "missing")]) is None
    (tmp_path / "package").mkdir()
    (tmp_path / "elsewhere.py").write_text("")
    (tmp_path / "package" / "module.py").symlink_to(tmp_path / "elsewhere.py")  # its changes are not the folder's
    assert folders([], [str(tmp_path / "package")]) is None
    assert folders([str(tmp_path / "missing" / "deeper.zip")], []) is None


def test_the_server_checks_again_only_after_a_change(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checks: list[str] = []
    now = {"state": "state"}

    def state() -> str:
        checks.append(now["state"])
        return now["state"]

    monkeypatch.setattr(daemon, "installation_state", state)
    monkeypatch.setattr(daemon, "watched_folders", lambda: [str(tmp_path)])
    server = daemon.Server(str(tmp_path), None, 60.0, "state", daemon.open_watch())  # type: ignore[arg-type]
    try:
        assert (server.current(), len(checks)) == (True, 0)  # nothing changed: no check
        (tmp_path / "a").write_text("")  # a change, not one the state sees: checked, still current
        assert (server.current(), len(checks)) == (True, 1)
        assert (server.current(), len(checks)) == (True, 1)
        now["state"] = "changed"
        (tmp_path / "a").write_text("x")
        assert (server.current(), len(checks)) == (False, 2)
        now["state"] = "state"
        monkeypatch.setattr(daemon, "watched_folders", lambda: None)  # nothing can be watched
        (tmp_path / "a").write_text("y")
        assert (server.current(), len(checks)) == (True, 3)
        assert (server.current(), len(checks)) == (True, 4)  # no watch: the check runs for every request
    finally:
        if server.watch is not None:
            server.watch.close()
