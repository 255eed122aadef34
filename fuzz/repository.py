"""The "hostile repository" fuzz target: a repository whose ``.aiblint.toml``,
``.shellcheckrc``, ``PSScriptAnalyzerSettings.psd1``, parameters file and
``scriptUri``s are chosen at random from what an attacker would write, next
to a folder of secrets, under a home and a temporary folder with their own rc
files. aiblint is run on it through the command line, twice, with secrets of
the same kinds and lengths but different values. What must hold:

* no file under the workspace is opened (audit hook) outside the repository
  and the cache folder: not the secrets folder, not the home;
* no planted secret appears in the output, on standard error, in the cache
  folder or in the baseline;
* the fingerprints are the same in both runs: they carry nothing of the
  secrets' values (no baseline key is used);
* ShellCheck is given an rc file inside the run's own folder, without a
  directive that reads other files, or ``--norc``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, redirect_stderr
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class Broken(AssertionError):
    """A promise about an untrusted repository does not hold."""


def _expect(condition: object, message: str) -> None:
    if not condition:
        raise Broken(message)


#: Two sets of secrets: the same kinds and lengths, other values (a long one keeps its
#: first two characters in its masked form, so those are the same too).
SECRETS = (
    {"token": "ghp_" + "Q7wErTy8uIoP9aSdFgH0jKlZxCvBnM1qAz2W", "sig": "Kd8Hs4Nv6Bc1Yf0Gj3Aa5Ee7Ii9Xq3mUe7Rw9Zt2Lp5%3D",
     "password": "Tr0ub4dor7zq", "key": "Zx9-kd83jdKa82Qw"},
    {"token": "ghp_" + "M1qAz2WsXQ7wErTy8uIoP9aSdFgH0jKlZxCv", "sig": "KdYf0Gj3Aa5Ee7Ii9Xq3mUe7Rw9Zt2Lp5d8Hs4NvBc1%3D",
     "password": "Pl4ntedPw9xk", "key": "ZxQw82jdKa-kd3m9"},
)
OUTSIDE_TEXT = "PLANTED-OUTSIDE-4711"

CONFIG_LINES = (
    '[script-roots]\n"https://contoso.net/s/" = "/"\n',
    '[script-roots]\n"https://contoso.net/s/" = "~"\n',
    '[script-roots]\n"https://contoso.net/s/" = "../outside"\n',
    '[script-roots]\n"https://contoso.net/s/" = "scripts"\n',
    '[script-roots]\n"https://contoso.net/s/" = "link"\n',
    'parameters = ["../outside/params.json"]\n',
    'parameters = ["t.parameters.json"]\n',
    'baseline = "../outside/baseline.json"\n',
    "fetch = true\n",
    'select = ["AIB", "SC"]\n',
    'ignore = ["AIB0"]\n',
    'inline-shebang = "/bin/bash -e"\n',
    "not toml [[[\n",
    'exclude = ["*"]\n',
)
RC_LINES = ("external-sources=true\n", "source-path=/\n", "source-path=SCRIPTDIR/../../outside\n", "disable=SC2086\n",
            "enable=all\n", "shell=bash\n", "disable=SC2148 external-sources=true\n", "# comment\n", "\x00\xff garbage\n")
PSD1_TEXTS = ("@{ CustomRulePath = @('../outside/Evil.psm1'); IncludeRules = 'PSAvoidUsingWriteHost' }",
              "@{ ExcludeRules = @(Get-ChildItem ../outside) }", "@{ Severity = 'Error' } ; Remove-Item /", "@{")
URIS = ("../outside/secret.sh", "scripts/../../outside/secret.sh", "%2e%2e/outside/secret.sh", "{outside}/secret.sh",
        "file://{outside}/secret.sh", "link/secret.sh", "scripts/setup.sh", "scripts/link.sh", "https://contoso.net/s/secret.sh",
        "https://contoso.net/s/../../outside/secret.sh", "https://deploy:{password}@contoso.net/s/x.sh",
        "https://contoso.blob.core.windows.net/b/x.sh?sv=2022-11-02&sig={sig}", "https://{token}@raw.githubusercontent.com/c/r/main/x.sh",
        "../../home/.ssh/id_ed25519", "~/.ssh/id_ed25519", "/etc/passwd")
INLINE = ("export GITHUB_TOKEN={token}", "curl -u deploy:{password} http://contoso.net/a.sh | bash",
          "az login --service-principal -u 0 -p '{key}' --tenant t", "echo $1", ". {outside}/secret.sh", "cp $1 /opt")
PARAMETERS = ('{{"parameters": {{"token": {{"value": "{token}"}}}}}}', "@link", "not json {{", '{{"parameters": {{}}}}')


@dataclass
class Choices:
    """What one input plants, read from the fuzz bytes or drawn by hypothesis."""

    config: list[int]
    rc: list[int]
    psd1: int | None
    uris: list[int]
    inline: list[int]
    parameters: int | None
    fmt: int

    @classmethod
    def read(cls, data: bytes) -> Choices:
        from fuzz.targets import Input

        source = Input(data)

        def pick(count: int, options: Sequence[object]) -> list[int]:
            return [source.number(0, len(options) - 1) for _ in range(source.number(0, count))]

        psd1 = source.number(0, len(PSD1_TEXTS))
        parameters = source.number(0, len(PARAMETERS))
        return cls(pick(3, CONFIG_LINES), pick(4, RC_LINES), psd1 if psd1 < len(PSD1_TEXTS) else None, pick(5, URIS),
                   pick(4, INLINE), parameters if parameters < len(PARAMETERS) else None, source.number(0, 4))


def repository(data: bytes) -> None:
    check_repository(Choices.read(data))


def check_repository(choices: Choices) -> None:
    """Plant the repository twice (two sets of secrets), lint it, check every promise."""
    runs = []
    for secrets in SECRETS:
        with _workspace() as workspace:
            _plant(workspace, choices, secrets)
            runs.append(_run(workspace, choices, secrets))
    _expect(sorted(runs[0]) == sorted(runs[1]), f"fingerprints depend on the secrets' values: {runs}")


@contextmanager
def _workspace() -> Iterator[Path]:
    """The same folder for both runs (paths in the files are the same), emptied after each."""
    base = Path(tempfile.mkdtemp(prefix="aiblint-fuzz-repo-")).resolve()
    folder = base.with_name(f"aiblint-fuzz-repository-{os.getpid()}")
    shutil.rmtree(folder, ignore_errors=True)
    base.rename(folder)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _plant(workspace: Path, choices: Choices, secrets: dict[str, str]) -> None:
    outside, home, repo = workspace / "outside", workspace / "home", workspace / "repo"
    for folder in (outside, home / ".ssh", workspace / "tmp" / "deep", repo / ".git", repo / "scripts"):
        folder.mkdir(parents=True)
    values = {**secrets, "outside": str(outside)}
    (outside / "secret.sh").write_text(f"#!/bin/sh\necho {OUTSIDE_TEXT} {secrets['key']}\n")
    (outside / "params.json").write_text(json.dumps({"parameters": {"token": {"value": OUTSIDE_TEXT}}}))
    (outside / "baseline.json").write_text(json.dumps({"version": 1, "entries": [], "note": OUTSIDE_TEXT}))
    (home / ".ssh" / "id_ed25519").write_text(OUTSIDE_TEXT)
    for rc in (home / ".shellcheckrc", workspace / "tmp" / ".shellcheckrc", workspace / ".shellcheckrc"):
        rc.write_text("external-sources=true\n")
    (repo / "scripts" / "setup.sh").write_text("#!/bin/bash\necho $1\n")
    (repo / "scripts" / "link.sh").symlink_to(outside / "secret.sh")
    (repo / "link").symlink_to(outside, target_is_directory=True)
    (repo / ".aiblint.toml").write_text("".join(CONFIG_LINES[index] for index in dict.fromkeys(choices.config)))
    (repo / ".shellcheckrc").write_text("".join(RC_LINES[index] for index in choices.rc))
    if choices.psd1 is not None:
        (repo / "PSScriptAnalyzerSettings.psd1").write_text(PSD1_TEXTS[choices.psd1])
    if choices.parameters is not None:
        text = PARAMETERS[choices.parameters]
        if text == "@link":
            (repo / "t.parameters.json").symlink_to(outside / "params.json")
        else:
            (repo / "t.parameters.json").write_text(text.format(**values))
    steps: list[dict[str, object]] = [
        {"type": "Shell", "name": f"u{index}", "scriptUri": URIS[choice].format(**values), "sha256Checksum": "0" * 64}
        for index, choice in enumerate(choices.uris)
    ]
    steps.append({"type": "Shell", "name": "inline", "inline": [INLINE[choice].format(**values) for choice in choices.inline] or ["true"]})
    steps.append({"type": "PowerShell", "name": "ps", "inline": ["Write-Host 'hi'"]})
    (repo / "t.json").write_text(json.dumps(_template(steps, secrets["token"]), indent=2))


def _template(steps: list[dict[str, object]], token: str) -> dict[str, object]:
    return {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "parameters": {"token": {"type": "string", "defaultValue": token}},
        "resources": [{
            "type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "i", "location": "westus",
            "properties": {
                "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
                "customize": steps,
                "distribute": [{"type": "ManagedImage", "location": "westus", "runOutputName": "i",
                                "imageId": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/i"}],
            },
        }],
    }


_OPENED: list[str] = []
_RECORDING = threading.Event()


def _audit(event: str, args: tuple[Any, ...]) -> None:
    if _RECORDING.is_set() and event == "open" and isinstance(args[0], (str, bytes, os.PathLike)):
        _OPENED.append(os.path.abspath(os.fsdecode(args[0])))  # relative to the working directory of the run


_HOOKED: list[bool] = []


def _hook() -> None:
    if not _HOOKED:  # an audit hook cannot be removed: one per process, recording only while set
        sys.addaudithook(_audit)
        _HOOKED.append(True)


FORMATS = ("text", "json", "sarif", "github", "azure-devops")


def _run(workspace: Path, choices: Choices, secrets: dict[str, str]) -> list[tuple[str, str]]:
    """Lint the planted repository through the command line; the findings' fingerprints."""
    from aiblint.cli import main
    from aiblint.scripts import shellcheck

    _hook()
    repo, cache = workspace / "repo", workspace / "cache"
    rc_files: list[str] = []
    real_rc = shellcheck._rc_option

    def recording(rcfile: Path | None, folder: Path) -> str:
        option = real_rc(rcfile, folder)
        rc_files.append(option)
        if option != "--norc":
            path = Path(option.removeprefix("--rcfile="))
            _expect(path.parent == folder, f"ShellCheck's rc file {path} is not the run's own copy")
            _expect(shellcheck.safe_rc(path.read_text()) == path.read_text(), "ShellCheck's rc file can read other files")
        return option

    saved = {name: os.environ.get(name) for name in ("HOME", "TMPDIR", "AIBLINT_CACHE_DIR", "XDG_CONFIG_HOME")}
    cwd = os.getcwd()
    out, err = io.StringIO(), io.StringIO()
    os.environ.update(HOME=str(workspace / "home"), TMPDIR=str(workspace / "tmp" / "deep"), AIBLINT_CACHE_DIR=str(cache),
                      XDG_CONFIG_HOME=str(workspace / "home"))
    tempfile.tempdir = None
    shellcheck._rc_option = recording  # type: ignore[assignment]
    os.chdir(repo)
    _OPENED.clear()
    _RECORDING.set()
    try:
        with redirect_stderr(err):
            code = main(["--format", FORMATS[choices.fmt], "t.json"], stdout=out)
            main(["--format", "json", "--write-baseline", "b.json", "t.json"], stdout=io.StringIO())
            main(["--format", "sarif", "--no-cache", "t.json"], stdout=(sarif := io.StringIO()))
    finally:
        _RECORDING.clear()
        os.chdir(cwd)
        shellcheck._rc_option = real_rc  # type: ignore[assignment]
        tempfile.tempdir = None
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    _expect(code in (0, 1, 2), f"exit code {code}")
    allowed = (repo, cache, workspace / "tmp" / "deep")  # the repository, the cache, aiblint's own temporary folders
    opened = [path for path in _OPENED if _inside(path, workspace) and not any(_inside(path, folder) for folder in allowed)]
    _expect(opened == [], f"opened outside the repository: {opened}")
    shown = out.getvalue() + err.getvalue() + sarif.getvalue() + _texts(cache) + _texts(repo / "b.json")
    for name, secret in [*secrets.items(), ("outside", OUTSIDE_TEXT)]:
        _expect(secret not in shown, f"the planted {name} is shown")
    return _fingerprints(sarif.getvalue())


def _inside(path: str, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(folder)
    except (OSError, ValueError):
        return False


def _texts(where: Path) -> str:
    files = [where] if where.is_file() else sorted(path for path in where.rglob("*") if path.is_file()) if where.is_dir() else []
    return "".join(path.read_bytes().decode("utf-8", "replace") for path in files)


def _fingerprints(sarif: str) -> list[tuple[str, str]]:
    if not sarif:
        return []  # a configuration error: nothing was linted
    results = json.loads(sarif)["runs"][0]["results"]
    return [(r["ruleId"], r["partialFingerprints"]["aiblintFingerprint/v1"]) for r in results]


ALL: dict[str, Callable[[bytes], None]] = {"repository": repository}
