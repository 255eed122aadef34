"""The pure ARM functions, over values that may be partly unknown.

A value here is a JSON value (``str``, ``int``, ``bool``, ``None``, ``list``,
``dict``), :data:`~aiblint.values.UNKNOWN`, or a
:class:`~aiblint.values.PartialString`; lists and dicts may hold unknown
parts. Every function follows the documented ARM behaviour (which is .NET's:
``format`` is ``String.Format``, ``string(true)`` is ``"True"``, lengths count
UTF-16 units) and answers :data:`UNKNOWN` whenever the answer depends on
something unknown or on a case it does not model. Nothing here raises for any
input: a call ARM would reject at deployment is simply unknown here.

Functions that depend on the deployment (``resourceGroup()``, ``utcNow()``,
``reference()``, ``uniqueString()``...) are unknown, or partly known where
their shape is fixed (``resourceGroup().id``).
"""

from __future__ import annotations

import binascii
import json
import re
from collections.abc import Callable
from typing import Final
from urllib.parse import quote, urljoin, urlsplit

from aiblint.lazyre import lazy
from aiblint.values import UNKNOWN, Part, PartialString, Unknown

Value = object
Builtin = Callable[[list[Value]], Value]


#: ARM rejects a resource definition over 1 MB, counted after variables and
#: parameters are expanded (learn.microsoft.com, "Resolve errors for job size
#: exceeded"). A larger value is unknown here: that costs no finding, and keeps a
#: template that doubles a value through variables ("billion laughs") from
#: taking minutes and gigabytes.
MAX_VALUE_SIZE: Final = 1024 * 1024


class _NotKnown(Exception):
    """Raised inside a function: the result is unknown."""


# -- helpers ---------------------------------------------------------------------------


def is_known(value: Value) -> bool:
    """True when ``value`` holds no unknown part at any depth."""
    stack = [value]
    while stack:
        item = stack.pop()
        if item is UNKNOWN or isinstance(item, PartialString):
            return False
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return True


def value_size(value: Value, limit: int = MAX_VALUE_SIZE) -> int:
    """How big ``value`` is written out: characters of strings and keys, one per
    scalar and container. A part shared by reference counts at each place it
    occurs, yet is walked once, so the cost follows what is stored, not what it
    expands to. Stops early: anything over ``limit`` is ``limit + 1``."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()  # containers whose members are being measured
    stack: list[tuple[Value, bool]] = [(value, False)]
    while stack:
        item, members_done = stack.pop()
        if not isinstance(item, (list, dict)) or id(item) in sizes:
            continue
        members = list(item.values()) if isinstance(item, dict) else item
        if not members_done:
            if id(item) not in open_:  # else a cycle: it stays unmeasured, too big
                open_.add(id(item))
                stack.append((item, True))
                stack.extend((member, False) for member in members if isinstance(member, (list, dict)))
            continue
        total = 1 + (sum(len(key) for key in item) if isinstance(item, dict) else 0)
        for member in members:
            total += sizes.get(id(member), limit + 1) if isinstance(member, (list, dict)) else _scalar_size(member)
            if total > limit:
                break
        sizes[id(item)] = min(total, limit + 1)
    if isinstance(value, (list, dict)):
        return sizes[id(value)]
    return min(_scalar_size(value), limit + 1)


def _scalar_size(value: Value) -> int:
    if isinstance(value, str):
        return len(value)
    if isinstance(value, PartialString):
        return sum(len(part) if isinstance(part, str) else 1 for part in value.parts)
    return 1


def fits(value: Value) -> bool:
    """Small enough to be a value ARM would deploy (see :data:`MAX_VALUE_SIZE`)."""
    return value_size(value) <= MAX_VALUE_SIZE


def _room(size: int) -> None:
    """Before building a value of ``size`` characters: unknown when it cannot fit."""
    if size > MAX_VALUE_SIZE:
        raise _NotKnown


def _known(value: Value) -> Value:
    if not is_known(value):
        raise _NotKnown
    return value


def _string(value: Value) -> str:
    if not isinstance(value, str):
        raise _NotKnown
    return value


def _integer(value: Value) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _NotKnown
    return value


def _boolean(value: Value) -> bool:
    if not isinstance(value, bool):
        raise _NotKnown
    return value


def _list(value: Value) -> list[Value]:
    if not isinstance(value, list):
        raise _NotKnown
    return value


def _dict(value: Value) -> dict[str, Value]:
    if not isinstance(value, dict):
        raise _NotKnown
    return value


def _parts(value: Value) -> list[Part]:
    """A string-ish value as parts; anything else is not a string here."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, PartialString):
        return list(value.parts)
    if value is UNKNOWN:
        return [UNKNOWN]
    raise _NotKnown


def _utf16_length(text: str) -> int:
    return len(text) + sum(1 for char in text if ord(char) > 0xFFFF)


def _bmp(text: str) -> str:
    """Indexing and lengths count UTF-16 units; only model the common case."""
    if any(ord(char) > 0xFFFF for char in text):
        raise _NotKnown
    return text


def json_equal(left: Value, right: Value) -> bool:
    """ARM ``equals``: types must agree (``1`` is not ``true``), strings are
    compared case-sensitively."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
    if isinstance(left, dict) and isinstance(right, dict):
        return left.keys() == right.keys() and all(json_equal(left[key], right[key]) for key in left)
    return type(left) is type(right) and left == right


def lookup(container: Value, key: Value) -> Value:
    """``container.key`` / ``container[key]``: object members are found without
    regard to case, as ARM does; anything not there is unknown."""
    if isinstance(container, dict) and isinstance(key, str):
        if key in container:
            return container[key]
        folded = key.casefold()
        for name, value in container.items():
            if name.casefold() == folded:
                return value
        return UNKNOWN
    if isinstance(container, list) and isinstance(key, int) and not isinstance(key, bool):
        return container[key] if 0 <= key < len(container) else UNKNOWN
    return UNKNOWN


def dotnet_text(value: Value) -> str:
    """How ``format()`` and ``string()`` write a scalar (``True``, not ``true``)."""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(value)
    return _string(value)


# -- strings ---------------------------------------------------------------------------


def concat(args: list[Value]) -> Value:
    if not args:
        return UNKNOWN
    if any(isinstance(arg, list) for arg in args):
        out: list[Value] = []
        for arg in args:
            out.extend(_list(arg))
        return out
    parts: list[Part] = []
    for arg in args:
        parts += [str(arg)] if isinstance(arg, int) and not isinstance(arg, bool) else _parts(arg)
    return PartialString.join(parts)


_FORMAT_ITEM: Final = lazy(r"\{\{|\}\}|\{([0-9]+)\}|[{}]")


def format_(args: list[Value]) -> Value:
    """.NET composite formatting with plain ``{n}`` items (no alignment or format)."""
    pattern = _string(args[0])
    values = args[1:]
    parts: list[Part] = []
    position = 0
    size = len(pattern)
    for match in _FORMAT_ITEM().finditer(pattern):
        parts.append(pattern[position : match.start()])
        position = match.end()
        token = match.group()
        if token in ("{{", "}}"):
            parts.append(token[0])
            continue
        if match.group(1) is None:
            raise _NotKnown  # an alignment, a format string, or a stray brace
        index = int(match.group(1))
        if index >= len(values):
            raise _NotKnown
        value = values[index]
        parts += _parts(value) if isinstance(value, (PartialString, Unknown)) else [dotnet_text(value)]
        size += _scalar_size(value)
        _room(size)
    parts.append(pattern[position:])
    return PartialString.join(parts)


def _case(convert: Callable[[str], str]) -> Builtin:
    def apply(args: list[Value]) -> Value:
        value = args[0]
        if isinstance(value, PartialString):
            return PartialString(part if part is UNKNOWN else convert(part) for part in value.parts)  # type: ignore[arg-type]
        return convert(_string(value))

    return apply


def replace(args: list[Value]) -> Value:
    text, old, new = (_string(arg) for arg in args)
    if not old:
        raise _NotKnown
    if len(new) > len(old):
        _room(len(text) + text.count(old) * (len(new) - len(old)))
    return text.replace(old, new)


def substring(args: list[Value]) -> Value:
    text = _bmp(_string(args[0]))
    start = _integer(args[1]) if len(args) > 1 else 0
    length = _integer(args[2]) if len(args) > 2 else len(text) - start
    if start < 0 or length < 0 or start + length > len(text):
        raise _NotKnown  # ARM fails the deployment
    return text[start : start + length]


def trim(args: list[Value]) -> Value:
    return _string(args[0]).strip()


def split(args: list[Value]) -> Value:
    text = _string(args[0])
    delimiters = [_string(item) for item in _list(args[1])] if isinstance(args[1], list) else [_string(args[1])]
    delimiters = [delimiter for delimiter in delimiters if delimiter]
    if not delimiters:
        return [text]
    return list(re.split("|".join(re.escape(delimiter) for delimiter in delimiters), text))


def join(args: list[Value]) -> Value:
    items = _list(args[0])
    separator = _string(args[1])
    _room(len(separator) * len(items))
    return separator.join(dotnet_text(item) for item in items)


def uri(args: list[Value]) -> Value:
    base, relative = _string(args[0]), _string(args[1])
    if not urlsplit(base).scheme or any(char in relative + base for char in " %\\"):
        raise _NotKnown  # .NET escapes and unescapes here: not modelled
    return urljoin(base, relative)


def string(args: list[Value]) -> Value:
    value = _known(args[0])
    if isinstance(value, (list, dict)):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    if value is None:
        raise _NotKnown
    return dotnet_text(value)


def base64_(args: list[Value]) -> Value:
    import base64  # only in a template that calls base64(): most never do

    return base64.b64encode(_string(args[0]).encode("utf-8")).decode("ascii")


def base64_to_string(args: list[Value]) -> Value:
    import base64

    try:
        return base64.b64decode(_string(args[0]), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise _NotKnown from None


def uri_component(args: list[Value]) -> Value:
    return quote(_string(args[0]), safe="-_.~")


def starts_with(args: list[Value]) -> Value:
    return _string(args[0]).casefold().startswith(_string(args[1]).casefold())


def ends_with(args: list[Value]) -> Value:
    return _string(args[0]).casefold().endswith(_string(args[1]).casefold())


def index_of(args: list[Value]) -> Value:
    return _bmp(_string(args[0])).casefold().find(_string(args[1]).casefold())


def last_index_of(args: list[Value]) -> Value:
    return _bmp(_string(args[0])).casefold().rfind(_string(args[1]).casefold())


def pad_left(args: list[Value]) -> Value:
    text = dotnet_text(args[0])
    padding = _string(args[2]) if len(args) > 2 else " "
    if len(padding) != 1:
        raise _NotKnown
    width = _integer(args[1])
    _room(width)
    return text.rjust(width, padding)


# -- logic and comparison ----------------------------------------------------------------


def equals(args: list[Value]) -> Value:
    return json_equal(_known(args[0]), _known(args[1]))


def not_(args: list[Value]) -> Value:
    return not _boolean(args[0])


def and_(args: list[Value]) -> Value:
    if any(arg is False for arg in args):
        return False
    return all(_boolean(arg) for arg in args)


def or_(args: list[Value]) -> Value:
    if any(arg is True for arg in args):
        return True
    return any(_boolean(arg) for arg in args)


def bool_(args: list[Value]) -> Value:
    value = args[0]
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    text = _string(value).casefold()
    if text in ("true", "false"):
        return text == "true"
    raise _NotKnown


def _compare(check: Callable[[int], bool]) -> Builtin:
    def apply(args: list[Value]) -> Value:
        left, right = args
        if isinstance(left, str) and isinstance(right, str):
            order = (left > right) - (left < right)
        else:
            a, b = _integer(left), _integer(right)
            order = (a > b) - (a < b)
        return check(order)

    return apply


def empty(args: list[Value]) -> Value:
    value = args[0]
    if value is None:
        return True
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    if isinstance(value, PartialString):
        return False  # it has known text
    raise _NotKnown


def contains(args: list[Value]) -> Value:
    container, item = args
    if isinstance(container, str):
        return dotnet_text(item) in container
    if isinstance(container, list):
        wanted = _known(item)
        for element in container:
            if is_known(element) and json_equal(element, wanted):
                return True
        if not is_known(container):
            raise _NotKnown
        return False
    if isinstance(container, dict):
        key = _string(item).casefold()
        return any(name.casefold() == key for name in container)
    raise _NotKnown


def length(args: list[Value]) -> Value:
    value = args[0]
    if isinstance(value, str):
        return _utf16_length(value)
    if isinstance(value, (list, dict)):
        return len(value)
    raise _NotKnown


# -- numbers -------------------------------------------------------------------------------


def _arithmetic(operation: Callable[[int, int], int]) -> Builtin:
    def apply(args: list[Value]) -> Value:
        try:
            return operation(_integer(args[0]), _integer(args[1]))
        except ZeroDivisionError:
            raise _NotKnown from None

    return apply


def _divide(a: int, b: int) -> int:
    quotient = abs(a) // abs(b)  # .NET truncates towards zero
    return quotient if (a >= 0) == (b >= 0) else -quotient


def _modulo(a: int, b: int) -> int:
    return a - b * _divide(a, b)


def int_(args: list[Value]) -> Value:
    value = args[0]
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?[0-9]+\s*", value):
        return int(value)
    return _integer(value)


def _extreme(pick: Callable[[list[int]], int]) -> Builtin:
    def apply(args: list[Value]) -> Value:
        values = _list(args[0]) if len(args) == 1 and isinstance(args[0], list) else args
        if not values:
            raise _NotKnown
        return pick([_integer(value) for value in values])

    return apply


def range_(args: list[Value]) -> Value:
    start, count = _integer(args[0]), _integer(args[1])
    if count < 0 or count > 10000:
        raise _NotKnown
    return list(range(start, start + count))


# -- arrays and objects ---------------------------------------------------------------------


def create_array(args: list[Value]) -> Value:
    return list(args)


def create_object(args: list[Value]) -> Value:
    if len(args) % 2:
        raise _NotKnown
    out: dict[str, Value] = {}
    for key, value in zip(args[::2], args[1::2], strict=True):
        out[_string(key)] = value
    return out


def union(args: list[Value]) -> Value:
    if all(isinstance(arg, dict) for arg in args):
        merged: dict[str, Value] = {}
        for arg in args:
            for key, value in _dict(arg).items():
                earlier = merged.get(key)
                if isinstance(earlier, dict) and isinstance(value, dict):
                    value = union([earlier, value])  # nested objects merge too
                merged[key] = value
        return merged
    items: list[Value] = []
    for arg in args:
        for item in _list(_known(arg)):
            if not any(json_equal(item, seen) for seen in items):
                items.append(item)
    return items


def shallow_merge(args: list[Value]) -> Value:
    merged: dict[str, Value] = {}
    for item in _list(args[0]):
        merged.update(_dict(item))
    return merged


def first(args: list[Value]) -> Value:
    value = args[0]
    if isinstance(value, str):
        return _bmp(value)[:1]
    items = _list(value)
    return items[0] if items else UNKNOWN


def last(args: list[Value]) -> Value:
    value = args[0]
    if isinstance(value, str):
        return _bmp(value)[-1:]
    items = _list(value)
    return items[-1] if items else UNKNOWN


def skip(args: list[Value]) -> Value:
    value, count = args[0], max(_integer(args[1]), 0)
    if isinstance(value, str):
        return _bmp(value)[count:]
    return _list(value)[count:]


def take(args: list[Value]) -> Value:
    value, count = args[0], max(_integer(args[1]), 0)
    if isinstance(value, str):
        return _bmp(value)[:count]
    return _list(value)[:count]


def array(args: list[Value]) -> Value:
    return args[0] if isinstance(args[0], list) else [args[0]]


def json_(args: list[Value]) -> Value:
    try:
        return json.loads(_string(args[0]))
    except ValueError:
        raise _NotKnown from None  # ARM's reader is more lenient; do not guess


def try_get(args: list[Value]) -> Value:
    value = args[0]
    for key in args[1:]:
        if value is None:
            return None
        if not isinstance(value, (dict, list)) or not isinstance(key, (str, int)):
            raise _NotKnown
        found = lookup(value, key)
        if found is UNKNOWN and is_known(value):
            return None  # not there: tryGet answers null
        value = found
    return value


def coalesce(args: list[Value]) -> Value:
    for arg in args:
        if arg is UNKNOWN:
            raise _NotKnown
        if arg is not None:
            return arg
    return None


# -- resource ids --------------------------------------------------------------------------

_SUBSCRIPTION_ID: Final = PartialString(["/subscriptions/", UNKNOWN])
_RESOURCE_GROUP_ID: Final = PartialString(["/subscriptions/", UNKNOWN, "/resourceGroups/", UNKNOWN])


def resource_group(args: list[Value]) -> Value:
    return {
        "id": _RESOURCE_GROUP_ID, "name": UNKNOWN, "type": "Microsoft.Resources/resourceGroups",
        "location": UNKNOWN, "managedBy": UNKNOWN, "tags": UNKNOWN, "properties": UNKNOWN,
    }


def subscription(args: list[Value]) -> Value:
    return {"id": _SUBSCRIPTION_ID, "subscriptionId": UNKNOWN, "tenantId": UNKNOWN, "displayName": UNKNOWN}


def _type_and_names(args: list[Value]) -> list[Part]:
    """``providers/Ns/type/name/child/name`` from a type and its names."""
    kind = _string(args[0])
    names = args[1:]
    segments = kind.split("/")
    if len(segments) < 2 or len(segments) - 1 != len(names):
        raise _NotKnown  # ARM rejects a count mismatch; other checks say so
    parts: list[Part] = ["/providers/", segments[0]]
    for segment, name in zip(segments[1:], names, strict=True):
        parts += ["/", segment, "/", *_parts(name)]
    return parts


def _type_position(args: list[Value], most_scopes: int) -> int:
    """Which argument is the resource type: the first known one with a '/'.
    Arguments before it are the scope (subscription id, group name), known or
    not: resource names never hold a '/', so an unknown argument before it
    cannot be the type."""
    for position, arg in enumerate(args[: most_scopes + 1]):
        if isinstance(arg, str) and "/" in arg:
            return position
        if not isinstance(arg, (str, PartialString, Unknown)):
            raise _NotKnown
    raise _NotKnown


def resource_id(args: list[Value]) -> Value:
    position = _type_position(args, 2)
    scope = args[:position]
    subscription_id: list[Part] = _parts(scope[0]) if len(scope) == 2 else [UNKNOWN]
    group: list[Part] = _parts(scope[-1]) if scope else [UNKNOWN]
    return PartialString.join(
        ["/subscriptions/", *subscription_id, "/resourceGroups/", *group, *_type_and_names(args[position:])]
    )


def subscription_resource_id(args: list[Value]) -> Value:
    position = _type_position(args, 1)
    subscription_id: list[Part] = _parts(args[0]) if position == 1 else [UNKNOWN]
    return PartialString.join(["/subscriptions/", *subscription_id, *_type_and_names(args[position:])])


def tenant_resource_id(args: list[Value]) -> Value:
    return PartialString.join(_type_and_names(args))


def extension_resource_id(args: list[Value]) -> Value:
    return PartialString.join([*_parts(args[0]), *_type_and_names(args[1:])])


def _constant(value: Value) -> Builtin:
    return lambda args: value


#: Case-folded name -> implementation. Functions in the table
#: (:mod:`aiblint.arm.functions`) but not here evaluate to unknown.
BUILTINS: Final[dict[str, Builtin]] = {
    "concat": concat,
    "format": format_,
    "tolower": _case(str.lower),
    "toupper": _case(str.upper),
    "replace": replace,
    "substring": substring,
    "trim": trim,
    "split": split,
    "join": join,
    "uri": uri,
    "string": string,
    "base64": base64_,
    "base64tostring": base64_to_string,
    "uricomponent": uri_component,
    "startswith": starts_with,
    "endswith": ends_with,
    "indexof": index_of,
    "lastindexof": last_index_of,
    "padleft": pad_left,
    "equals": equals,
    "not": not_,
    "and": and_,
    "or": or_,
    "bool": bool_,
    "true": _constant(True),
    "false": _constant(False),
    "null": _constant(None),
    "less": _compare(lambda order: order < 0),
    "lessorequals": _compare(lambda order: order <= 0),
    "greater": _compare(lambda order: order > 0),
    "greaterorequals": _compare(lambda order: order >= 0),
    "empty": empty,
    "contains": contains,
    "length": length,
    "add": _arithmetic(lambda a, b: a + b),
    "sub": _arithmetic(lambda a, b: a - b),
    "mul": _arithmetic(lambda a, b: a * b),
    "div": _arithmetic(_divide),
    "mod": _arithmetic(_modulo),
    "int": int_,
    "min": _extreme(min),
    "max": _extreme(max),
    "range": range_,
    "createarray": create_array,
    "createobject": create_object,
    "union": union,
    "shallowmerge": shallow_merge,
    "first": first,
    "last": last,
    "skip": skip,
    "take": take,
    "array": array,
    "json": json_,
    "tryget": try_get,
    "coalesce": coalesce,
    "resourcegroup": resource_group,
    "subscription": subscription,
    "resourceid": resource_id,
    "subscriptionresourceid": subscription_resource_id,
    "tenantresourceid": tenant_resource_id,
    "extensionresourceid": extension_resource_id,
}

#: Functions that look at the whole of an argument: an unknown argument makes them unknown.
_PARTIAL_AWARE: Final = frozenset(
    {"concat", "format", "tolower", "toupper", "and", "or", "createarray", "createobject", "resourceid",
     "subscriptionresourceid", "tenantresourceid", "extensionresourceid", "coalesce", "first", "last",
     "length", "empty", "contains", "union", "tryget", "shallowmerge"}
)


def call(name: str, args: list[Value]) -> Value:
    """Apply the built-in ``name`` (case-folded); unknown when it cannot be computed."""
    implementation = BUILTINS.get(name)
    if implementation is None:
        return UNKNOWN
    if name not in _PARTIAL_AWARE and any(arg is UNKNOWN or isinstance(arg, PartialString) for arg in args):
        return UNKNOWN
    try:
        result = implementation(args)
    except (_NotKnown, IndexError, TypeError, ValueError, OverflowError, RecursionError):
        return UNKNOWN
    return result if fits(result) else UNKNOWN
