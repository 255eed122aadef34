"""AIB217: the source image is past its end of support, or a preview."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from functools import lru_cache

from aiblint.datafiles import load_json, matches
from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule


class EndOfLifeSourceImage(Rule):
    id = "AIB217"
    name = "end-of-life-source-image"
    severity = Severity.WARNING
    summary = "Source image is past its end of support, or a preview"
    description = """\
**What.** A PlatformImage source whose operating system release no longer gets security
updates from its vendor, or a preview image: Ubuntu 16.04 and 18.04 LTS (the whole
`UbuntuServer` offer) and 20.04 LTS, CentOS, RHEL 6 and 7, Windows Server 2008 R2 and
2012 (R2), retired Windows 10 and Windows 11 releases (`rs5-*`, `19h2-*`, `20h2-*`,
`win10-21h2-*`, `win11-22h2-*`...), Windows 7 and the `windows11preview` offer.

**Why.** Every VM made from the image inherits an operating system that is no longer
patched; most of these images are also withdrawn from the Marketplace over time, and then
the build fails because the source is gone. Each entry of the table,
`aiblint/data/eol-images.json` (as of 2026-11-26), carries its date and its source: the
Microsoft Lifecycle pages for Windows (Enterprise and Education dates unless the sku is a
Pro edition; LTSC skus are not listed), Canonical's release cycle for Ubuntu, Red Hat's
life cycle policy for RHEL and Microsoft's CentOS end-of-life guidance. Where paid
extended support exists (Ubuntu Pro, RHEL ELS, Windows ESU) the message says so.

Only sources whose publisher, offer and sku are all known are checked.

**Fix.** Build from a supported release of the same OS (the message suggests one), and
update the template when the vendor's dates come. Where you knowingly pay for extended
support, ignore this rule for that template.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer",
               "sku": "18.04-LTS", "version": "latest"}
  }
}
""",
            ((5, 23),),
            "Ubuntu 18.04 LTS",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsDesktop", "offer": "windows11preview",
               "sku": "win11-21h2-avd", "version": "latest"}
  }
}
""",
            ((4, 90),),
            "a preview offer",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsDesktop", "offer": "office-365",
               "sku": "20h2-evd-o365pp", "version": "latest"}
  }
}
""",
            ((5, 23),),
            "a retired Windows 10 release",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts",
               "sku": "server", "version": "latest"}
  }
}
""",
            (),
            "a supported release",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer",
               "sku": "[parameters('ubuntuSku')]", "version": "latest"}
  }
}
""",
            (),
            "the sku is not known statically",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "MicrosoftWindowsDesktop", "offer": "Windows-10",
               "sku": "win10-21h2-ent-ltsc", "version": "latest"}
  }
}
""",
            (),
            "a long-term servicing (LTSC) sku",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        source = template.source
        if source is None or (_text(template, source, "type") or "").casefold() != "platformimage":
            return
        names = {field: _text(template, source, field) for field in ("publisher", "offer", "sku")}
        publisher, offer, sku = names["publisher"], names["offer"], names["sku"]
        if publisher is None or offer is None or sku is None:
            return
        entry = _entry(publisher, offer, sku)
        if entry is None:
            return
        at = "sku" if entry["sku"] != "*" else "offer"
        node = source.get(at)
        assert node is not None
        resolved = template.resolve(node)
        yield Problem(_message(f"{publisher}:{offer}:{sku}", entry), node=resolved.node, document=resolved.document)


def _message(image: str, entry: Mapping[str, str]) -> str:
    fix = f"; build from {entry['fix']}" if "fix" in entry else ""
    if entry["status"] == "preview":
        return f"source image {image} is {entry['product']}, not supported for production use{fix}"
    note = f" ({entry['note']})" if "note" in entry else ""
    return (
        f"source image {image} is {entry['product']}, which reached its end of support on {entry['date']}{note}: "
        f"images built from it get no security updates{fix}"
    )


@lru_cache(maxsize=256)  # the answer depends on the three names alone (the table is read once per process)
def _entry(publisher: str, offer: str, sku: str) -> Mapping[str, str] | None:
    """The first table entry the image matches."""
    image = {"publisher": publisher.casefold(), "offer": offer.casefold(), "sku": sku.casefold()}
    for entry in load_json("eol-images.json")["images"]:
        if all(matches(image[field], entry[field].casefold()) for field in image) and not any(
            matches(image["sku"], pattern.casefold()) for pattern in entry.get("unless_sku", ())
        ):
            return entry  # type: ignore[no-any-return]
    return None


def _text(template: ImageTemplate, holder: JsonObject, name: str) -> str | None:
    node: JsonNode | None = template.member(holder, name)
    return template.resolve(node).text() if node is not None else None
