"""A warm command replayed (:mod:`aiblint.replay`): the same bytes and exit code as the run it
replays, and never when anything that run read has changed.

Commands run for real, each in a new process through the console script's entry
(:func:`aiblint.server.client.main`); each says whether it was replayed (it then
imported no part of the command line) in a file outside the repository.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aiblint import replay
from tests.conftest import ROOT

TIMEOUT = 120
FORMATS = ("text", "json", "sarif", "github", "azure-devops")
BAD = (ROOT / "examples" / "bad-template.json").read_text(encoding="utf-8")
CLEAN = (ROOT / "benchmarks" / "data" / "two-inline-shell.json").read_text(encoding="utf-8")
#: The console script's entry, telling (after the command's own output) whether the command ran.
PROBE = (
    "import json, os, sys\n"
    "sys.argv[1:] = json.loads(os.environ['REPLAY_TEST_ARGUMENTS'])\n"
    "if os.environ.get('REPLAY_TEST_IMPORT'):\n"
    "    __import__(os.environ['REPLAY_TEST_IMPORT'])  # code of the installation, as the console script's own\n"
    "from aiblint.server.client import main\n"
    "code = main()\n"
    "with open(os.environ['REPLAY_TEST_PROBE'], 'a') as probe:\n"
    "    probe.write('ran\\n' if 'aiblint.cli' in sys.modules else 'replayed\\n')\n"
    "sys.exit(code)\n"
)
#: A deployment template with a parameter (paired with t.parameters.json), an inline script and a local one.
DEPLOYMENT = {
    "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    "contentVersion": "1.0.0.0",
    "parameters": {"where": {"type": "string"}},
    "resources": [{
        "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "x",
        "location": "[parameters('where')]",
        "properties": {"customize": [
            {"type": "Shell", "name": "inline", "inline": ["cp $1 /opt/app"]},
            {"type": "Shell", "name": "file", "scriptUri": "scripts/setup.sh"},
        ]},
    }],
}


class Commands:
    """Runs commands in a repository, with its own cache folder; ``how`` lists ran/replayed."""

    def __init__(self, folder: Path, extra_env: dict[str, str] | None = None) -> None:
        self.repo = folder / "repo"
        (self.repo / ".git").mkdir(parents=True)
        self.probe = folder / "probe"
        self.env = {key: value for key, value in os.environ.items() if key not in ("AIBLINT_SERVER", "AIBLINT_DEBUG")}
        self.env.update(AIBLINT_CACHE_DIR=str(folder / "cache"), REPLAY_TEST_PROBE=str(self.probe), **(extra_env or {}))

    def run(self, *args: str, stdin: bytes | None = None) -> tuple[int, bytes, bytes, str]:
        """Exit code, output, errors, and whether the command ran or was replayed."""
        done = subprocess.run([sys.executable, "-c", PROBE], cwd=self.repo, input=stdin, capture_output=True,
                              timeout=TIMEOUT, check=False, env={**self.env, "REPLAY_TEST_ARGUMENTS": json.dumps(args)})
        how = self.probe.read_text().splitlines()[-1]
        return done.returncode, done.stdout, done.stderr, how

    def write(self, name: str, text: str) -> Path:
        path = self.repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path


@pytest.fixture
def commands(tmp_path: Path) -> Commands:
    return Commands(tmp_path)


def test_a_warm_command_is_replayed_byte_for_byte_in_every_format(commands: Commands) -> None:
    commands.write("templates/bad.json", BAD)
    commands.write("templates/clean.json", CLEAN)
    assert commands.run("templates")[3] == "ran"  # fills the result cache: not recorded
    outputs = {}
    for fmt in FORMATS:
        recorded = commands.run("--format", fmt, "templates")  # every file from the cache: recorded
        replayed = commands.run("--format", fmt, "templates")
        assert (recorded[3], replayed[3]) == ("ran", "replayed"), fmt
        assert replayed[:3] == recorded[:3] and recorded[0] == 1 and recorded[1], fmt
        outputs[fmt] = recorded[:3]
    # Named, not found in a folder: another key in the result cache (linted, recorded, replayed).
    clean = [commands.run("--show-links", "--statistics", "templates/clean.json") for _ in range(3)]
    assert [how for *_, how in clean] == ["ran", "ran", "replayed"]
    assert clean[2][:3] == clean[1][:3] == clean[0][:3] and clean[0][0] == 0
    for record in (commands.repo.parent / "cache" / "runs").rglob("*"):
        if record.is_file():
            record.write_text("{not a record")  # unreadable: the command runs, and records again
    assert commands.run("--format", "sarif", "templates")[:4] == (*outputs["sarif"], "ran")


def test_a_change_to_anything_the_run_read_is_never_replayed(commands: Commands, tmp_path: Path) -> None:
    site = tmp_path / "site"  # a folder on sys.path with an installed distribution in it
    entry_points = site / "fake_plugin-1.0.dist-info" / "entry_points.txt"
    entry_points.parent.mkdir(parents=True)
    entry_points.write_text("[console_scripts]\n", encoding="utf-8")
    module = site / "replay_test_module.py"
    module.write_text("VERSION = 1\n", encoding="utf-8")
    commands.env.update(PYTHONPATH=str(site), REPLAY_TEST_IMPORT="replay_test_module")
    template = commands.write("t.json", json.dumps(DEPLOYMENT, indent=2))
    params = commands.write("t.parameters.json", json.dumps({"parameters": {"where": {"value": "westus2"}}}))
    script = commands.write("scripts/setup.sh", "#!/bin/bash\nrm -rf $DIR/\n")
    args = ("--format", "json", "t.json")

    def rules() -> list[str]:
        code, out, _, how = commands.run(*args)
        assert how == "ran" and code == 1
        return sorted(finding["rule"] for finding in json.loads(out)["findings"])

    def replayed_until_a_change() -> None:
        # The first run with every file from the result cache is recorded (the run that saw the
        # change may have been that run), the next one replayed.
        if commands.run(*args)[3] == "ran":
            assert commands.run(*args)[3] == "replayed"

    before = rules()
    assert "SC2115" in before and "AIB200" not in before
    replayed_until_a_change()
    params.write_text(json.dumps({"parameters": {"where": {"value": "marsnorth"}}}))  # the paired file
    assert "AIB200" in rules()
    replayed_until_a_change()
    written = params.stat()
    params.write_text(json.dumps({"parameters": {"where": {"value": "centralus"}}}))  # as long as "marsnorth"
    os.utime(params, ns=(written.st_atime_ns, written.st_mtime_ns))  # and as old: only its bytes tell
    assert params.stat()[6:9] == written[6:9] and "AIB200" not in rules()
    replayed_until_a_change()
    script.write_text('#!/bin/bash\nrm -rf "${DIR:?}/"\n')  # a local script
    assert "SC2115" not in rules()
    replayed_until_a_change()
    commands.write(".aiblint.toml", 'ignore = ["SC2086"]\n')  # the configuration
    assert "SC2086" not in rules()
    replayed_until_a_change()
    template.write_text(template.read_text().replace("cp $1 /opt/app", "rm -rf $DIR/"))  # the template
    assert "SC2115" in (after := rules())
    replayed_until_a_change()
    entry_points.write_text("[console_scripts]\nfake = fake:main\n", encoding="utf-8")  # the installation
    assert rules() == after
    replayed_until_a_change()
    module.write_text("VERSION = 2\n", encoding="utf-8")  # code imported: its stat, not read by the run
    assert rules() == after
    replayed_until_a_change()
    assert commands.run("--format", "text", "t.json")[3] == "ran"  # another option: another command


def test_commands_that_write_read_standard_input_or_skip_the_cache_are_run(commands: Commands) -> None:
    commands.write("t.json", BAD)
    for args, stdin in [(("--no-cache", "t.json"), None), (("-o", "out.txt", "t.json"), None),
                        (("-", "--stdin-filename", "t.json"), BAD.encode()), (("--debug", "t.json"), None)]:
        assert [commands.run(*args, stdin=stdin)[3] for _ in range(3)] == ["ran"] * 3, args


@pytest.mark.parametrize(("arguments", "recordable"), [
    (["t.json"], True),
    (["--format", "sarif", "-q", "--select=AIB2", "-j", "1", "templates"], True),
    (["--format"], False),  # a value missing
    (["--no-cache", "t.json"], False),
    (["--no-cach", "t.json"], False),  # argparse takes abbreviations: never recorded
    (["-o", "out", "t.json"], False),
    (["--output=out", "t.json"], False),
    (["--fix", "t.json"], False),
    (["--diff", "t.json"], False),
    (["--write-baseline", "b.json", "t.json"], False),
    (["--fetch", "t.json"], False),
    (["-"], False),
    (["--", "t.json"], False),
    (["-qf", "json", "t.json"], False),  # a cluster of short options
    (["--quiet=yes", "t.json"], False),
    (["rules"], False),
    (["config"], False),
])
def test_which_commands_may_be_recorded(arguments: list[str], recordable: bool) -> None:
    assert replay.recordable(arguments) is recordable


def test_a_record_is_kept_only_if_what_the_run_read_still_holds(tmp_path: Path) -> None:
    read = tmp_path / "read.json"
    read.write_text("{}")
    recording = replay.Recording("0" * 64, str(tmp_path / "runs"))
    recording.note("read", str(read), None, "a hash of something else")  # as if it changed while read
    recording.finish(0)
    assert not (tmp_path / "runs").exists()
    recording = replay.Recording("1" * 64, str(tmp_path / "runs"))
    recording.note("read", str(read), None, replay._content(str(read), None))
    recording.finish(0)
    assert (tmp_path / "runs" / "11" / ("1" * 64)).is_file()


def test_a_process_that_imported_the_command_line_records_nothing() -> None:
    """It may hold memos of an earlier command: their questions were asked then, or never."""
    import aiblint.cli  # noqa: F401

    assert replay.Recording.start(["t.json"], {}) is None
