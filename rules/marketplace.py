"""AIB242, AIB243: Marketplace sources that need more than their name: a
purchase plan (``planInfo``), or care to keep the build's connection open.

Both read ``aiblint/data/marketplace-images.json``: dated entries, each with its source.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, Final

from aiblint.datafiles import load_json, matches
from aiblint.document import Document
from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject
from aiblint.model import ImageTemplate
from aiblint.osinfo import infer_os
from aiblint.record import Record
from aiblint.rule import Example, Problem, Rule

_SOURCES = """\
Sources (each entry of `aiblint/data/marketplace-images.json` names its own): the Image
Builder template reference (`image-builder-json.md`, "Support for Market Place Plan
Information"); the Image Builder troubleshooting guide (`image-builder-troubleshoot.md`,
Prerequisites, the note on CIS Hardened Images, and "Build is canceled after context
cancellation"); Microsoft's "Overview of Red Hat Enterprise Linux images" ("BYOS images are
based on private plans"); Azure/azvmimagebuilder#48 and MicrosoftDocs/azure-docs#99954."""


def _platform(publisher: str, offer: str, sku: str, extra: str = "") -> str:
    return f"""{{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {{
    "source": {{"type": "PlatformImage", "publisher": "{publisher}", "offer": "{offer}",
               "sku": "{sku}", "version": "latest"{extra}}}
  }}
}}
"""


class _Source(Record):
    """A PlatformImage source whose publisher, offer and sku are known."""

    __slots__ = ("node", "publisher", "offer", "sku")  # noqa: RUF023 - in field order
    node: Final[JsonObject]
    publisher: Final[str]
    offer: Final[str]
    sku: Final[str]

    def __init__(self, node: JsonObject, publisher: str, offer: str, sku: str) -> None:
        self.node = node
        self.publisher = publisher
        self.offer = offer
        self.sku = sku

    @property
    def urn(self) -> str:
        return f"{self.publisher}:{self.offer}:{self.sku}"


def _platform_source(template: ImageTemplate) -> _Source | None:
    source = template.source
    if source is None:
        return None
    texts = {}
    for field in ("type", "publisher", "offer", "sku"):
        node = template.member(source, field)
        texts[field] = template.resolve(node).text() if node is not None else None
    if (texts["type"] or "").casefold() != "platformimage":
        return None
    publisher, offer, sku = texts["publisher"], texts["offer"], texts["sku"]
    if not (publisher and offer and sku):
        return None
    return _Source(source, publisher, offer, sku)


def _entries(source: _Source, flag: str) -> list[Mapping[str, Any]]:
    """The table entries the image matches that have ``flag``."""
    image = {"publisher": source.publisher.casefold(), "offer": source.offer.casefold(), "sku": source.sku.casefold()}
    return [
        entry for entry in load_json("marketplace-images.json")["images"]
        if entry.get(flag) and all(matches(image[field], entry[field].casefold()) for field in image)
    ]


def _at(template: ImageTemplate, source: _Source, field: str) -> tuple[JsonNode, Document]:
    node = template.member(source.node, field)
    assert node is not None  # its value was read above
    resolved = template.resolve(node)
    return resolved.node, resolved.document


class PlanInfoMissing(Rule):
    id = "AIB242"
    name = "marketplace-plan-missing"
    severity = Severity.ERROR
    severity_note = "warning where the table infers the plan from a paid third-party listing"
    summary = "A Marketplace source image sold under a purchase plan, without source.planInfo"
    description = f"""\
**What.** A `PlatformImage` source whose image is sold under an Azure Marketplace purchase
plan, with no `planInfo` in the source: Red Hat's bring-your-own-subscription images
(`RedHat`/`rhel-byos`), the CIS Hardened Images (publisher
`center-for-internet-security-inc`), and the other images the table lists.

**Why.** The build VM is created from the image, and Azure creates a VM from a plan image only
when the request names the plan. Image Builder takes it from `source.planInfo` (api version
2020-02-14 and later); without it the build fails at once with `PurchasePlanNotProvided`
("Update the Azure Image Builder Template to include Plan Information details for the
source platform image"). Error where a source states that the image needs a plan (RHEL
BYOS); warning where the table infers it from the listing being a paid third-party offer
(CIS). Only sources whose publisher, offer and sku are all known are checked; a template
with any `planInfo` (even one aiblint cannot read) is left alone.

{_SOURCES}

**Fix:** add `"planInfo": {{"planName": ..., "planProduct": ..., "planPublisher": ...}}` to the
source: `az vm image show --urn <publisher>:<offer>:<sku>:latest --query plan` prints the three
values (the product is the offer; the name is usually the sku). Accept the image's terms once
per subscription (`az vm image terms accept --urn ...`).
"""
    examples = (
        Example(_platform("RedHat", "rhel-byos", "rhel-lvm87"), ((4, 73),), "RHEL BYOS without planInfo"),
        Example(_platform("center-for-internet-security-inc", "cis-ubuntu-linux-2204-l1", "cis-ubuntu-linux-2204-l1-gen2"),
                ((4, 99),), "a CIS Hardened Image without planInfo (a warning)"),
        Example(_platform("RedHat", "rhel-byos", "rhel-lvm75", ',\n               "planInfo": {"planName": "rhel-lvm75", '
                          '"planProduct": "rhel-byos", "planPublisher": "redhat"}'), (), "the plan is given"),
        Example(_platform("RedHat", "RHEL", "9-lvm-gen2"), (), "a pay-as-you-go image needs no plan"),
        Example(_platform("RedHat", "[parameters('offer')]", "rhel-lvm87"), (), "the offer is not known"),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        source = _platform_source(template)
        if source is None or template.member(source.node, "planInfo") is not None:
            return
        for entry in _entries(source, "plan")[:1]:
            node, document = _at(template, source, "offer")
            how = ("sold under a Marketplace purchase plan" if entry["certain"]
                   else "a paid Marketplace offer, whose images carry a purchase plan")
            plan = (f'{{"planName": "{source.sku}", "planProduct": "{source.offer}", '
                    f'"planPublisher": "{entry["plan_publisher"]}"}}')
            yield Problem(
                f"source image {source.urn} is {entry['product']}, {how}: without source.planInfo the build "
                f"fails with PurchasePlanNotProvided; add \"planInfo\": {plan} (check the values with "
                "az vm image show ... --query plan) and accept the image's terms once",
                node=node, document=document, severity=None if entry["certain"] else Severity.WARNING,
            )


#: What each OS's build needs from the image, in words for the message.
_KEEP = {
    "linux": "SSH on port 22 with the build user's key login and password-less sudo, and an executable /tmp "
             "(Packer uploads each script there and runs chmod +x on it: a noexec /tmp stops every Shell step)",
    "windows": "WinRM over HTTPS on port 5986 with its listener, firewall rule and the build account's remote "
               "logon right",
}


class HardenedSourceImage(Rule):
    id = "AIB243"
    name = "hardened-source-image"
    severity = Severity.NOTE
    summary = "The source image is hardened (CIS and similar): keep the build's SSH or WinRM connection working"
    description = f"""\
**What.** A `PlatformImage` source that is a hardened image: the CIS Hardened Images (publisher
`center-for-internet-security-inc`) and the others the table marks `hardened`.

**Why.** Image Builder drives the build VM over SSH (Linux, port 22) or WinRM (Windows, port
5986) and runs each script after uploading it to the VM. The troubleshooting guide warns that
CIS Hardened Images "can cause build failures": on Windows they can break WinRM connectivity,
on Linux scripts fail on `chmod +x` (a `/tmp` mounted `noexec`, as the CIS benchmark
recommends, has that effect); users report level 1 images that turn SSH off
(Azure/azvmimagebuilder#48). When the connection drops the build ends with the guide's
"Build is canceled after context cancellation". This is advice, hence a note: the message
names what the customizers must keep (and not harden further until the last step).

{_SOURCES}

**Fix:** keep the settings the message names until the build ends (the hidden last step
also connects), or apply the hardening in the image's first boot instead; then build from the
hardened image in a test template first.
"""
    examples = (
        Example(_platform("center-for-internet-security-inc", "cis-windows-server-2022-l1", "cis-windows-server-2022-l1-gen2",
                          ',\n               "planInfo": {"planName": "cis-windows-server-2022-l1-gen2", '
                          '"planProduct": "cis-windows-server-2022-l1", "planPublisher": "center-for-internet-security-inc"}'),
                ((4, 54),), "a CIS Hardened Image"),
        Example(_platform("Canonical", "ubuntu-24_04-lts", "server"), (), "a stock image"),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        source = _platform_source(template)
        if source is None:
            return
        for entry in _entries(source, "hardened")[:1]:
            node, document = _at(template, source, "publisher")
            family = infer_os(template)
            keep = "; on Windows, ".join(_KEEP[name] for name in ("linux", "windows") if family in (None, name))
            if family is None:
                keep = "on Linux, " + keep
            yield Problem(
                f"source image {source.urn} is {entry['product']}, hardened in ways that can cut the build's "
                f"connection (the build then ends with 'context cancellation'): the customizers must keep {keep}",
                node=node, document=document,
            )
