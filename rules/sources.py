"""AIB207, AIB208, AIB219: the image a build starts from."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import unquote, urlsplit

from aiblint.findings import Severity
from aiblint.jsontree import JsonNode, JsonObject
from aiblint.lazyre import lazy
from aiblint.model import ImageTemplate
from aiblint.rule import Example, Problem, Rule

from .api_versions import is_before, known_api_version
from .spans import span_in


def _source_field(template: ImageTemplate, source: JsonObject, name: str) -> JsonNode | None:
    """A source field as the service reads it (in any case before 2024-02-01;
    AIB103 reports the spelling)."""
    return template.member(source, name)


def _source_kind(template: ImageTemplate) -> tuple[JsonObject, JsonNode, str] | None:
    """The source object, its type node and the type folded to lower case."""
    source = template.source
    type_node = _source_field(template, source, "type") if source is not None else None
    if source is None or type_node is None:
        return None
    kind = template.resolve(type_node).text()
    return (source, type_node, kind.casefold()) if kind else None


#: ``rhel-server-7.5-x86_64-dvd.iso``, ``rhel-8.4-x86_64-dvd.iso``, ``RHEL7.3.iso``
_RHEL_RELEASE = lazy(r"(?:rhel|redhat)[-_ ]?(?:server[-_ ]?)?(\d+)[._](\d+)", re.IGNORECASE)
_OTHER_SYSTEMS = lazy(r"ubuntu|debian|centos|fedora|rocky|alma|sles|suse|oracle|windows|win\d", re.IGNORECASE)
_SUPPORTED_RHEL = {(7, 3), (7, 4), (7, 5)}


def _iso_release_problem(url: str) -> str | None:
    """What is wrong with the release an ISO URL names, if it names one."""
    try:
        name = unquote(urlsplit(url).path.rsplit("/", 1)[-1])
    except ValueError:
        return None
    match = _RHEL_RELEASE().search(name)
    if match:
        release = (int(match.group(1)), int(match.group(2)))
        if release not in _SUPPORTED_RHEL:
            return f"names RHEL {release[0]}.{release[1]}, but only RHEL 7.3, 7.4 and 7.5 ISOs were ever supported"
        return None
    other = _OTHER_SYSTEMS().search(name)
    if other:
        return f'names "{name}", not a RHEL ISO: ISO sources were for RHEL 7.3 to 7.5 only'
    return None


class IsoSource(Rule):
    id = "AIB207"
    name = "iso-source"
    severity = Severity.ERROR
    summary = "ISO source: retired, not RHEL 7.3 to 7.5, or without sha256Checksum"
    description = """\
The early previews could build from a Red Hat ISO (`"type": "ISO"`, with `sourceURI` or
`sourceUri` and `sha256Checksum`). That source type was for RHEL 7.3 to 7.5 only, and it is
gone: the service stopped accepting templates with it after 31 March 2020 and stopped
building them after 30 April 2020, and no api version from 2020-02-14 on has it. A template that still uses an
ISO source cannot build.

The rule reports the `ISO` type itself, and also an ISO URL whose file name names another
release or system, and a missing `sha256Checksum` (required by every schema that has ISO).

Sources: the preview-era template reference (`image-builder-json.md`, api
2019-05-01-preview, "ISO source") and the service-update log of the original AIB sample
repo (danielsollondon/azvmimagebuilder README); the ARM schemas (aib-facts.md §4).

**Fix:** start from the Red Hat images in Azure Marketplace instead, for example
`{"type": "PlatformImage", "publisher": "RedHat", "offer": "RHEL", "sku": "8-lvm-gen2",
"version": "latest"}`, or from a gallery image you built.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-05-01-preview",
  "properties": {
    "source": {
      "type": "ISO",
      "sourceUri": "https://example.com/isos/rhel-8.2-x86_64-dvd.iso"
    }
  }
}
""",
            ((5, 5), (6, 15), (7, 20)),
            "retired, RHEL 8.2, no checksum",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-05-01-preview",
  "properties": {
    "source": {
      "type": "[parameters('sourceType')]",
      "sourceUri": "https://example.com/isos/rhel-server-7.5-x86_64-dvd.iso"
    }
  }
}
""",
            (),
            "source type not known statically",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "RedHat", "offer": "RHEL", "sku": "8-lvm-gen2", "version": "latest"}
  }
}
""",
            (),
            "the Marketplace RHEL image",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        found = _source_kind(template)
        if found is None or found[2] != "iso":
            return
        source, type_node, _ = found
        if _source_field(template, source, "sha256Checksum") is None:
            yield Problem(
                "ISO source has no sha256Checksum (every api version with ISO sources requires it)",
                node=source,
                at_key=True,
            )
        resolved = template.resolve(type_node)
        yield Problem(
            "ISO sources are retired: the service stopped accepting them on 31 March 2020 and building them on "
            "30 April 2020; start from a RedHat PlatformImage or a gallery image instead",
            node=resolved.node,
            document=resolved.document,
        )
        uri = _source_field(template, source, "sourceUri")
        url = template.resolve(uri) if uri is not None else None
        problem = _iso_release_problem(url.value) if url is not None and isinstance(url.value, str) else None
        if url is not None and problem:
            yield Problem(f"ISO sourceUri {problem}", node=url.node, document=url.document)


#: PlatformImage ``version: "latest"`` arrived with the March 2020 service update,
#: when 2019-05-01-preview was the current api version.
_PLATFORM_LATEST_SINCE = "2019-05-01-preview"
#: SharedImageVersion ``/versions/latest`` arrived with api 2022-07-01.
_GALLERY_LATEST_SINCE = "2022-07-01"
_LATEST_SEGMENT = lazy(r"/versions/(latest)/?\Z", re.IGNORECASE)


class LatestNotAllowed(Rule):
    id = "AIB208"
    name = "latest-not-allowed"
    severity = Severity.ERROR
    summary = 'Source version "latest" where the apiVersion does not allow it'
    description = f"""\
`latest` lets a template pick up the newest source image at build time, but not every api
version accepts it:

- **PlatformImage `version: "latest"`** came with the service update of March 2020, when
  `{_PLATFORM_LATEST_SINCE}` was the current api; the earlier previews (2018-02-01-preview,
  2019-02-01-preview) need an exact version.
- **SharedImageVersion `imageVersionId` ending in `/versions/latest`** is accepted from api
  `{_GALLERY_LATEST_SINCE}` on ("When image version name is 'latest', the version is
  evaluated when the image build takes place"); earlier api versions need an explicit
  version.

The rule says nothing when the apiVersion or the value is not known statically.

Sources: the api release notes (`image-builder-api-update-release-notes.md`) and the
2022-07-01 API description of `imageVersionId`; the service-update log of the original AIB
sample repo (danielsollondon/azvmimagebuilder README, "March 2020 Updates"); aib-facts.md §4.

**Fix:** raise `apiVersion` (to {_GALLERY_LATEST_SINCE} or later for gallery sources), or
name an exact version.
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-02-14",
  "properties": {
    "source": {
      "type": "SharedImageVersion",
      "imageVersionId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/web/versions/latest"
    }
  }
}
""",
            ((7, 124),),
            "gallery latest before 2022-07-01",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-02-01-preview",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "latest"}
  }
}
""",
            ((5, 123),),
            "platform latest in an early preview",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2022-07-01",
  "properties": {
    "source": {
      "type": "SharedImageVersion",
      "imageVersionId": "/subscriptions/0000/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/web/versions/latest"
    }
  }
}
""",
            (),
            "gallery latest from 2022-07-01",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "2019-05-01-preview",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "latest"}
  }
}
""",
            (),
            "platform latest from 2019-05-01-preview",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "apiVersion": "[parameters('apiVersion')]",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "latest"}
  }
}
""",
            (),
            "apiVersion not known",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        found = _source_kind(template)
        version = known_api_version(template)
        if found is None or version is None:
            return
        source, _, kind = found
        if kind == "platformimage" and is_before(version, _PLATFORM_LATEST_SINCE):
            yield from self._platform(template, source, version)
        elif kind == "sharedimageversion" and is_before(version, _GALLERY_LATEST_SINCE):
            yield from self._gallery(template, source, version)

    def _platform(self, template: ImageTemplate, source: JsonObject, version: str) -> Iterator[Problem]:
        node = _source_field(template, source, "version")
        resolved = template.resolve(node) if node is not None else None
        text = resolved.text() if resolved is not None else None
        if resolved is not None and text is not None and text.strip().casefold() == "latest":
            yield Problem(
                f'PlatformImage version "latest" needs apiVersion {_PLATFORM_LATEST_SINCE} or later '
                f"(this template declares {version}): name an exact version or raise apiVersion",
                node=resolved.node,
                document=resolved.document,
            )

    def _gallery(self, template: ImageTemplate, source: JsonObject, version: str) -> Iterator[Problem]:
        node = _source_field(template, source, "imageVersionId")
        resolved = template.resolve(node) if node is not None else None
        text = resolved.text() if resolved is not None else None
        match = _LATEST_SEGMENT().search(text) if text is not None else None
        if resolved is None or match is None:
            return
        message = (
            f"imageVersionId /versions/latest needs apiVersion {_GALLERY_LATEST_SINCE} or later "
            f"(this template declares {version}): name an explicit version or raise apiVersion"
        )
        span = span_in(resolved, match.start(1), match.end(1))
        if span is None:
            yield Problem(message, node=resolved.node, document=resolved.document)
        else:
            yield Problem(message, node=resolved.node, start=span[0], end=span[1], document=resolved.document)


#: Marketplace image versions are three numbers: ``Major.Minor.Build``.
_IMAGE_VERSION = lazy(r"\d+\.\d+\.\d+\Z")
_EMBEDDED_VERSION = lazy(r"\d+\.\d+\.\d+")


class PlatformImageVersionFormat(Rule):
    id = "AIB219"
    name = "platform-image-version-format"
    severity = Severity.ERROR
    summary = "PlatformImage version is neither latest nor a version number"
    description = """\
A Marketplace (PlatformImage) source names its `version` either as `latest` or as the
image's three-part version number, `Major.Minor.Build` (`17763.805.1910061628`,
`22.04.202401010`). Anything else is not an image version, and the build fails when the
service looks the image up. A common case is text copied from the portal's version list,
such as `latest (19042.746.2101092352)`, or a leftover from a template skeleton.

Empty strings and values not known statically (expressions, placeholders) are left alone.

Sources: the API description of `ImageTemplatePlatformImageSource.version` ("Image version
from the Azure Gallery Images ... If 'latest' is specified ..."), every api version;
aib-facts.md §4.

**Fix:** write `latest` or the exact version number (`az vm image list --all
--publisher <p> --offer <o> --sku <s>` lists them).
"""
    examples = (
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {
      "type": "PlatformImage",
      "publisher": "MicrosoftWindowsDesktop",
      "offer": "Windows-10",
      "sku": "20h2-evd",
      "version": "latest (19042.746.2101092352)"
    }
  }
}
""",
            ((9, 18),),
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "18.04.202401161"}
  }
}
""",
            (),
            "a version number",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "[parameters('imageVersion')]"}
  }
}
""",
            (),
            "an expression",
        ),
        Example(
            """{
  "type": "Microsoft.VirtualMachineImages/imageTemplates",
  "properties": {
    "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "UbuntuServer", "sku": "18.04-LTS", "version": "<version>"}
  }
}
""",
            (),
            "a placeholder",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        found = _source_kind(template)
        if found is None or found[2] != "platformimage":
            return
        node = _source_field(template, found[0], "version")
        resolved = template.resolve(node) if node is not None else None
        text = resolved.text() if resolved is not None else None
        if resolved is None or not text or text.casefold() == "latest" or _IMAGE_VERSION().match(text):
            return
        yield Problem(
            f'PlatformImage version "{text}" is neither "latest" nor a version number such as "1.2.3"{_hint(text)}',
            node=resolved.node,
            document=resolved.document,
        )


def _hint(text: str) -> str:
    embedded = _EMBEDDED_VERSION().search(text)
    if text.casefold().startswith("latest") and embedded:
        return f': write "latest" or "{embedded.group(0)}"'
    if embedded:
        return f': did you mean "{embedded.group(0)}"?'
    return ""
