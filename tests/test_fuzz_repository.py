"""The hostile repository (fuzz/repository.py): random ``.aiblint.toml``,
``.shellcheckrc``, PSScriptAnalyzer settings, parameters files and
``scriptUri``s next to a folder of secrets; nothing outside the repository is
opened, no planted secret is shown, cached or fingerprinted. A short
hypothesis run; the long one is in fuzz/README.md."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz import repository
from fuzz.repository import (
    CONFIG_LINES,
    FORMATS,
    INLINE,
    PARAMETERS,
    PSD1_TEXTS,
    RC_LINES,
    URIS,
    Broken,
    Choices,
    check_repository,
)


def _indexes(options: tuple[str, ...], most: int) -> st.SearchStrategy[list[int]]:
    return st.lists(st.integers(0, len(options) - 1), max_size=most)


CHOICES = st.builds(
    Choices,
    config=_indexes(CONFIG_LINES, 2), rc=_indexes(RC_LINES, 3),
    psd1=st.none() | st.integers(0, len(PSD1_TEXTS) - 1), uris=_indexes(URIS, 4), inline=_indexes(INLINE, 3),
    parameters=st.none() | st.integers(0, len(PARAMETERS) - 1), fmt=st.integers(0, len(FORMATS) - 1),
)


# Each example lints two repositories three times: a few examples, no shrinking (a failure shows its input).
@settings(max_examples=6, deadline=None, phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(CHOICES)
def test_a_hostile_repository_cannot_reach_outside_or_leak(choices: Choices) -> None:
    check_repository(choices)


def test_every_attack_at_once() -> None:
    """Every hostile file, URI and line, with a configuration the run accepts."""
    valid = [CONFIG_LINES.index(line) for line in CONFIG_LINES if "scripts" in line or "select" in line]
    check_repository(Choices(config=valid, rc=list(range(len(RC_LINES))), psd1=0, uris=list(range(len(URIS))),
                             inline=list(range(len(INLINE))), parameters=0, fmt=0))


def test_the_target_does_see_a_leak(monkeypatch: pytest.MonkeyPatch) -> None:
    """The checks are real: a run that printed a planted secret is caught."""
    from aiblint import cli

    real = cli.main

    def leaky(arguments: list[str], stdout: object = None) -> int:
        code = real(arguments, stdout)  # type: ignore[arg-type]
        stdout.write(repository.SECRETS[0]["password"] + repository.SECRETS[1]["password"])
        return code

    monkeypatch.setattr(cli, "main", leaky)
    with pytest.raises(Broken, match="the planted password is shown"):
        check_repository(Choices(config=[], rc=[], psd1=None, uris=[], inline=[1], parameters=None, fmt=0))


def test_the_target_does_see_a_file_opened_outside(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from aiblint import cli

    real = cli.main

    def nosy(arguments: list[str], stdout: object = None) -> int:
        (Path.cwd().parent / "outside" / "secret.sh").read_bytes()
        return real(arguments, stdout)  # type: ignore[arg-type]

    monkeypatch.setattr(cli, "main", nosy)
    with pytest.raises(Broken, match="opened outside the repository"):
        check_repository(Choices(config=[], rc=[], psd1=None, uris=[], inline=[], parameters=None, fmt=0))
