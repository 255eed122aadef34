"""The plugin listing: the same as importlib.metadata's, cached, and never stale.

Each scenario runs in a new Python (the listing is cached per process) with
its own cache folder and a folder of fake distributions on ``sys.path``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from aiblint.constants import FORMATTER_ENTRY_POINTS, RULE_ENTRY_POINTS
from aiblint.entrypoints import EntryPoint, EntryPointError

LIST = (
    "import json, sys\n"
    "from aiblint.entrypoints import entry_points\n"
    "names = [ep.name for ep in entry_points('aiblint.rules')]\n"
    "print(json.dumps({'names': names, 'scanned': 'importlib.metadata' in sys.modules}))\n"
)


def listing(cache: Path, site: Path) -> dict[str, object]:
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(cache), "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", LIST], env=env, capture_output=True, text=True, timeout=60, check=True)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def fake_distribution(site: Path, rules: dict[str, str], name: str = "fakepack") -> Path:
    """A distribution registering ``rules`` (id -> "module:Class") under aiblint.rules."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    lines = "".join(f"{rule} = {target}\n" for rule, target in rules.items())
    entry_points = info / "entry_points.txt"
    entry_points.write_text(f"[{RULE_ENTRY_POINTS}]\n{lines}")
    return entry_points


def test_listing_is_what_importlib_metadata_says() -> None:
    from importlib.metadata import entry_points as installed

    from aiblint.entrypoints import entry_points

    for group in (RULE_ENTRY_POINTS, FORMATTER_ENTRY_POINTS):
        expected = {(ep.name, ep.value) for ep in installed(group=group)}
        assert {(ep.name, ep.value) for ep in entry_points(group)} == expected


def test_second_run_reads_the_cache_without_scanning(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, {"ZZ901": "fakerules:One"})
    first = listing(tmp_path / "cache", site)
    second = listing(tmp_path / "cache", site)
    assert first["scanned"] is True
    assert second == {"names": first["names"], "scanned": False}
    assert "ZZ901" in first["names"]  # type: ignore[operator]
    assert len(list((tmp_path / "cache" / "entry-points").iterdir())) == 1


def test_rule_registered_seconds_after_the_last_install_is_listed(tmp_path: Path) -> None:
    """stevedore's cache rounds times to float32 (128 s apart today): a rewrite
    within that window went unseen. The exact nanoseconds, size and inode do not."""
    site = tmp_path / "site"
    entry_points = fake_distribution(site, {"ZZ901": "fakerules:One"})
    before = entry_points.stat()
    assert "ZZ902" not in listing(tmp_path / "cache", site)["names"]  # type: ignore[operator]
    fake_distribution(site, {"ZZ901": "fakerules:One", "ZZ902": "fakerules:Two"})
    os.utime(entry_points, ns=(before.st_atime_ns, before.st_mtime_ns + 30_000_000_000))  # 30 s later
    after = listing(tmp_path / "cache", site)
    assert after["scanned"] is True
    assert {"ZZ901", "ZZ902"} <= set(after["names"])  # type: ignore[arg-type]


def test_new_and_removed_distributions_are_seen(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, {"ZZ901": "fakerules:One"})
    listing(tmp_path / "cache", site)
    fake_distribution(site, {"ZZ903": "otherrules:Three"}, name="otherpack")
    assert "ZZ903" in listing(tmp_path / "cache", site)["names"]  # type: ignore[operator]
    for file in (site / "otherpack-1.0.dist-info").iterdir():
        file.unlink()
    (site / "otherpack-1.0.dist-info").rmdir()
    assert "ZZ903" not in listing(tmp_path / "cache", site)["names"]  # type: ignore[operator]


@pytest.mark.parametrize("content", [b"", b"{not json", b'{"format": 1, "fingerprint": "x", "groups": []}', b"[1, 2]"])
def test_corrupt_cache_file_is_ignored_and_rewritten(tmp_path: Path, content: bytes) -> None:
    site = tmp_path / "site"
    fake_distribution(site, {"ZZ901": "fakerules:One"})
    listing(tmp_path / "cache", site)
    (file,) = (tmp_path / "cache" / "entry-points").iterdir()
    file.write_bytes(content)
    again = listing(tmp_path / "cache", site)
    assert again["scanned"] is True
    assert "ZZ901" in again["names"]  # type: ignore[operator]
    assert json.loads(file.read_bytes())["format"] == 1


def test_concurrent_first_runs_agree_and_leave_one_whole_file(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, {f"ZZ{n}": "fakerules:Rule" for n in range(900, 960)})
    with ThreadPoolExecutor(6) as pool:
        results = list(pool.map(lambda _: listing(tmp_path / "cache", site), range(6)))
    assert all(result["names"] == results[0]["names"] for result in results)
    files = list((tmp_path / "cache" / "entry-points").iterdir())
    assert len(files) == 1  # no temporary file left behind
    assert len(json.loads(files[0].read_bytes())["groups"][RULE_ENTRY_POINTS]) >= 60


def test_unwritable_cache_folder_still_lists(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, {"ZZ901": "fakerules:One"})
    blocker = tmp_path / "cache"
    blocker.write_text("a file where the folder should be")
    assert "ZZ901" in listing(blocker, site)["names"]  # type: ignore[operator]


def test_entry_point_loads_its_object_or_says_why_not() -> None:
    assert EntryPoint("text", "aiblint.formatters.text:TextFormatter", FORMATTER_ENTRY_POINTS).load().__name__ == "TextFormatter"  # type: ignore[attr-defined]
    assert EntryPoint("m", "aiblint.constants", RULE_ENTRY_POINTS).load().__name__ == "aiblint.constants"  # type: ignore[attr-defined]
    with pytest.raises(EntryPointError, match="ModuleNotFoundError: No module named 'no_such_module'"):
        EntryPoint("X", "no_such_module:Rule", RULE_ENTRY_POINTS).load()
    with pytest.raises(EntryPointError, match="AttributeError"):
        EntryPoint("X", "aiblint.constants:Nothing", RULE_ENTRY_POINTS).load()
    with pytest.raises(EntryPointError, match="malformed entry point value"):
        EntryPoint("X", "not a value", RULE_ENTRY_POINTS).load()


def test_broken_rule_plugin_is_a_usage_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    fake_distribution(site, {"ZZ901": "no_such_rules:One"})
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-m", "aiblint", "rules"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == (
        "aiblint: error: rule plugin ZZ901 (no_such_rules:One) failed to load: "
        "ModuleNotFoundError: No module named 'no_such_rules'\n"
    )


def test_rule_plugin_with_the_wrong_id_is_a_usage_error(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "fakerules.py").parent.mkdir(parents=True)
    (site / "fakerules.py").write_text(
        "from aiblint.rule import Rule\nclass One(Rule):\n    id = 'ZZ999'\n    name = 'one'\n    summary = 'one'\n"
    )
    fake_distribution(site, {"ZZ901": "fakerules:One"})
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-m", "aiblint", "rules"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert result.stderr == "aiblint: error: rule plugin ZZ901 declares id 'ZZ999'; the entry point name must match\n"


def test_a_third_party_rule_is_loaded_by_stevedore_and_reports(tmp_path: Path) -> None:
    """The same path as the built-in rules: entry point -> stevedore -> Rule -> finding."""
    site = tmp_path / "site"
    site.mkdir(parents=True)
    (site / "acme_rules.py").write_text(ACME_RULE)
    fake_distribution(site, {"ACME001": "acme_rules:NoEastUs"})
    (tmp_path / "t.json").write_text('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "eastus"}')
    probe = (
        "import sys\nfrom aiblint.cli import main\ncode = main(['--no-cache', '--select', 'ACME', 't.json'])\n"
        "print('stevedore' in sys.modules, code)\n"
    )
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert result.stdout.splitlines()[0] == "t.json:1:71: warning ACME001 eastus is not allowed here"
    assert result.stdout.splitlines()[-1] == "True 1"


PLUGIN_RUN = (
    "import sys\nfrom aiblint.cli import main\ncode = main(['--no-cache', '--ignore', 'AIB,SC,PS', 't.json'])\n"
    "print(sorted(m for m in ('stevedore', 'importlib.metadata', 'email') if m in sys.modules), code)\n"
)
ACME_RULE = (
    "from aiblint.findings import Severity\n"
    "from aiblint.rule import Problem, Rule\n"
    "class NoEastUs(Rule):\n"
    "    id = 'ACME001'\n    name = 'no-east-us'\n    severity = Severity.WARNING\n"
    "    summary = 'No builds in eastus'\n"
    "    def check_template(self, template):\n"
    "        if template.resolve(template.location).value == 'eastus':\n"
    "            yield Problem('eastus is not allowed here', node=template.location)\n"
)


def test_rules_load_through_stevedore_only_when_the_installation_changed(tmp_path: Path) -> None:
    """A plugin installed or removed counts on the very next run (stevedore
    loads the rules then); an unchanged installation loads them from the cached
    listing without importing stevedore, importlib.metadata or email; a corrupt
    listing is a miss."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "acme_rules.py").write_text(ACME_RULE)
    (tmp_path / "t.json").write_text('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "eastus"}')
    env = {**os.environ, "AIBLINT_CACHE_DIR": str(tmp_path / "cache"), "PYTHONPATH": str(site)}
    finding = "t.json:1:71: warning ACME001 eastus is not allowed here"
    summary = "1 problem (1 warning) in 1 file checked"

    def run() -> list[str]:
        result = subprocess.run([sys.executable, "-c", PLUGIN_RUN], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
        assert result.stderr == ""
        return result.stdout.splitlines()

    assert run() == ["['email', 'importlib.metadata', 'stevedore'] 0"]  # no listing yet: scanned
    assert run() == ["[] 0"]
    fake_distribution(site, {"ACME001": "acme_rules:NoEastUs"}, name="acme")
    assert run() == [finding, summary, "['email', 'importlib.metadata', 'stevedore'] 1"]
    assert run() == [finding, summary, "[] 1"]
    (file,) = (tmp_path / "cache" / "entry-points").iterdir()
    file.write_bytes(file.read_bytes()[:-20])
    assert run() == [finding, summary, "['email', 'importlib.metadata', 'stevedore'] 1"]
    assert run() == [finding, summary, "[] 1"]
    for part in (site / "acme-1.0.dist-info").iterdir():
        part.unlink()
    (site / "acme-1.0.dist-info").rmdir()
    assert run() == ["['email', 'importlib.metadata', 'stevedore'] 0"]
