"""Which operating system an image template builds: Linux, Windows or unknown.

Several rules depend on it (a ``Shell`` customizer cannot run on Windows, a
``File`` destination on Linux must be under ``/tmp``, a Windows build needs a
longer timeout...). The answer comes, in this order, from:

1. the source: a PlatformImage's publisher, offer or sku (``aiblint/data/os-images.json``);
   an ISO source is RHEL, so Linux; a ManagedImage or gallery image id says nothing;
2. the customizers and in-VM validators themselves: ``Shell`` runs only on
   Linux, ``PowerShell``, ``WindowsRestart`` and ``WindowsUpdate`` only on
   Windows (the family most of them need wins; a tie is unknown);
3. ``File`` destinations, when no customizer type decides: ``C:\\...`` or ``/tmp/...``.

Values that are not known statically (ARM expressions, placeholders) give no
evidence. Unknown means ``None``, and rules make no OS-dependent claim then.
"""

from __future__ import annotations

from typing import Final, Literal

from aiblint.datafiles import load_json
from aiblint.jsontree import JsonNode, JsonObject
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.record import Record

OsFamily = Literal["linux", "windows"]

#: The OS each customizer (and validator) type runs on; ``File`` runs on both.
#: Source: the image template reference (``image-builder-json.md``), customize section.
CUSTOMIZER_OS: Final[dict[str, OsFamily]] = {
    "shell": "linux",
    "powershell": "windows",
    "windowsrestart": "windows",
    "windowsupdate": "windows",
}

_FAMILIES: Final[tuple[OsFamily, OsFamily]] = ("linux", "windows")
_WINDOWS_PATH: Final = lazy(r"[A-Za-z]:[\\/]")


class OsEvidence(Record):
    """An inferred OS, why, and where that is written (for messages)."""

    __slots__ = ("os", "reason", "node", "from_source")  # noqa: RUF023 - in field order
    os: Final[OsFamily]
    reason: Final[str]  # e.g. "the source image MicrosoftWindowsServer:WindowsServer:2019-Datacenter"
    node: Final[JsonNode]
    from_source: Final[bool]

    def __init__(self, os: OsFamily, reason: str, node: JsonNode, from_source: bool) -> None:
        self.os = os
        self.reason = reason
        self.node = node
        self.from_source = from_source


def infer_os(template: ImageTemplate) -> OsFamily | None:
    """``"linux"``, ``"windows"``, or ``None`` when nothing known decides."""
    evidence = os_evidence(template)
    return evidence.os if evidence is not None else None


def os_evidence(template: ImageTemplate) -> OsEvidence | None:
    """The source's OS if it is known, else what the customizers need. Worked out once per
    template and evaluation context (six rules ask, some twice): see ``ImageTemplate.remembered``."""
    return template.remembered("osinfo.os_evidence", lambda: source_os(template) or steps_os(template))


def source_os(template: ImageTemplate) -> OsEvidence | None:
    """The OS of the source image, when its fields say so (once per template and context)."""
    return template.remembered("osinfo.source_os", lambda: _source_os(template))


def _source_os(template: ImageTemplate) -> OsEvidence | None:
    source = template.source
    if source is None:
        return None
    kind_node = template.member(source, "type")
    kind = template.resolve(kind_node).text() if kind_node is not None else None
    if kind is None:
        return None
    if kind.casefold() == "iso":
        return OsEvidence("linux", "the ISO source (Image Builder ISO sources are RHEL)", kind_node or source, True)
    if kind.casefold() != "platformimage":
        return None  # ManagedImage, SharedImageVersion: an id tells nothing about the OS
    return _platform_image_os(template, source)


def customizer_os(template: ImageTemplate, step: JsonObject) -> OsFamily | None:
    """The OS a customizer or validator can run on, ``None`` for both or unknown."""
    node = template.member(step, "type")
    kind = template.resolve(node).text() if node is not None else None
    return CUSTOMIZER_OS.get(kind.casefold()) if kind else None


def steps_os(template: ImageTemplate) -> OsEvidence | None:
    """What the customizers and validators need, when one family outnumbers the other."""
    steps = template.customizers + template.validators
    needs: dict[OsFamily, list[JsonObject]] = {"linux": [], "windows": []}
    for step in steps:
        family = customizer_os(template, step)
        if family is not None:
            needs[family].append(step)
    linux, windows = len(needs["linux"]), len(needs["windows"])
    if linux != windows:
        majority: OsFamily = "linux" if linux > windows else "windows"
        first = needs[majority][0]
        return OsEvidence(majority, f"the {_known(template, first, 'type')} customizer", first, False)
    if linux:
        return None  # as many of each: nothing says which is wrong
    return _destination_os(template, steps)


def _platform_image_os(template: ImageTemplate, source: JsonObject) -> OsEvidence | None:
    table = load_json("os-images.json")
    fields = {name: _known(template, source, name) for name in ("publisher", "offer", "sku")}
    where = template.member(source, "offer") or template.member(source, "publisher") or source
    label = ":".join(value or "?" for value in fields.values())
    publisher = fields["publisher"]
    if publisher is not None:
        for family in _FAMILIES:
            if publisher.casefold() in {name.casefold() for name in table["publishers"][family]}:
                return OsEvidence(family, f"the source image {label}", where, True)
    keywords = table["offer_keywords"]
    for value in (fields["offer"], fields["sku"]):
        if value is None:
            continue
        for family in reversed(_FAMILIES):  # Windows words first, as the data file says
            if any(word in value.casefold() for word in keywords[family]):
                return OsEvidence(family, f"the source image {label}", where, True)
    return None


def _destination_os(template: ImageTemplate, steps: list[JsonObject]) -> OsEvidence | None:
    for step in steps:
        destination = _known(template, step, "destination")
        if destination is None:
            continue
        if _WINDOWS_PATH().match(destination):
            return OsEvidence("windows", f"the File destination {destination}", step, False)
        if destination.startswith("/"):
            return OsEvidence("linux", f"the File destination {destination}", step, False)
    return None


def _known(template: ImageTemplate, holder: JsonObject, name: str) -> str | None:
    node = template.member(holder, name)
    return template.resolve(node).text() if node is not None else None
