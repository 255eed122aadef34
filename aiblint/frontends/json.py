"""The JSON(C) front end: ARM templates, bare resources, REST bodies, parameters files.

The parser is :mod:`aiblint.loader`; this module is its face in the front-end
layer (:mod:`aiblint.frontends`), with the sniff a folder walk uses.
"""

from __future__ import annotations

from aiblint.loader import load_bytes

__all__ = ["load_bytes", "looks_like_template"]


def looks_like_template(data: bytes) -> bool:
    """True when the bytes may hold an image template (any form we read)."""
    if b"icrosoft.virtualmachineimages" in data.lower():
        return True
    from aiblint.frontends.terraform import looks_like_template as terraform_sniff

    if terraform_sniff(data):  # a Terraform local module call (the sniff does not know the file name)
        return True
    return b'"source"' in data and (b'"distribute"' in data or b'"customize"' in data)
