"""AIB220: ``WindowsUpdate`` filters that skip updates their author meant to install.

The WindowsUpdate customizer is the community ``packer-plugin-windows-update``
(aib-runtime.md §3). It reads ``filters`` as an ordered list of
``ACTION:EXPRESSION`` strings: for each update, the first filter whose
PowerShell expression is true decides (``include`` installs it, ``exclude``
skips it), and an update that no filter matches is **not** installed. The
plugin splits each filter at its first ``:`` and installs only when the action
equals ``include`` (without case); anything else acts as an ``exclude``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.record import Record
from aiblint.rule import Example, Problem, Rule
from aiblint.values import Resolved, resolve_literal

from .steps import customizers

#: Expressions that are true for every update: a final ``include`` with one of
#: these installs whatever no earlier filter decided.
_ALWAYS_TRUE: Final = lazy(r"\(?\s*(?:\$true|1|-not\s+\$false|!\s*\$false)\s*\)?", re.IGNORECASE)
_CATCH_ALL: Final = "include:$true"


class Filter(Record):
    """One ``filters`` entry as the plugin reads it."""

    __slots__ = ("resolved", "text")
    resolved: Final[Resolved]
    text: Final[str]

    def __init__(self, resolved: Resolved, text: str) -> None:
        self.resolved = resolved
        self.text = text

    @property
    def action(self) -> str | None:
        """``include``, ``exclude``, or ``None`` for anything else (no ``:``, a typo)."""
        action, colon, _ = self.text.partition(":")
        folded = action.casefold()
        return folded if colon and folded in ("include", "exclude") else None

    @property
    def catches_all(self) -> bool:
        _, _, expression = self.text.partition(":")
        return self.action == "include" and _ALWAYS_TRUE().fullmatch(expression.strip()) is not None


def _template(*filters: str) -> str:
    listed = ", ".join(f'"{item}"' for item in filters)
    return (
        '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {\n    "customize": [\n'
        f'      {{"type": "WindowsUpdate", "searchCriteria": "IsInstalled=0", "filters": [{listed}]}}\n'
        "    ]\n  }\n}\n"
    )


class WindowsUpdateFilters(Rule):
    id = "AIB220"
    name = "windows-update-filters"
    severity = Severity.WARNING
    summary = "WindowsUpdate filters that skip updates: no final include:$true, a filter that never applies, or a filter without include:/exclude:"
    description = """\
The `WindowsUpdate` customizer is built on the community `packer-plugin-windows-update`
(aib-runtime.md §3, plugin identity confidence **H**). Its `filters` are an ordered list of
`include:<expression>` / `exclude:<expression>` strings over each update (`$_`). The first
filter whose expression is true decides, and **an update that no filter matches is not
installed** (the plugin's README: "If no `ACTION` evaluates to `$true` the update will
**NOT** be installed"; its script splits each filter at the first `:` and installs only when
the action is `include`). So:

- a list of only `exclude:` filters (`["exclude:$_.Title -like '*Preview*'"]`) installs
  **nothing**; a list that ends in `exclude:` after some `include:` filters installs only what
  those includes match, and the final excludes do nothing. The documented pattern ends with
  the catch-all `include:$true`;
- a filter after `include:$true` is never evaluated (the catch-all already installed every
  update it would have excluded);
- a filter without an `include:` or `exclude:` prefix (`"$_.BrowseOnly"`, copied from the
  plugin's table of presets) or with a misspelt action never installs anything.

The build succeeds in every case: the image is simply missing the updates. Lists of only
`include:` filters without a catch-all are a deliberate allow-list and are not reported. Values
that are not known statically (ARM expressions) are not judged.

Sources: the image template reference (`image-builder-json.md`, Windows update customizer);
`rgl/packer-plugin-windows-update` README ("Search Criteria, Filters and Update Limit") and
`update/windows-update.ps1` (`Test-IncludeUpdate`); aib-runtime.md §3 (filter semantics from the
plugin source; the docs' defaults for the customizer disagree, confidence **M**, which does not
change how a written filter list is read).

**Fix:** end the list with `"include:$true"`, put the excludes before it, and prefix every
filter with `include:` or `exclude:`.
"""
    examples = (
        Example(_template("exclude:$_.Title -like '*Preview*'"), ((5, 80),), "only exclude filters: nothing is installed"),
        Example(
            _template("include:$_.Title -like '*Cumulative*'", "exclude:$_.Title -like '*Preview*'"),
            ((5, 121),),
            "a final exclude does nothing: only the cumulative updates are installed",
        ),
        Example(_template("$_.BrowseOnly"), ((5, 80),), "no action prefix"),
        Example(_template("include:$true", "exclude:$_.Title -like '*Preview*'"), ((5, 97),), "a filter after the catch-all"),
        Example(_template("exclude:$_.Title -like '*Preview*'", "include:$true"), (), "the documented pattern"),
        Example(
            _template("include:$_.Title -like '*Security*'", "Include: $_.Title -like '*Defender*'"),
            (),
            "an allow-list of includes (the action is matched without case)",
        ),
        Example(
            '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
            '  "parameters": {"updateFilters": {"type": "array", "defaultValue": ["exclude:$_.Title -like \'*Preview*\'"]}},\n'
            '  "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01", "name": "t",\n'
            '    "properties": {"customize": [{"type": "WindowsUpdate", "filters": "[parameters(\'updateFilters\')]"}]}}]\n}\n',
            ((3, 70),),
            "a list from a parameter default is reported where it is written",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        for step in customizers(template):
            if step.kind != "windowsupdate":
                continue
            node = step.field("filters")
            filters = _filters(template, node) if node is not None else None
            if filters:
                yield from _check(filters)


def _filters(template: ImageTemplate, node: JsonNode) -> list[Filter | None] | None:
    """The entries (``None`` where not known), or ``None`` when the list itself is not known."""
    if isinstance(node, JsonArray):
        values = [template.resolve(item) for item in node.items]
    else:
        resolved = template.resolve(node)
        if not (resolved.known and isinstance(resolved.node, JsonArray)):
            return None
        values = [resolve_literal(item, resolved.document) for item in resolved.node.items]
    return [Filter(value, value.value) if isinstance(value.value, str) else None for value in values]


def _check(filters: list[Filter | None]) -> Iterator[Problem]:
    for entry in filters:
        if entry is not None and entry.action is None:
            yield _problem(
                entry,
                f'filter "{entry.text}" does not start with include: or exclude:, so it never installs an update '
                "(the plugin splits each filter at its first ':' and installs only on include); "
                f'write "include:{entry.text}" or "exclude:{entry.text}"',
            )
    if None in filters:
        return  # an entry not known statically could be the catch-all
    catch_all = next((index for index, entry in enumerate(filters) if entry is not None and entry.catches_all), None)
    if catch_all is not None:
        for entry in filters[catch_all + 1 :]:
            if entry is not None and entry.action is not None:
                yield _problem(
                    entry,
                    f'filter "{entry.text}" is never evaluated: the include:$true before it already installs every '
                    "update that reaches it; move it before the catch-all",
                )
        return
    yield from _no_catch_all(filters)


def _no_catch_all(filters: list[Filter | None]) -> Iterator[Problem]:
    last = filters[-1]
    if last is None or last.action != "exclude":
        return  # an allow-list of includes, or not known
    if all(entry is not None and entry.action != "include" for entry in filters):
        outcome = "no update is installed at all"
    else:
        outcome = "only the updates an include: filter matches are installed, and the excludes at the end do nothing"
    yield _problem(
        last,
        f"the filters end with an exclude: and no include:$true, and an update no filter matches is skipped: "
        f'{outcome}; add "{_CATCH_ALL}" as the last filter',
    )


def _problem(entry: Filter, message: str) -> Problem:
    return Problem(message, node=entry.resolved.node, document=entry.resolved.document)
