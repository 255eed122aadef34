"""The single-file linter: a file's bytes -> its front end -> the model ->
the rules -> findings, filtered (:mod:`aiblint.filtering`).

:class:`Linter` knows nothing of how a run is organised: which files
(:mod:`aiblint.discover`), chunks and worker processes (:mod:`aiblint.parallel`),
the result cache (:mod:`aiblint.cache`), named scripts (:mod:`aiblint.script_paths`).
Those sit above it, in :mod:`aiblint.run`, whose :func:`~aiblint.run.lint_paths`
is the library entry point. It never raises for bad input: unreadable files
become findings.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Iterable, Sequence
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from aiblint.config import Config
from aiblint.document import Document
from aiblint.filtering import FindingFilter
from aiblint.findings import Finding, RelatedLocation, Severity, sorted_unique
from aiblint.frontends import load_bytes
from aiblint.hashing import sha256_hex
from aiblint.jsontree import JsonNode, member_key
from aiblint.model import ImageTemplate, find_templates
from aiblint.prefixes import PrefixTable
from aiblint.record import replace
from aiblint.redact import redact_message
from aiblint.registry import RuleSet
from aiblint.rule import Claim, FileContext, Problem, Rule, RunNote
from aiblint.scripts.settings import ScriptSettings, active
from aiblint.scripts.tally import add_note
from aiblint.selection import Selection

if TYPE_CHECKING:
    from aiblint.arm.parameters import ParameterFile
    from aiblint.claims import Claimed
    from aiblint.scripts.tally import ScriptTally
    from aiblint.scripts.units import ScriptUnit

#: Messages quote values from the file: a 7 MB value must not become a 7 MB line in every format.
MAX_MESSAGE = 1000


class Linter:
    """Runs a loaded rule set over documents and turns problems into findings."""

    def __init__(self, rules: RuleSet, config: Config, cwd: Path | None = None, batch: bool = False,
                 scripts: ScriptSettings | None = None) -> None:
        """``batch``: keep script units for one :meth:`finish` call at the end of
        the run (external analyzers start once), instead of checking them per file.
        ``scripts``: the run's settings, made already from this ``config`` and ``cwd``."""
        self.rules = rules
        self.config = config
        self.selection = Selection.of(config.select, config.ignore)
        #: rule id -> whether :attr:`selection` enables it (asked for every finding), and of which selection
        self._enabled: dict[str, bool] = {}
        self._enabled_by = self.selection
        #: rule id -> its configured severity (asked for every finding), for one severity table
        self._severities: PrefixTable[Severity] | None = None
        self.scripts = scripts if scripts is not None else ScriptSettings.from_config(config, cwd if cwd is not None else Path.cwd())
        self.batch = batch
        #: batch: start the batch rules on a file's scripts before its other rules run (a run of
        #: one file: ShellCheck then runs meanwhile); set by who organises the run
        self.start_early = False
        #: batch: hand the batch rules each file's scripts once it is linted (a chunk: they may
        #: start work on those gathered so far); set by who organises the run, who flushes
        self.gather = False
        self.pending: list[ScriptUnit] = []
        self.claims: list[Claimed] = []  # batch: the run's claims, compared by _finish (aiblint.claims)
        self.notes: list[str] = []  # run-level remarks from the batch rules
        self.tally: ScriptTally | None = None  # scripts checked and not read, for one run note
        self.cwd = cwd if cwd is not None else Path.cwd()
        #: ``--parameters`` files for every deployment template, and those that could not be read
        self.parameter_files: list[ParameterFile] = []
        self.parameter_errors: list[tuple[str, str]] = []
        if config.parameters:  # (the ARM modules are not imported for nothing: a run may lint no file)
            from aiblint.arm.provenance import load_explicit

            self.parameter_files, self.parameter_errors = load_explicit(config, self.cwd)
        #: display path -> other files a front end read for it (a Terraform module's files); the cache checks them
        self.reads: dict[str, list[str]] = {}
        #: per-file ignores, in-file suppressions (AIB006), the baseline
        self.filter = FindingFilter(self)
        #: the key of secret fingerprints: the one of the baseline being written or used (``None``: none)
        baseline = self.filter.baseline
        self.fingerprint_key = config.fingerprint_key or (baseline.key if baseline is not None else None)
        #: document path -> where secrets were found in it (line, column, end line, end column)
        self.secret_places: dict[str, list[tuple[int, int, int, int]]] = {}

    # Read when first needed: the rules of a lazily loaded rule set are imported
    # only if a file is linted (not when every result comes from the cache).
    @cached_property
    def script_rules(self) -> list[Rule]:
        return [rule for rule in self.rules.rules if _overrides(rule, "check_script")]

    @cached_property
    def claim_rules(self) -> list[Rule]:
        return [rule for rule in self.rules.rules if _overrides(rule, "check_claims")]

    @cached_property
    def template_rules(self) -> list[tuple[Rule, bool, bool, bool]]:
        """Every rule, in order, and whether it checks files, templates, claims:
        a method a rule does not override yields nothing, and is not called."""
        claim_rules = set(self.claim_rules)
        return [(rule, _overrides(rule, "check_file"), _overrides(rule, "check_template"), rule in claim_rules)
                for rule in self.rules.rules]

    @cached_property
    def batch_rules(self) -> list[Rule]:
        return [rule for rule in self.rules.rules if _overrides(rule, "check_scripts")]

    @cached_property
    def secret_rules(self) -> frozenset[str]:
        return frozenset(rule.id for rule in self.rules.rules if "secret" in rule.tags)

    def remember_secrets(self, findings: Iterable[Finding]) -> None:
        """Where findings from the result cache found secrets (a script's later
        findings must not be fingerprinted from text that holds one)."""
        for finding in findings:
            if finding.rule in self.secret_rules:
                self._secret_at(finding.path, finding.line, finding.column, finding.end_line, finding.end_column)

    def _secret_at(self, path: str, *place: int) -> None:
        places = self.secret_places.setdefault(path, [])
        if place not in places:
            places.append((place[0], place[1], place[2], place[3]))

    def _covers_secret(self, finding: Finding) -> bool:
        return self._covers(finding.path, (finding.line, finding.column), (finding.end_line, finding.end_column))

    def _covers(self, path: str, start: tuple[int, int], end: tuple[int, int]) -> bool:
        """The span from ``start`` to ``end`` (line, column) in ``path`` touches a secret found there."""
        places = self.secret_places.get(path)
        return places is not None and any(start <= (place[2], place[3]) and (place[0], place[1]) <= end for place in places)

    def _without_secret_text(self, findings: list[Finding]) -> list[Finding]:
        """Findings whose span covers a secret found later in the file are
        fingerprinted again, from their message instead of the text."""
        if not self.secret_places:
            return findings
        return [
            replace(finding, fingerprint=_covering_fingerprint(finding))
            if finding.rule not in self.secret_rules and self._covers_secret(finding) else finding
            for finding in findings
        ]

    def lint_bytes(self, data: bytes, display: str, explicit: bool = True) -> tuple[list[Finding], int]:
        """Findings for one file's bytes, and how many templates it held.

        With several ``--parameters`` files, a deployment template is checked once
        per file (each is one deployment): a finding in a parameters file comes
        from its own pass, one in the template is reported once (see :meth:`_load`)."""
        document, passes = self._load(data, display)
        findings: list[Finding] = []
        claimed: list[Claimed] = []
        seen: set[tuple[object, ...]] = set()  # script units of an earlier pass
        with active(self.scripts):
            if self.batch and self.start_early and len(passes) == 1 and self.batch_rules:
                self._start_batch(passes[0])
            for index, templates in enumerate(passes):
                context = FileContext(document, templates, explicit)
                alone = [(template, (template,)) for template in templates]  # what a template rule looked at
                for rule, checks_file, checks_templates, claims in self.template_rules:
                    for template in templates:
                        template.flows.clear()  # provenance is per rule
                    if checks_file:
                        self._collect(findings, rule, document, rule.check_file(context), templates)
                    for template, looked_at in alone:
                        if checks_templates:
                            self._collect(findings, rule, document, rule.check_template(template), looked_at)
                        # Claims of one pass only: two parameters files are two deployments, never both at once.
                        if claims and index == 0:
                            claimed.extend(self._claims(rule, document, rule.check_claims(template), template))
                if self.script_rules or self.batch_rules:
                    findings.extend(self._scripts(document, templates, seen))
                self.filter.read(document, templates)
        if self.batch:
            self.claims.extend(claimed)  # compared with the other files' at the end of the run
        else:  # one file on its own (the language server, --fix): its templates with each other
            from aiblint.claims import resolve

            findings.extend(resolve(claimed))
        findings = self._without_secret_text(sorted_unique(findings))
        return (findings if self.batch else self.filter.apply(findings)), len(passes[0])

    def _claims(self, rule: Rule, document: Document, claims: Iterable[Claim], template: ImageTemplate) -> list[Claimed]:
        made: list[Claimed] = []
        for claim in claims:  # (asked of every claim rule and template; most make none)
            finding = self.finding(rule, claim.problem.document or document, claim.problem, [template])
            if finding is not None:
                from aiblint.claims import Claimed  # only when a claim is made

                made.append(Claimed(finding.rule, claim.key, claim.owner, finding, claim.related))
        return made

    def _scripts(self, document: Document, templates: list[ImageTemplate], seen: set[tuple[object, ...]]) -> list[Finding]:
        """Check the scripts of ``templates`` that an earlier pass over the same file
        (another parameters file) did not (``seen``: their :meth:`ScriptUnit.identity`)."""
        findings: list[Finding] = []
        first = not seen
        units = _new_units(templates, seen)
        if self.tally is None:
            from aiblint.scripts.tally import ScriptTally

            self.tally = ScriptTally()
        self.tally.add(templates if first else [], units)
        for rule in self.script_rules:
            for unit in units:
                findings.extend(self._run(rule, document, rule.check_script(unit), [unit.template]))
        if self.batch:
            self.pending.extend(units)
            if self.gather and units:
                self._start_batch(templates, units, complete=False)
        else:
            findings.extend(self._batch(units))
        return findings

    def _start_batch(self, templates: list[ImageTemplate], units: list[ScriptUnit] | None = None, complete: bool = True) -> None:
        """Hand the batch rules the file's scripts ahead (:meth:`Rule.start_scripts`); they
        report only when :meth:`flush` gives them the scripts, so a failure here costs time only."""
        from aiblint.scripts.units import script_units

        try:
            units = [unit for template in templates for unit in script_units(template)] if units is None else units
            for rule in self.batch_rules:
                rule.start_scripts(units, complete)
        except Exception:
            if os.environ.get("AIBLINT_DEBUG"):
                raise

    def flush(self, units: list[ScriptUnit] | None = None, only: Collection[str] | None = None) -> list[Finding]:
        """Run the batch rules (those with an id in ``only``) over ``units``, by
        default the script units kept since the last call."""
        if units is None:
            units, self.pending = self.pending, []
        with active(self.scripts):
            return self._batch(units, only)

    def finish(self) -> list[Finding]:
        """:meth:`flush`, then the run's note about its scripts."""
        findings = self.flush()
        # The batch rules' notes in the order of their text (each starts with its tool's name), not of
        # their first appearance: that depends on the chunks (-j) and on which files came from the cache.
        self.notes.sort()
        # The note says which scriptUri could not be read (AIB305/AIB307) and how to fix that:
        # nothing to say when AIB305 is off or --fetch was asked for.
        wanted = self.selection.enabled("AIB305") and not self.scripts.fetch
        note = self.tally.note() if self.tally is not None and wanted else None
        if note is not None and note not in self.notes:
            self.notes.append(note)
        return findings

    def _batch(self, units: list[ScriptUnit], only: Collection[str] | None = None) -> list[Finding]:
        findings: list[Finding] = []
        if not units:
            return findings
        for rule in self.batch_rules:
            if only is not None and rule.id not in only:
                continue
            for item in rule.check_scripts(units):
                if isinstance(item, RunNote):
                    self.filter.silent.add(rule.id)
                    add_note(self.notes, item.message)  # two groups' "N scripts were not checked": the sum
                elif item.document is not None:
                    finding = self.finding(rule, item.document, item)
                    if finding is not None:
                        findings.append(finding)
        return findings

    def revisit(self, data: bytes, display: str, *, suppressions: bool = False, scripts: bool = False) -> list[ScriptUnit]:
        """Read a file again whose findings came from the result cache or a worker
        process: for the filter (``suppressions``), or for its script units
        (``scripts``; returned, for the batch rules)."""
        document, passes = self._load(data, display)
        units: list[ScriptUnit] = []
        seen: set[tuple[object, ...]] = set()
        with active(self.scripts):
            for templates in passes:
                if scripts:
                    units += _new_units(templates, seen)
                if suppressions:
                    self.filter.read(document, templates)
        return units

    def _load(self, data: bytes, display: str) -> tuple[Document, list[list[ImageTemplate]]]:
        """The document and its image templates, read by the front end of its language:
        one list of templates per pass. A deployment template given several
        ``--parameters`` files is one pass per file, each bound to that file alone."""
        from aiblint.frontends.terraform import is_terraform

        if is_terraform(display):
            from aiblint.frontends.terraform import load_terraform
            from aiblint.scripts.resolve import repository_for

            source = self.cwd / display if not display.startswith("<") else None
            repository = repository_for(source.parent, self.scripts).root if source is not None else None
            document, templates, read = load_terraform(data, display, source, repository)
            self.reads[display] = [str(path) for path in read]
            return document, [templates]
        document = self.load(data, display)
        templates = find_templates(document) if document.root is not None else []
        passes = [templates]
        if len(self.parameter_files) > 1 and any(template.arm_template is not None for template in templates):
            passes += [find_templates(document) for _ in self.parameter_files[1:]]
        for index, each in enumerate(passes):
            self._bind_parameters(document, each, display, self.parameter_files[index : index + 1])
        return document, passes

    def load(self, data: bytes, display: str) -> Document:
        """The file read by its language's front end, inside this run's settings (a
        Bicep template reads the files it loads relative to itself, in the repository)."""
        with active(self.scripts):
            return load_bytes(data, display)

    def _bind_parameters(self, document: Document, templates: list[ImageTemplate], display: str,
                         files: Sequence[ParameterFile]) -> None:
        """Parameters files for expression evaluation: ``files`` (from ``--parameters``), or the paired file."""
        if not any(template.arm_template is not None for template in templates):
            return  # nothing to evaluate (bind would return here): the path is not even made
        from aiblint.arm.provenance import bind

        source = self.cwd / display if not display.startswith("<") else None
        bind(document, templates, files, source, display)

    def _collect(self, findings: list[Finding], rule: Rule, document: Document, problems: Iterable[Problem],
                 templates: Sequence[ImageTemplate]) -> None:
        """:meth:`_run` into ``findings`` (once per rule and template: no generator, no extend)."""
        for problem in problems:
            finding = self.finding(rule, problem.document or document, problem, templates)
            if finding is not None:
                findings.append(finding)

    def _run(
        self, rule: Rule, document: Document, problems: Iterable[Problem], templates: Sequence[ImageTemplate] = ()
    ) -> Iterable[Finding]:
        for problem in problems:
            finding = self.finding(rule, problem.document or document, problem, templates)
            if finding is not None:
                yield finding

    def finding(
        self, rule: Rule, document: Document, problem: Problem, templates: Sequence[ImageTemplate] = ()
    ) -> Finding | None:
        """``templates``: the image templates the rule looked at, whose resolved
        values tell where a value came from (see :func:`_provenance`)."""
        rule_id = problem.rule or rule.id
        if not self._selected(rule_id):
            return None
        message = problem.message
        node = problem.node
        related = [self._related(item.document or document, item.node, redact_message(item.message))
                   for item in problem.related] if problem.related else []
        if templates and node is not None:
            document, message, flows = _provenance(problem, document, templates, message)
            related += [self._related(templates[0].document, field, "the template field this value flows into") for field in flows]
        if len(message) > MAX_MESSAGE:  # it quotes a huge value from the file
            message = message[: MAX_MESSAGE - 1] + "…"
        secret = "secret" in rule.tags
        if not secret:  # a rule quoting a value may quote a URI with a password, or a token
            message = redact_message(message)
        severity = self._severity(rule_id) or problem.severity or rule.severity
        logical_path = node.logical_path() if node is not None else ""
        if problem.start is not None:
            start = problem.start
            end = problem.end if problem.end is not None else start
        elif node is not None:
            target = (member_key(node) if problem.at_key else None) or node
            start, end = target.start, target.end
            # A front end's key may be written in another file than its value (a Terraform
            # module's local, its value given by the module's caller): the span is the key's.
            document = getattr(target, "document", None) or document
        else:
            start = end = 0
        line, column, end_line, end_column = document.coordinates(start, end)
        path = document.path
        # Never the plain hash of text that holds a secret: a short password is found again from it.
        if secret:
            self._secret_at(path, line, column, end_line, end_column)
            offending = _keyed(self.fingerprint_key, document.text[start:end]) if self.fingerprint_key else problem.message
        elif self.secret_places and self._covers(path, (line, column), (end_line, end_column)):
            offending = _COVERS_A_SECRET + message
        else:
            offending = document.text[start:end]
        return Finding(
            path, line, column, end_line, end_column, rule_id, severity, message, logical_path,
            _fingerprint(rule_id, path, logical_path, offending),
            tuple(related),
            None,
            # a fix is an edit of JSON text: in another language's file it could break the source
            problem.fix if document.language == "json" else None,
        )

    def _selected(self, rule_id: str) -> bool:
        """``self.selection.enabled(rule_id)``, worked out once per rule id and selection."""
        if self._enabled_by is not self.selection:
            self._enabled, self._enabled_by = {}, self.selection
        known = self._enabled.get(rule_id)
        if known is None:
            known = self._enabled[rule_id] = self.selection.enabled(rule_id)
        return known

    @staticmethod
    def _related(document: Document, node: JsonNode, message: str) -> RelatedLocation:
        span = document.node_span(node)
        return RelatedLocation(document.path, span.start.line, span.start.column, span.end.line, span.end.column, message)

    def _severity(self, rule_id: str) -> Severity | None:
        """The configured severity of ``rule_id`` (its longest prefix in ``severity``),
        worked out once per rule id and severity table."""
        table = self.config.severity
        if not table:
            return None
        if self._severities is None or self._severities.table is not table:
            self._severities = PrefixTable(table)
        return self._severities.get(rule_id)


def _new_units(templates: Sequence[ImageTemplate], seen: set[tuple[object, ...]]) -> list[ScriptUnit]:
    """The script units of ``templates`` not in ``seen`` (found by an earlier pass
    over the same file, with another parameters file), added to it."""
    from aiblint.scripts.units import script_units

    units = [unit for template in templates for unit in script_units(template) if unit.identity() not in seen]
    seen.update(unit.identity() for unit in units)
    return units


def _provenance(
    problem: Problem, document: Document, templates: Sequence[ImageTemplate], message: str
) -> tuple[Document, str, list[JsonNode]]:
    """A problem at a value's origin (a parameter default, a parameters file):
    the file it is in, the message naming the template fields it flows into,
    and those fields."""
    describe_flow, flows_into, owner_document = _provenance_functions()
    assert problem.node is not None
    flows: list[JsonNode] = []
    template = templates[0]
    for candidate in templates:
        flows = flows_into(problem.node, candidate)
        if flows:
            template = candidate
            break
    if problem.document is None:
        document = owner_document(problem.node, template) or document
    if flows:
        message += describe_flow(flows, template.document, document)
    return document, message, flows


@cache
def _provenance_functions() -> tuple[
    Callable[[Sequence[JsonNode], Document, Document], str],
    Callable[[JsonNode, ImageTemplate], list[JsonNode]],
    Callable[[JsonNode, ImageTemplate], Document | None],
]:
    """:mod:`aiblint.arm.provenance`'s functions, imported when first needed (a
    run may lint no ARM template), then without an import statement per finding."""
    from aiblint.arm.provenance import describe_flow, flows_into, owner_document

    return describe_flow, flows_into, owner_document


def _fingerprint(rule_id: str, path: str, logical_path: str, text: str) -> str:
    return sha256_hex("\0".join((rule_id, path, logical_path, text)).encode("utf-8", "surrogatepass"))[:32]


def _keyed(key: str, secret: str) -> str:
    """A secret as the baseline knows it: a keyed hash (HMAC-SHA-256) under the
    repository's key, so that another token of the same kind and length is new."""
    import hashlib  # a secret under a baseline key only: most runs import neither
    import hmac

    return "keyed:" + hmac.new(bytes.fromhex(key), secret.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


#: What a finding whose span holds a secret is fingerprinted from, before its (masked) message.
_COVERS_A_SECRET = "covers a secret\0"


def _covering_fingerprint(finding: Finding) -> str:
    """A finding whose span holds a secret: from its (masked) message, never its text."""
    return _fingerprint(finding.rule, finding.path, finding.logical_path, _COVERS_A_SECRET + finding.message)


def _overrides(rule: Rule, method: str) -> bool:
    return getattr(type(rule), method) is not getattr(Rule, method)
