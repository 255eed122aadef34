"""AIB0xx: reading files."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from aiblint.document import Document
from aiblint.findings import Severity
from aiblint.jsontree import JsonArray, JsonNode, JsonObject, JsonScalar, JsonString
from aiblint.model import ImageTemplate
from aiblint.rule import Edit, Example, FileContext, Fix, Problem, Rule
from aiblint.textmap import source_offset
from aiblint.values import PLACEHOLDER, has_placeholder

from .strings import strings_under


class InvalidJson(Rule):
    id = "AIB001"
    name = "invalid-json"
    severity = Severity.ERROR
    summary = "File is not valid JSON (comments and a UTF-8 BOM are allowed, as in ARM)"
    description = """\
The file cannot be read as JSON, so Azure Resource Manager (and `az deployment`) will
reject it before anything else is looked at. aiblint accepts what ARM accepts: `//` and
`/* */` comments and a UTF-8 byte order mark. It reports each problem at its exact line
and column: a trailing comma, an unquoted placeholder such as `<region>`, single quotes,
`NaN`, a missing comma or bracket, a truncated file, a file that is not UTF-8.

A trailing comma and a missing comma between two members or elements leave no doubt about
what the text means: aiblint reads past them (up to 20 in a file), reports each, and checks
the rest of the file. Any other problem stops the reading there, and nothing else in the file
is checked until it parses.

**Fix:** correct the text at the position shown. `aiblint --fix` removes trailing commas.
"""
    tags = ("syntax",)
    examples = (
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": "westus2",\n}\n', ((3, 24),), "trailing comma"),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": <region>\n}\n', ((3, 15),), "unquoted placeholder"),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates"\n  "location": "westus2",\n  "tags": {"a": "b",},\n}\n',
                ((3, 3), (4, 20), (4, 22)), "a missing comma and two trailing commas: each is reported, the rest is read"),
        Example('// ARM accepts comments\n{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates" /* and these */\n}\n', (), "comments are fine"),
    )

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        document = context.document
        problems = list(document.recovered)
        if document.problem is not None and document.problem.kind in ("syntax", "skipped"):
            problems.append(document.problem)
        for problem in problems:
            end = min(problem.end_offset if problem.end_offset is not None else problem.offset + 1, len(document.text))
            fix = Fix("remove the trailing comma", (Edit(problem.offset, end, ""),)) if problem.removable else None
            # "skipped": newer Bicep syntax the grammar does not know; the rest was read and linted
            severity = Severity.NOTE if problem.kind == "skipped" else None
            yield Problem(problem.message, start=problem.offset, end=end, fix=fix, severity=severity)


class DuplicateKey(Rule):
    id = "AIB002"
    name = "duplicate-key"
    severity = Severity.ERROR
    summary = "Duplicate key in one JSON object (only the last value counts)"
    description = """\
JSON parsers, including the ones Azure uses, silently keep the last of two members with
the same name: the first value is thrown away without a word. That is almost always a
copy-and-paste mistake (two `customize` arrays, two `location`s).

**Fix:** merge the two members or delete the one you do not mean. When every value
written for the key is the same, `aiblint --fix` deletes the repeats (a member with a
comment in or right after it is left to you).
"""
    examples = (
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": "westus2",\n  "location": "eastus"\n}\n', ((4, 3),)),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": "westus2",\n  "tags": {"location": "eastus"}\n}\n', (), "same name in another object"),
    )

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        document = context.document
        for first, again in document.duplicates:
            if has_placeholder(again.text):
                continue  # a sample's slots ("<name>": ...), filled with different names later
            where = document.position(first.start)
            yield Problem(
                f'duplicate key "{again.text}": it is already set at line {where.line}, column {where.column}, '
                "and JSON parsers keep only the last value",
                node=_value_of(again),
                start=again.start,
                end=again.end,
                fix=_remove_repeat(document, again),
            )


def _value_of(key: JsonString) -> JsonNode | None:
    members = key.parent.members if isinstance(key.parent, JsonObject) else []
    return next((value for member_key, value in members if member_key is key), None)


def _remove_repeat(document: Document, key: JsonString) -> Fix | None:
    """Delete a repeated member when every value of its key is the same (it
    is always preceded by another member), and holds no ``<placeholder>``. The
    rest keeps its layout; a member with a comment in or beside it is left to
    the user."""
    parent = key.parent
    if not isinstance(parent, JsonObject):
        return None
    members = parent.members
    index = next(i for i, (member_key, _) in enumerate(members) if member_key is key)
    values = {_canonical(value) for member_key, value in members if member_key.text == key.text}
    if index == 0 or len(values) != 1 or PLACEHOLDER.search(key.text) or PLACEHOLDER.search(repr(values)):
        return None  # different values, or <placeholders> that may be replaced by different ones
    edits = _whole_lines(document, members, index) or _in_line(document, members[index - 1][1].end, members[index][1].end)
    return Fix(f'delete the repeated "{key.text}" (same value)', edits) if edits else None


def _whole_lines(document: Document, members: list[tuple[JsonString, JsonNode]], index: int) -> tuple[Edit, ...]:
    """The member's own lines, when it has them to itself; if it is the last
    member, the comma before it goes too."""
    text = document.text
    key, value = members[index]
    begin = text.rfind("\n", 0, key.start) + 1
    newline = text.find("\n", value.end)
    if newline < 0 or text[begin : key.start].strip() or text[value.end : newline].strip() not in ("", ","):
        return ()
    if _has_comment(document, begin, newline):
        return ()
    edits = [Edit(begin, newline + 1, "")]
    if index == len(members) - 1:
        gap = members[index - 1][1].end
        comma = text.find(",", gap, begin)
        if comma < 0 or text[gap:comma].strip() or _has_comment(document, gap, comma):
            return ()
        edits.insert(0, Edit(comma, comma + 1, ""))
    return tuple(edits)


def _in_line(document: Document, start: int, end: int) -> tuple[Edit, ...]:
    """From the end of the member before to the end of the value: its comma goes, the layout stays."""
    line_end = document.text.find("\n", end)
    trailing = document.text[end : line_end if line_end >= 0 else len(document.text)].lstrip(" \t\r,")
    if trailing.startswith(("//", "/*")) or _has_comment(document, start, end):
        return ()
    return (Edit(start, end, ""),)


def _has_comment(document: Document, start: int, end: int) -> bool:
    return any(begin < end and finish > start for begin, finish in document.comments)


def _canonical(node: JsonNode) -> object:
    """A JSON value as a comparable structure: key order and types count,
    so 1 and 1.0, or true and 1, differ."""
    if isinstance(node, JsonObject):
        return ("object", tuple((key.text, _canonical(value)) for key, value in node.members))
    if isinstance(node, JsonArray):
        return ("array", tuple(_canonical(item) for item in node.items))
    value = node.value if isinstance(node, JsonScalar) else None
    return (type(value).__name__, value)


class UnreplacedPlaceholder(Rule):
    id = "AIB003"
    name = "unreplaced-placeholder"
    severity = Severity.WARNING
    summary = "Unreplaced placeholder such as <region> or <subscriptionID> in a value"
    description = """\
The official samples are written with `<placeholders>` that a `sed` step replaces
before submission. A placeholder that is still there when the template is deployed is
sent to Azure as-is and fails at submit or, worse, deep into the build.

aiblint looks at every string of an image template and of the deployment template's
parameter defaults and variables, the placeholders inside a longer value too
(`/subscriptions/<subscriptionID>/resourceGroups/<rgName>`), and reports each value once,
listing its placeholders.

In `inline` script lines, where `<` and `>` are also shell and PowerShell syntax (redirections,
here-documents, HTML and XML written to a file), a placeholder counts only when it is inside
a quoted string (`'<Shared Access Signature to archive file>'`) or stands as a word of its
own (`az group create -l <region>`), is not an HTML or XML tag (`<h1>`, a tag closed on the
same line) and is not in a comment line.

**Fix:** replace the placeholder, or make sure your pipeline does before deploying
(then ignore this rule for those files).
"""
    examples = (
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": "<region>",\n  "properties": {}\n}\n', ((3, 16),)),
        Example(
            '{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": "westus2",\n'
            '  "properties": {"stagingResourceGroup": "/subscriptions/<subscriptionID>/resourceGroups/<rgName>",\n'
            '    "customize": [{"type": "Shell", "inline": ["wget -O /tmp/a.zip \'<Shared Access Signature to archive file>\'"]}]}\n}\n',
            ((4, 58), (5, 69)),
            "inside a longer value, once per value; in a quoted string of a script line",
        ),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "location": "westus2",\n  "properties": {"customize": [{"type": "Shell", "inline": ["echo \'<h1>hi</h1>\' > /tmp/x", "sort <in >out", "# set <tenantId> here"]}]}\n}\n', (), "HTML, a redirection and a comment in script lines"),
        Example(
            """resource it 'Microsoft.VirtualMachineImages/imageTemplates@2024-02-01' = {
  name: 'web'
  location: '<region>'
}
""",
            ((3, 14),),
            "Bicep",
            filename="template.bicep",
        ),
    )

    def check_template(self, template: ImageTemplate) -> Iterator[Problem]:
        roots: list[JsonNode] = [template.resource]
        if template.arm_template is not None:
            for section in ("parameters", "variables"):
                node = template.arm_template.get(section)
                if isinstance(node, JsonObject):
                    roots.append(node)
        text = template.document.text
        for string in _strings(template, roots):
            found = _placeholders_in(string.text, _in_script(string))
            if found is None:
                continue
            message, first, last = found
            yield Problem(
                message,
                node=string,
                start=source_offset(text, string, first),
                end=source_offset(text, string, last),
            )


@lru_cache(maxsize=1024)
def _placeholders_in(text: str, in_script: bool) -> tuple[str, int, int] | None:
    """The message for the placeholders of a string, and where the first starts and the
    last ends in it (decoded indexes); ``None`` without any. Once per distinct text and
    kind in a process (a corpus run: 504 strings, 42 distinct): the answer depends on the
    text and on whether it is a script line (``in_script``, which changes what counts),
    both in the key, and on nothing else. Bounded, for long-lived processes."""
    found = list(_script_placeholders(text) if in_script else PLACEHOLDER.finditer(text))
    if not found:
        return None
    names = list(dict.fromkeys(match.group() for match in found))
    if len(names) == 1:
        message = f"unreplaced placeholder {names[0]}: replace it with a real value before deploying"
    else:
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        message = f"unreplaced placeholders {listed}: replace them with real values before deploying"
    return message, found[0].start(), found[-1].end()


def _strings(template: ImageTemplate, roots: list[JsonNode]) -> Iterator[JsonString]:
    """The strings and keys under ``roots`` that may hold a placeholder: every one starts
    with ``<`` (most strings have none). Descriptions are prose, not values."""
    for root in roots:
        found = strings_under(template, root)
        for node in found.values:
            if "<" in node.text and not _is_description(node):
                yield node
        for item in found.objects:
            if "<" not in "".join(item.keys()):  # one test per object: keys seldom hold '<'
                continue  # (keys() lists each distinct key once; a repeated key has the same text)
            for key, _ in item.members:
                if "<" in key.text and PLACEHOLDER.search(key.text):
                    yield key


#: HTML tags a script writes into a page (``echo '<h1>hi</h1>' > index.html``).
_HTML_TAGS = frozenset({
    "a", "b", "i", "u", "p", "br", "hr", "em", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ol", "ul", "tr", "td",
    "th", "pre", "div", "body", "head", "html", "span", "code", "table", "title", "style", "script", "strong",
    "meta", "link", "center", "font",
})
_WORD_BEFORE = frozenset(" \t=:,(")
_WORD_AFTER = frozenset(" \t;,)\"'")


def _script_placeholders(line: str) -> Iterator[re.Match[str]]:
    """Placeholders in a script line: quoted or a word of their own, not markup,
    not a redirection (``sort <in >out``), not in a comment line."""
    if line.lstrip().startswith("#"):
        return
    quoted = _quoted_spans(line)
    for match in PLACEHOLDER.finditer(line):
        name = match.group(1)
        if name.casefold() in _HTML_TAGS or f"</{name}>" in line:
            continue
        inside = any(start < match.start() and match.end() <= end for start, end in quoted)
        before = line[match.start() - 1] if match.start() else " "
        after = line[match.end()] if match.end() < len(line) else " "
        if inside or (before in _WORD_BEFORE and after in _WORD_AFTER):
            yield match


def _quoted_spans(line: str) -> list[tuple[int, int]]:
    """``(opening quote, closing quote)`` offsets of the '…' and "…" strings of a line."""
    spans: list[tuple[int, int]] = []
    quote: str | None = None
    opened = 0
    escaped = False
    for index, char in enumerate(line):
        if escaped:
            escaped = False
        elif char == "\\" and quote != "'":
            escaped = True
        elif quote is None and char in "'\"":
            quote, opened = char, index
        elif char == quote:
            spans.append((opened, index))
            quote = None
    return spans


def _is_description(node: JsonNode) -> bool:
    parent = node.parent
    return isinstance(parent, JsonObject) and node.key == "description"


def _in_script(node: JsonNode) -> bool:
    parent = node.parent
    if isinstance(parent, JsonArray) and parent.key == "inline":
        return True
    return isinstance(parent, JsonObject) and node.key == "inline"


class NoTemplate(Rule):
    id = "AIB004"
    name = "no-image-template"
    severity = Severity.NOTE
    summary = "A file named on the command line holds no image template (nothing was checked)"
    description = """\
You asked aiblint to lint this file, but it holds no
`Microsoft.VirtualMachineImages/imageTemplates` resource in any form aiblint reads (a bare
resource, an ARM deployment template, a nested deployment, a REST request body). So
nothing was checked, and a clean result would mean nothing.

Folders are walked quietly: files found there that hold no template are skipped without
this note.
"""
    examples = (
        Example('{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n  "resources": []\n}\n', ((1, 1),)),
        Example('{\n  "type": "Microsoft.VirtualMachineImages/imageTemplates",\n  "properties": {}\n}\n', ()),
    )

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        if context.explicit and context.document.root is not None and not context.templates:
            yield Problem("no image template found in this file: nothing was checked", start=0, end=0)


class FileTooLarge(Rule):
    id = "AIB007"
    name = "file-too-large"
    severity = Severity.WARNING
    summary = "File is too large to be a deployable template and was not read"
    description = """\
Azure Resource Manager rejects templates larger than 4 MB. aiblint does not read files
over 8 MB at all (they cannot be deployable templates, and reading them would cost time
and memory on every commit), and says so here rather than passing them silently.
"""

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        problem = context.document.problem
        if problem is not None and problem.kind == "too-large":
            yield Problem(problem.message, start=0, end=0)


_PAIRED_TEMPLATE = (
    '{\n  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",\n'
    '  "parameters": {"location": {"type": "string"}},\n'
    '  "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "apiVersion": "2022-07-01",\n'
    '    "name": "t", "location": "[parameters(\'location\')]", "properties": {}}]\n}\n'
)


class UnusableParametersFile(Rule):
    id = "AIB008"
    name = "unusable-parameters-file"
    severity = Severity.WARNING
    summary = "The parameters file paired with a deployment template by its name cannot be used (its values are not checked)"
    description = """\
**What.** A deployment template `x.json` is checked with the values of the parameters file
found beside it by its name: `x.parameters.json`, else the folder's
`azuredeploy.parameters.json` when `x.json` is the folder's only template (a Bicep template:
the `.bicepparam` whose `using` names it, else `x.parameters.json`). That file cannot be
used: it is not valid JSON (or Bicep), not a JSON object, a deployment template rather than a
parameters file, its `parameters` is not an object, or a parameter in it has no `"value"`
(nor a Key Vault `"reference"`). The finding is in that file, at the place that makes it
unusable. A syntax error aiblint reads past (a trailing or a missing comma) is reported too;
the file's values are then used. A file that is a link out of the template's folder is
never read (a note).

**Why.** A deployment given this file fails, and aiblint cannot know any parameter's value:
every value taken from a parameter is then unchecked, and a clean result would mean little.

**Fix.** Write the file as a deployment parameters file,
`{"$schema": ".../deploymentParameters.json#", "contentVersion": "1.0.0.0", "parameters":
{"name": {"value": ...}}}`, or rename it if it is not one. A parameters file named with
`--parameters` that cannot be used is a usage error (exit status 2) instead.
"""
    examples = (
        Example(_PAIRED_TEMPLATE, ((1, 16),), "x.parameters.json whose parameters is an array: reported in that file",
                files=(("template.parameters.json", '{"parameters": []}'),)),
        Example(_PAIRED_TEMPLATE, ((2, 30),), "a parameter without a value, in the paired file",
                files=(("template.parameters.json", '{\n  "parameters": {"location": {"defaultValue": "westus2"}}\n}\n'),)),
        Example(_PAIRED_TEMPLATE, (), "a parameters file",
                files=(("template.parameters.json", '{"parameters": {"location": {"value": "westus2"}}}'),)),
    )

    def check_file(self, context: FileContext) -> Iterator[Problem]:
        if not context.templates:
            return  # (a parameters file is paired only for a template's sake)
        for file in context.document.unusable_parameters:
            text = file.document.text
            end = min(file.end_offset if file.end_offset is not None else file.offset + 1, len(text))
            paired = f"parameters file paired with {context.document.path} is {file.problem}"
            if file.usable:  # a trailing comma, a missing comma: read past, the values are used
                message = f"{paired} (read past it; its values are used)"
            else:
                message = f"{paired}: it is not used, and every parameter of the template is unknown (unchecked)"
            yield Problem(message, start=file.offset, end=max(end, file.offset), document=file.document,
                          severity=Severity.NOTE if file.outside else None)
