"""The filter step, between the rules and the report.

1. ``per-file-ignores`` (configuration): findings of those rules in files matching
   those globs are dropped, as ``ignore`` drops them everywhere.
2. In-file suppressions (:mod:`aiblint.suppressions`): a covered finding is kept
   and marked ``suppressed``; it is shown in SARIF and JSON, not counted.
3. AIB006: a suppression that matched nothing, gives no reason, has expired
   (an expired one no longer suppresses) or cannot be read.
4. The baseline (:mod:`aiblint.baseline`): findings it holds are marked too.

The engine calls :meth:`FindingFilter.read` for every file it lints and
:meth:`FindingFilter.apply` once the findings are complete: per file for a
single document, at the end of the run when external analyzers run in batches.
The filter sits below the engine: it knows the linter that owns it only as a
:class:`Host`, and never imports :mod:`aiblint.engine`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from fnmatch import fnmatch
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from aiblint.config import glob_base
from aiblint.discover import display_path
from aiblint.document import Document
from aiblint.findings import Finding, Suppression
from aiblint.model import ImageTemplate
from aiblint.record import replace
from aiblint.rule import Problem, Rule
from aiblint.suppressions import Directive, read_directives

if TYPE_CHECKING:
    import datetime

    from aiblint.baseline import Baseline
    from aiblint.config import Config
    from aiblint.registry import RuleSet
    from aiblint.selection import Selection

#: The rule that reports useless suppressions (its findings are made here).
USELESS_SUPPRESSION = "AIB006"


class Host(Protocol):
    """What the filter reads of the linter that owns it (:class:`aiblint.engine.Linter`),
    and :meth:`finding`, which turns an AIB006 problem into a finding as every other."""

    config: Config
    cwd: Path
    rules: RuleSet
    selection: Selection

    @property
    def script_rules(self) -> list[Rule]: ...

    @property
    def batch_rules(self) -> list[Rule]: ...

    def finding(
        self, rule: Rule, document: Document, problem: Problem, templates: Sequence[ImageTemplate] = ()
    ) -> Finding | None: ...


class FindingFilter:
    def __init__(self, linter: Host) -> None:
        self.linter = linter
        self.ignores = _per_file_ignores(linter.config)
        self.glob_base = glob_base(linter.config, linter.cwd)
        self.baseline = load_baseline(linter.config, linter.cwd)
        self.silent: set[str] = set()  # rule families that could not run fully: their suppressions are not judged
        self.notes: list[str] = []  # run-level remarks (unused baseline entries)
        self._directives: dict[tuple[str, int], Directive] = {}
        self._linted: set[str] = set()
        self._rule_ids: list[str] | None = None  # every registered rule id, read when needed

    @cached_property
    def today(self) -> datetime.date:
        """The day suppressions expire on or before (tests set another), read when a
        suppression has an expiry date: importing datetime costs every other run 2 ms."""
        import datetime

        return datetime.date.today()

    # Read when first needed: they import the rules, which a run whose results
    # all come from the cache never does (nor needs: it has no suppressions to judge).
    @cached_property
    def reporter(self) -> Rule | None:
        return next((rule for rule in self.linter.rules.rules if rule.id == USELESS_SUPPRESSION), None)

    @cached_property
    def scripts(self) -> bool:
        return bool(self.linter.script_rules or self.linter.batch_rules)

    def read(self, document: Document, templates: list[ImageTemplate]) -> None:
        """Note the suppressions written in ``document`` and the scripts it runs."""
        self.note_linted([document.path])
        for directive in read_directives(document, templates, lambda: self.today, self.scripts):
            self._directives.setdefault(directive.key, directive)
        if self.scripts:
            from aiblint.scripts.units import script_units

            self.note_linted(unit.document.path for template in templates for unit in script_units(template))

    def note_linted(self, paths: Iterable[str]) -> None:
        """Count documents as linted without reading them: a file whose result came
        from the cache or a worker process, and that holds no suppression."""
        self._linted.update(paths)

    def apply(self, findings: list[Finding]) -> list[Finding]:
        """The findings of everything read since the last call, filtered and
        marked, with the AIB006 findings added; sorted."""
        directives = list(self._directives.values())
        linted, self._directives, self._linted = self._linted, {}, set()
        marked = [self._suppress(finding, directives) for finding in findings if not self.ignored(finding.path, finding.rule)]
        marked += [finding for finding in self._complaints(directives) if not self.ignored(finding.path, finding.rule)]
        if self.baseline is not None:
            marked = self.baseline.apply(marked, linted)
            unused = len(self.baseline.unused)
            self.notes = [
                f"baseline {self.baseline.name}: {unused} entr{'y' if unused == 1 else 'ies'} matched no finding "
                f"(fixed, or the text changed); --write-baseline {self.baseline.name} drops them"
            ] if unused else []
        # By each finding's key, made once, not by Finding.__lt__, which makes two per comparison: the same order.
        return sorted(marked, key=Finding._values)

    def ignored(self, path: str, rule_id: str) -> bool:
        """``per-file-ignores`` turns ``rule_id`` off for ``path``."""
        if not self.ignores:
            return False
        rule_id = rule_id.upper()
        relative = display_path(self.linter.cwd / path, self.glob_base)  # globs are relative to the configuration file
        return any(fnmatch(relative, glob) and rule_id.startswith(codes) for glob, codes in self.ignores)

    def _suppress(self, finding: Finding, directives: list[Directive]) -> Finding:
        if finding.rule == USELESS_SUPPRESSION:
            return finding  # only the baseline and the configuration silence AIB006
        chosen: Directive | None = None
        for directive in directives:
            if directive.expired or not directive.covers(finding.path, finding.line, finding.column, finding.logical_path):
                continue
            for selector in directive.selectors:
                if selector.matches(finding.rule):
                    selector.used = True
                    chosen = chosen or directive
        if chosen is None:
            return finding
        return replace(finding, suppressed=Suppression("inSource", chosen.source, chosen.reason, chosen.where))

    def _complaints(self, directives: list[Directive]) -> list[Finding]:
        if not directives or self.reporter is None:
            return []
        found = []
        for directive in directives:
            problems = [(problem, document) for _, problem, document in directive.complaints]
            for selector in directive.selectors if not directive.expired else []:
                verdict = None if selector.used else self._unused(selector.code, directive)
                if verdict is not None:
                    place = selector.problem
                    problem = Problem(verdict, place.node, place.start, place.end, document=place.document)
                    problems.append((problem, selector.document))
            for problem, document in problems:
                finding = self.linter.finding(self.reporter, problem.document or document, problem)
                if finding is not None:
                    found.append(finding)
        return found

    def _unused(self, code: str, directive: Directive) -> str | None:
        """Why a suppression of ``code`` that matched nothing is useless, or ``None``
        when that cannot be told: the rule is off for the file, did not run here
        (not loaded), or could not run fully (ShellCheck missing...)."""
        if self.ignored(directive.path, code):
            return None
        # A misspelt id (AIB2O1) is known useless whatever runs: --select AIB006 finds it.
        loaded = any(_related(code, rule.id) for rule in self.linter.rules.rules)
        if not loaded and not any(_related(code, rule_id) for rule_id in self._registered()):
            return f"suppression of {code} matched nothing: no rule has this id or prefix"
        if not self.linter.selection.enabled(code):
            return None
        if any(code.startswith(family) or family.startswith(code) for family in self.silent):
            return None
        if code == USELESS_SUPPRESSION:
            return f"{code} cannot be suppressed in the file it reports on: use the baseline, ignore or per-file-ignores"
        if loaded:
            return f"suppression of {code} matched nothing {directive.scope}: remove it"
        return None

    def _registered(self) -> list[str]:
        if self._rule_ids is None:
            from aiblint.registry import available_rule_ids

            self._rule_ids = available_rule_ids()
        return self._rule_ids


def _related(code: str, rule_id: str) -> bool:
    """A suppression of ``code`` could match findings of ``rule_id`` (``SC`` reports ``SC2086``)."""
    rule_id = rule_id.upper()
    return code.startswith(rule_id) or rule_id.startswith(code)


def _per_file_ignores(config: Config) -> list[tuple[str, tuple[str, ...]]]:
    return [(glob, tuple(code.upper() for code in codes)) for glob, codes in config.per_file_ignores.items()]


def load_baseline(config: Config, cwd: Path) -> Baseline | None:
    """The configured baseline (``baseline`` key, ``--baseline``), or ``None``.
    A path in a configuration file is relative to that file's folder."""
    if not config.baseline:
        return None
    origin = config.origins.get("baseline", "command line")
    base = config.source.parent if origin != "command line" and config.source is not None else cwd
    from aiblint.baseline import Baseline  # only with a baseline: most runs have none

    return Baseline.load(base / config.baseline, config.baseline)
