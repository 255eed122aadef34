"""The contract between the engine and a rule plugin.

A rule is a class with declarative metadata and one or more ``check_*``
methods that yield :class:`Problem` objects: "this node, this message". Rules
never parse files, print, read configuration or compute line numbers; the
engine does all of that. Third-party rule packages subclass :class:`Rule` and
register it under the ``aiblint.rules`` entry-point group, as the built-in
rules do.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, ClassVar, Final

from aiblint.constants import RULE_DOCS_URL
from aiblint.findings import Edit, Fix, Severity
from aiblint.problem import Problem, Related
from aiblint.record import MutableRecord, Record

if TYPE_CHECKING:
    from aiblint.document import Document
    from aiblint.model import ImageTemplate
    from aiblint.scripts.units import ScriptUnit

__all__ = ["Claim", "Edit", "Example", "FileContext", "Fix", "Problem", "Related", "Rule", "RunNote"]


class Claim(Record):
    """A template's claim on something only one template may have (a staging
    resource group): ``key`` names it, ``owner`` the template (its name; claims of
    one owner never clash). If another owner claims ``key`` too, in any file of the
    run, the engine reports ``problem``, naming the other places as related
    locations that ``related`` describes (see :mod:`aiblint.claims`)."""

    __slots__ = ("key", "owner", "problem", "related")
    key: Final[str]
    owner: Final[str]
    problem: Final[Problem]
    related: Final[str]

    def __init__(self, key: str, owner: str, problem: Problem, related: str) -> None:
        self.key = key
        self.owner = owner
        self.problem = problem
        self.related = related


class RunNote(Record):
    """A remark about the whole run, not about a place (``shellcheck`` is
    missing, ``pwsh`` is not installed): one line in ``Report.notes``."""

    __slots__ = ("message",)
    message: Final[str]

    def __init__(self, message: str) -> None:
        self.message = message


class Example(Record):
    """A file text and the (line, column) of every finding this rule must
    report in it, in order. ``expect=()`` makes it a passing example."""

    __slots__ = ("text", "expect", "title", "filename", "explicit", "files")  # noqa: RUF023 - in field order
    text: Final[str]
    expect: Final[tuple[tuple[int, int], ...]]
    title: Final[str]
    filename: Final[str]
    explicit: Final[bool]  # as if named on the command line
    files: Final[tuple[tuple[str, str], ...]]  # (path, text) of files beside it, e.g. a script it references;

    def __init__(
        self,
        text: str,
        expect: tuple[tuple[int, int], ...] = (),
        title: str = "",
        filename: str = "template.json",
        explicit: bool = True,
        files: tuple[tuple[str, str], ...] = (),
    ) -> None:
        self.text = text
        self.expect = expect
        self.title = title
        self.filename = filename
        self.explicit = explicit
        self.files = files
    # where expect=(...) points into one of them, ``title`` should say so


class FileContext(MutableRecord):
    """What a file-level rule may look at."""

    __slots__ = ("document", "templates", "explicit", "options")  # noqa: RUF023 - in field order
    document: Document
    templates: list[ImageTemplate]
    explicit: bool
    options: Mapping[str, object]

    def __init__(
        self,
        document: Document,
        templates: list[ImageTemplate],
        explicit: bool,
        options: Mapping[str, object] | None = None,
    ) -> None:
        self.document = document
        self.templates = templates
        self.explicit = explicit
        self.options = {} if options is None else options


class Rule:
    """Base class for rules. Subclasses set the metadata and override the
    ``check_*`` methods they need; the others cost nothing."""

    id: ClassVar[str]
    name: ClassVar[str]  # kebab-case, e.g. "duplicate-customizer-name"
    severity: ClassVar[Severity]
    #: When a finding's severity differs from ``severity``, in words ("warning before api
    #: version 2024-02-01"): ``aiblint rules`` shows it, since users choose ``--fail-on`` from it.
    severity_note: ClassVar[str] = ""
    summary: ClassVar[str]  # one line, no final period
    description: ClassVar[str] = ""  # Markdown: why, how to fix, the source of the fact
    tags: ClassVar[tuple[str, ...]] = ()
    security_severity: ClassVar[float | None] = None  # 0.0-10.0, for code scanning
    examples: ClassVar[tuple[Example, ...]] = ()

    def __init__(self, options: Mapping[str, object] | None = None) -> None:
        self.options: Mapping[str, object] = options or {}

    @classmethod
    def help_uri(cls) -> str:
        return RULE_DOCS_URL.format(rule=cls.id)

    def check_file(self, context: FileContext) -> Iterable[Problem]:
        """Called once per file, parsed or not."""
        return ()

    def check_template(self, template: ImageTemplate) -> Iterable[Problem]:
        """Called once per image template found in a parsed file."""
        return ()

    def check_claims(self, template: ImageTemplate) -> Iterable[Claim]:
        """Called once per image template; what it claims is compared with the
        claims of every other template of the run (:class:`Claim`)."""
        return ()

    def check_script(self, unit: ScriptUnit) -> Iterable[Problem]:
        """Called once per script unit (the inline commands of a Shell or
        PowerShell step, or the file its scriptUri resolves to); report with
        ``unit.problem(...)``."""
        return ()

    def check_scripts(self, units: Sequence[ScriptUnit]) -> Iterable[Problem | RunNote]:
        """Called once per run with every script unit of every file, for
        analyzers that run in batches (one ShellCheck process for all). Each
        problem must carry its ``document`` (``unit.problem`` sets it)."""
        return ()

    def start_scripts(self, units: Sequence[ScriptUnit], complete: bool = True) -> None:
        """Optional, for a batch analyzer: :meth:`check_scripts` will get ``units``, after those
        given here since it last ran; work started here (a process) runs meanwhile. ``complete``:
        a file linted on its own, before its other rules run (no more will come); else a chunk's
        file, once linted (the rule may wait for more). What :meth:`check_scripts` reports must
        not depend on it."""
