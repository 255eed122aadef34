"""Structure-aware mutations of templates: what byte flips rarely reach.

A byte-level mutator mostly breaks the JSON, so the rules behind the loader see
few of its inputs. These mutations keep a parsable file and change what rules
read: a value replaced by a hostile one (wrong type, an expression, a path out
of the repository, a huge number, a deep nest), a member removed, renamed to
another case or to a name rules look for, a subtree copied elsewhere. Driven by
a :class:`random.Random`, so atheris (through its seed) and hypothesis (through
a drawn seed) replay the same inputs.
"""

from __future__ import annotations

import json
import random
from typing import Any

#: Values that have broken, or could break, a rule that trusts the shape of a template.
HOSTILE: tuple[Any, ...] = (
    None, True, False, 0, -1, 2**31, 2**64, 1.5, -0.0, 1e308, "", " ", "[", "]", "[]", "[[x", "[ ]",
    "[concat(", "[concat('a', parameters('p'))]", "[parameters('missing')]", "[variables('v')]",
    "[if(true(), createArray('a'), json('{}'))]", "[json('[1,2')]", "[padLeft('a', 99999999)]",
    "[resourceGroup().location]", "[format('{0}{1}', 'a')]", "[substring('abc', 5, 10)]",
    "<region>", "<a><b>", "<", ">", "\u0000", "\ud800", "\U0001f600" * 3, "\r\n", "\\", "%", "%2e%2e/x.sh",
    "../../../../etc/passwd", "/etc/passwd", "file:///etc/passwd", "C:\\Windows\\x.ps1", "\\\\server\\share",
    "https://", "https://raw.githubusercontent.com/o/r/main/../../x.sh", "https://user:pass@example.com/x.sh?sig=abc",
    "http://169.254.169.254/metadata", "latest", "Shell", "PowerShell", "File", "WindowsRestart",
    "WindowsUpdate", "ManagedImage", "SharedImage", "VHD", "PlatformImage", "ISO", "SharedImageVersion",
    "UserAssigned", "None", "Standard_D2s_v3", "westus", "2022-02-14", "2019-05-01-preview", "1.0",
    "echo $PASSWORD", "sudo -S <<< 'Passw0rd!' true", "az login -p 'Secr3t!'", "$(rm -rf /)", "`id`",
    "a" * 5000, "\n" * 300, {}, [], [[[]]], {"": {}}, [None], ["x"] * 50, {"type": "Shell", "inline": "echo"},
    {"type": "PowerShell", "inline": [None, 1, {}]}, {"type": "File", "sourceUri": None, "destination": []},
)
#: Member names rules look for: a renamed member lands where a rule reads.
NAMES: tuple[str, ...] = (
    "type", "name", "inline", "scriptUri", "sha256Checksum", "sourceUri", "destination", "source",
    "customize", "distribute", "validate", "inVMValidations", "properties", "identity",
    "userAssignedIdentities", "location", "apiVersion", "resources", "parameters", "variables",
    "defaultValue", "value", "copy", "count", "input", "template", "expressionEvaluationOptions",
    "restartTimeout", "buildTimeoutInMinutes", "runOutputName", "imageId", "galleryImageId",
    "replicationRegions", "targetRegions", "runAsSystem", "runElevated", "validator", "vmProfile",
    "offer", "sku", "publisher", "version", "planInfo", "metadata", "aiblint", "Type", "INLINE", "",
)


def mutate_text(data: bytes, rng: random.Random, rounds: int = 1) -> bytes | None:
    """``data`` with ``rounds`` structural mutations, or ``None`` when it is not JSON."""
    try:
        value = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    try:
        for _ in range(rounds):
            value = mutate_value(value, rng)
    except RecursionError:  # a copied subtree that nests too deep for json
        return None
    indent = rng.choice((None, 1, 2, "\t"))
    try:
        text = json.dumps(value, indent=indent, ensure_ascii=rng.random() < 0.3)
    except RecursionError:  # nests inside nests: deeper than json.dumps goes
        return None
    return text.encode("utf-8", "surrogatepass")


def mutate_value(root: Any, rng: random.Random) -> Any:
    """One mutation somewhere in ``root`` (a JSON value); returns the new root."""
    holders = _holders(root)
    if not holders:
        return _hostile(rng, root)
    holder = rng.choice(holders)
    keys = list(holder) if isinstance(holder, dict) else list(range(len(holder)))
    choice = rng.random()
    if not keys or choice < 0.1:
        _insert(holder, rng, root)
    elif choice < 0.55:
        holder[rng.choice(keys)] = _hostile(rng, root)
    elif choice < 0.7:
        del holder[rng.choice(keys)]
    elif choice < 0.85 and isinstance(holder, dict):
        key = rng.choice(keys)
        holder[rng.choice(NAMES)] = holder.pop(key)
    else:
        key = rng.choice(keys)
        holder[key] = _swap_type(holder[key], rng)
    return root


def _holders(root: Any) -> list[Any]:
    """Every object and array in ``root``, without recursion."""
    found: list[Any] = []
    stack = [root]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.append(item)
            stack.extend(item.values())
        elif isinstance(item, list):
            found.append(item)
            stack.extend(item)
    return found


def _hostile(rng: random.Random, root: Any) -> Any:
    roll = rng.random()
    if roll < 0.15:
        return _copy_of_subtree(root, rng)
    if roll < 0.2:
        depth = rng.randint(1, 300)
        return json.loads("[" * depth + "]" * depth) if rng.random() < 0.5 else _nested_objects(depth)
    return json.loads(json.dumps(rng.choice(HOSTILE)))  # a fresh copy: later mutations must not share it


def _nested_objects(depth: int) -> Any:
    value: Any = {}
    for _ in range(depth):
        value = {"a": value}
    return value


def _copy_of_subtree(root: Any, rng: random.Random) -> Any:
    holders = _holders(root)
    return json.loads(json.dumps(rng.choice(holders))) if holders else None


def _insert(holder: Any, rng: random.Random, root: Any) -> None:
    value = _hostile(rng, root)
    if isinstance(holder, dict):
        holder[rng.choice(NAMES)] = value
    else:
        holder.insert(rng.randint(0, len(holder)), value)


def _swap_type(value: Any, rng: random.Random) -> Any:
    if isinstance(value, dict):
        return list(value.values())
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)} if rng.random() < 0.5 else (value[0] if value else None)
    if isinstance(value, str):
        return [value] if rng.random() < 0.5 else len(value)
    return str(value)
