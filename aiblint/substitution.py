"""Tokens a pipeline replaces before deploying: values aiblint cannot know.

Teams keep one template and let their tooling fill in what differs per
environment: Terraform ``templatefile()`` and ``envsubst`` (``${location}``,
``${var.gallery_image_id}``), GitHub Actions (``${{ vars.REGION }}``), Azure
Pipelines macros (``$(Build.BuildId)``), the Azure DevOps "Replace Tokens"
tasks (``#{location}#``, ``__location__``) and Jinja/Ansible/Go templates
(``{{ location }}``). Until the pipeline runs, such a value is as unknown as an
ARM expression, and rules must not judge it ("#{location}#" is not a bad
region). The ``<placeholder>`` of the documentation samples is
:data:`aiblint.values.PLACEHOLDER`, which AIB003 reports; these tokens are
silent, because the file is meant to hold them.

Script text is not read this way: in a shell or PowerShell command ``${x}``
and ``$(x)`` are the language's own syntax.
"""

from __future__ import annotations

from typing import Final

from aiblint import recache
from aiblint.values import UNKNOWN, Part, PartialString, Unknown

#: One pattern per token style; a name inside ``$( )`` has no blanks, so a
#: command substitution such as ``$(date +%s)`` is not taken for a macro.
TOKEN: Final = recache.compile(
    r"\$\{\{[^{}]*\}\}"  # GitHub Actions ${{ vars.X }}
    r"|\$\{[^{}\s][^{}]*\}"  # Terraform / envsubst ${x}, ${var.x}, ${join(",", x)}
    r"|\$\([A-Za-z_][A-Za-z0-9_.\-]*\)"  # Azure Pipelines $(Build.BuildId)
    r"|#\{[^{}#]+\}#"  # Replace Tokens #{x}#
    r"|\{\{[^{}]+\}\}"  # Jinja, Ansible, Go templates {{ x }}
    r"|(?<![A-Za-z0-9_])__[A-Za-z][A-Za-z0-9_.\-]*?__(?![A-Za-z0-9_])"  # Replace Tokens __x__
)


def has_token(text: str) -> bool:
    # Every token holds '$', '{' ("#{x}#" too) or "__": substring tests (no regex machinery,
    # which tries each alternative at each offset) settle most texts.
    return ("$" in text or "{" in text or "__" in text) and TOKEN.search(text) is not None


def without_tokens(value: str) -> str | PartialString | Unknown:
    """``value`` with each token an unknown piece (``value`` itself when it has none)."""
    if not has_token(value):
        return value
    pieces: list[Part] = []
    position = 0
    for match in TOKEN.finditer(value):
        pieces += [value[position : match.start()], UNKNOWN]
        position = match.end()
    if not pieces:
        return value
    pieces.append(value[position:])
    return PartialString.join(pieces)


def partial_without_tokens(partial: PartialString) -> PartialString | Unknown:
    """A partly known string whose known pieces may hold tokens too."""
    pieces: list[Part] = []
    for part in partial.parts:
        if isinstance(part, str):
            replaced = without_tokens(part)
            pieces += replaced.parts if isinstance(replaced, PartialString) else [replaced]
        else:
            pieces.append(part)
    joined = PartialString.join(pieces)
    return joined if not isinstance(joined, str) else partial
