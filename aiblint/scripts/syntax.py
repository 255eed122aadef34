"""Shell and PowerShell scripts as the commands they run, read with real grammars.

Rules about what a script does (it reboots, pipes a download into ``sh``,
passes a password on a command line) must not be fooled by a comment, a string
or a here-document that merely mentions a command, and must point at the exact
word. Regular expressions over the raw text cannot promise either; the
tree-sitter grammars can. Measured on this machine over 34 constructs seen in
build scripts (``tests/test_scripts_syntax.py`` keeps the cases):
tree-sitter-bash 0.25 parsed all but an extglob pattern; bashlex 0.18 failed on
7 (``case``, ``[[ ]]``, arrays, ``$(( ))``, a quoted here-document delimiter,
``time``, extglob), so bashlex is not used.

:func:`parse` returns a :class:`Script`: every command with its words (quotes
removed where nothing is expanded), the wrappers it runs through (``sudo``,
``env``, ``nohup``...), its redirections, its place in a pipeline and the
command it is nested in (``$(curl ...)`` inside ``bash -c``). PowerShell
method calls (``(New-Object Net.WebClient).DownloadString(...)``,
``[scriptblock]::Create(...)``) are commands of kind ``method``.
Offsets are character offsets in the script text.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from typing import TYPE_CHECKING, Any, Final

from aiblint.lazyre import lazy
from aiblint.record import Record

if TYPE_CHECKING:
    from tree_sitter import Node

SHELL, POWERSHELL = "shell", "powershell"
#: How deep the readers below descend (a node's subtree deeper than this is
#: skipped and reported among :attr:`Script.errors`); well inside Python's
#: recursion limit, far beyond what scripts nest.
_MAX_DEPTH: Final = 150


class Word(Record):
    """One word of a command as written, and its value if nothing in it is
    expanded (``'a b'`` -> ``a b``; ``"$x"`` -> ``None``)."""

    __slots__ = ("start", "end", "text", "value", "value_start", "value_end", "option")  # noqa: RUF023 - in field order
    start: Final[int]
    end: Final[int]
    text: Final[str]
    value: Final[str | None]
    value_start: Final[int]  # where the value's characters are written (inside the quotes)
    value_end: Final[int]
    option: Final[bool]  # a PowerShell parameter name (``-Force``)

    def __init__(self, start: int, end: int, text: str, value: str | None, value_start: int, value_end: int, option: bool = False) -> None:
        self.start = start
        self.end = end
        self.text = text
        self.value = value
        self.value_start = value_start
        self.value_end = value_end
        self.option = option


class Redirect(Record):
    """A redirection of a command."""

    __slots__ = ("operator", "target", "body")  # noqa: RUF023 - in field order
    operator: Final[str]  # ">", ">>", "&>", "<", "<<", "<<-", "<<<", PowerShell ">" ...
    target: Final[Word | None]  # the file, or the here-string
    body: Final[Word | None]  # a here-document's text

    def __init__(self, operator: str, target: Word | None = None, body: Word | None = None) -> None:
        self.operator = operator
        self.target = target
        self.body = body


class Command(Record):
    """One command of a parsed script: its words and where it is written."""

    __slots__ = (  # noqa: RUF023 - in field order
        "index", "kind", "words", "start", "end", "wrappers", "elevated", "redirects", "pipeline", "stage", "parent",
        "prefix", "outer_input",
    )
    index: Final[int]
    kind: Final[str]  # "command" | "method"
    words: Final[tuple[Word, ...]]  # what runs and its arguments, wrappers removed
    start: Final[int]  # the whole command as written, wrappers included
    end: Final[int]
    wrappers: Final[tuple[str, ...]]
    elevated: Final[bool]  # run as root through sudo/doas
    redirects: Final[tuple[Redirect, ...]]
    pipeline: Final[int]  # commands of one pipeline share this number
    stage: Final[int]  # position in the pipeline
    parent: Final[int | None]  # the command this one is nested in
    prefix: Final[tuple[Word, ...]]  # the wrapper words removed in front of ``words`` (``sudo -S``)
    #: Its standard input may come from around it: a compound command it is in reads a
    #: redirection or a pipe (``while read l; do ...; done < f``, ``cmd | while ...``), or it
    #: is in a function, whose callers may redirect (shell only).
    outer_input: Final[bool]

    def __init__(
        self,
        index: int,
        kind: str,
        words: tuple[Word, ...],
        start: int,
        end: int,
        wrappers: tuple[str, ...] = (),
        elevated: bool = False,
        redirects: tuple[Redirect, ...] = (),
        pipeline: int = 0,
        stage: int = 0,
        parent: int | None = None,
        prefix: tuple[Word, ...] = (),
        outer_input: bool = False,
    ) -> None:
        self.index = index
        self.kind = kind
        self.words = words
        self.start = start
        self.end = end
        self.wrappers = wrappers
        self.elevated = elevated
        self.redirects = redirects
        self.pipeline = pipeline
        self.stage = stage
        self.parent = parent
        self.prefix = prefix
        self.outer_input = outer_input

    @property
    def name(self) -> str:
        """What runs, as a file name: ``/usr/bin/Sudo`` -> ``Sudo`` (shell),
        ``C:\\Windows\\System32\\shutdown.exe`` -> ``shutdown`` (PowerShell,
        lower case); ``""`` when it is computed."""
        return self.words[0].value or "" if self.kind == "method" else _program_name(self.words[0])

    @property
    def args(self) -> tuple[Word, ...]:
        return self.words[1:]


def _program_name(word: Word) -> str:
    if word.value is None:
        return ""
    return word.value.replace("\\", "/").rpartition("/")[2]


class Script(Record):
    """A parsed script: its commands, comments and unreadable parts."""

    __slots__ = ("language", "text", "commands", "comments", "errors", "_line_starts")  # noqa: RUF023 - in field order
    _hidden = ("_line_starts",)  # not in repr
    language: Final[str]
    text: Final[str]
    commands: Final[tuple[Command, ...]]
    comments: Final[tuple[tuple[int, int], ...]]
    errors: Final[tuple[tuple[int, int], ...]]  # where the grammar found something it cannot read
    _line_starts: Final[tuple[int, ...]]

    def __init__(
        self,
        language: str,
        text: str,
        commands: tuple[Command, ...],
        comments: tuple[tuple[int, int], ...],
        errors: tuple[tuple[int, int], ...],
        _line_starts: tuple[int, ...] = (),
    ) -> None:
        self.language = language
        self.text = text
        self.commands = commands
        self.comments = comments
        self.errors = errors
        self._line_starts = _line_starts

    def pipeline(self, command: Command) -> list[Command]:
        """The stages of the pipeline ``command`` is in, in order."""
        stages = [other for other in self.commands if other.pipeline == command.pipeline and other.parent == command.parent]
        return sorted(stages, key=lambda other: (other.stage, other.start))

    def nested(self, command: Command) -> Iterator[Command]:
        """Every command nested in ``command``'s words, at any depth."""
        inside = {command.index}
        for other in self.commands:
            if other.parent in inside:
                inside.add(other.index)
                yield other

    def location(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a text offset."""
        starts = self._line_starts
        line = bisect.bisect_right(starts, offset) - 1
        return line + 1, offset - starts[line] + 1

    def in_comment(self, offset: int) -> bool:
        return any(start <= offset < end for start, end in self.comments)


def normalized(name: str, language: str) -> str:
    """A command name as rules compare it: PowerShell names are case-insensitive
    and ``.exe`` is optional."""
    if language == POWERSHELL:
        name = name.casefold()
        return name[:-4] if name.endswith(".exe") else name
    return name


def parse(language: str, text: str) -> Script:
    """The commands of a shell or PowerShell script (cached: rules share it)."""
    return _parse(language, text)


@lru_cache(maxsize=128)
def _parse(language: str, text: str) -> Script:
    from tree_sitter import Parser

    data = text.encode("utf-8", "surrogatepass")
    tree = Parser(_language(language)).parse(data)
    reader = _ShellReader(text, data) if language == SHELL else _PowerShellReader(text, data)
    reader.read(tree.root_node)
    starts = [0] + [match.end() for match in re.finditer("\n", text)]
    return Script(language, text, tuple(reader.commands), tuple(reader.comments), tuple(reader.errors), tuple(starts))


@cache
def _language(language: str) -> Any:
    from tree_sitter import Language

    if language == SHELL:
        import tree_sitter_bash as grammar
    else:
        import tree_sitter_powershell as grammar  # type: ignore[no-redef]
    return Language(grammar.language())


# -- shared reading machinery --------------------------------------------------------------


class _Reader:
    """Walks a tree and collects commands; offsets are turned from UTF-8 bytes
    into characters."""

    def __init__(self, text: str, data: bytes) -> None:
        self.text = text
        self.ascii = len(data) == len(text)
        self._characters: list[int] | None = None
        self.data = data
        self.commands: list[Command] = []
        self.comments: list[tuple[int, int]] = []
        self.errors: list[tuple[int, int]] = []
        self._pipelines = 0
        self.depth = 0
        self.fed = 0  # how many enclosing constructs give the commands inside their standard input

    def read(self, root: Node) -> None:
        self.visit(root, None)

    def visit(self, node: Node, parent: int | None) -> None:
        raise NotImplementedError

    def offset(self, byte: int) -> int:
        if self.ascii:
            return byte
        if self._characters is None:
            self._characters = _character_offsets(self.text)
        return self._characters[byte]

    def span(self, node: Node) -> tuple[int, int]:
        return self.offset(node.start_byte), self.offset(node.end_byte)

    def source(self, node: Node) -> str:
        start, end = self.span(node)
        return self.text[start:end]

    def new_pipeline(self) -> int:
        self._pipelines += 1
        return self._pipelines

    def note(self, node: Node) -> bool:
        """Record comments and errors; True when the node needs no more reading."""
        if node.type == "comment":
            self.comments.append(self.span(node))
            return True
        if node.is_missing or node.type == "ERROR":
            self.errors.append(self.span(node))
        return False

    def too_deep(self, node: Node) -> bool:
        """Scripts nest without limit; this reader is recursive. Past
        :data:`_MAX_DEPTH` levels a subtree is reported as unreadable."""
        if self.depth < _MAX_DEPTH:
            return False
        self.errors.append(self.span(node))
        return True

    def add(self, command: Command) -> int:
        self.commands.append(command)
        return command.index


def _character_offsets(text: str) -> list[int]:
    """Character offset of every UTF-8 byte offset (and of the end)."""
    offsets: list[int] = []
    for index, character in enumerate(text):
        offsets.extend([index] * len(character.encode("utf-8", "surrogatepass")))
    offsets.append(len(text))
    return offsets


# -- shell ---------------------------------------------------------------------------------------

#: Commands that run the rest of their words as a command, and their options
#: that take a value. Sources: the sudo(8), doas(1), env(1), nice(1),
#: timeout(1), stdbuf(1), xargs(1), flock(1) and bash(1) manual pages.
_WRAPPERS: Final[dict[str, frozenset[str]]] = {
    "sudo": frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U", "-T", "--user", "--group", "--host", "--prompt",
                       "--chdir", "--role", "--type", "--other-user", "--command-timeout", "--close-from"}),
    "doas": frozenset({"-u", "-C"}),
    "env": frozenset({"-u", "--unset", "-C", "--chdir", "-S", "--split-string"}),
    "nohup": frozenset(),
    "time": frozenset({"-f", "-o", "--format", "--output"}),
    "nice": frozenset({"-n", "--adjustment"}),
    "ionice": frozenset({"-c", "-n", "-p", "-P", "-u", "--class", "--classdata"}),
    "timeout": frozenset({"-s", "-k", "--signal", "--kill-after"}),
    "stdbuf": frozenset({"-i", "-o", "-e", "--input", "--output", "--error"}),
    "exec": frozenset({"-a"}),
    "command": frozenset(),
    "builtin": frozenset(),
    "xargs": frozenset({"-a", "-d", "-E", "-I", "-L", "-n", "-P", "-s", "--arg-file", "--delimiter", "--max-args",
                        "--max-procs", "--max-lines", "--max-chars", "--replace"}),
    "flock": frozenset({"-w", "-E", "-c", "--timeout", "--conflict-exit-code"}),
    "setsid": frozenset(),
    "eatmydata": frozenset(),
    "unbuffer": frozenset(),
    "chronic": frozenset(),
}
#: Wrappers whose first operand is not the command (a duration, a lock file).
_OPERAND_FIRST: Final = {"timeout": 1, "flock": 1}
_ROOT_USERS: Final = {"root", "0", "#0"}
_ASSIGNMENT: Final = lazy(r"[A-Za-z_][A-Za-z0-9_]*=")
_STATIC_SHELL: Final = {"word", "raw_string", "string", "concatenation", "number", "ansi_c_string", "string_content"}
_REDIRECTS: Final = {"file_redirect", "heredoc_redirect", "herestring_redirect"}
_ESCAPE: Final = lazy(r"\\(.)", re.DOTALL)
_DOUBLE_QUOTED_ESCAPE: Final = lazy(r'\\([\\"$`\n])')


def unwrap(words: tuple[Word, ...]) -> tuple[tuple[Word, ...], tuple[str, ...], bool]:
    """Words without the wrappers in front (``sudo -E env A=b apt-get`` ->
    ``apt-get``), the wrappers, and whether they run it as root."""
    wrappers: list[str] = []
    elevated = False
    index = 0
    while index < len(words):
        name = _program_name(words[index])
        if name not in _WRAPPERS or (name == "command" and _looks_up(words[index + 1 :])):
            break
        index, user = _skip_wrapper_options(words, index + 1, name)
        wrappers.append(name)
        if name in ("sudo", "doas"):
            elevated = user is None or user in _ROOT_USERS
    rest = words[index:]
    if not rest:
        return words, (), False
    return rest, tuple(wrappers), elevated


def _looks_up(words: tuple[Word, ...]) -> bool:
    """``command -v x`` asks where ``x`` is; it does not run it."""
    return bool(words) and words[0].value in ("-v", "-V")


def _skip_wrapper_options(words: tuple[Word, ...], index: int, name: str) -> tuple[int, str | None]:
    takes_value = _WRAPPERS[name]
    operands = _OPERAND_FIRST.get(name, 0)
    user: str | None = None
    while index < len(words):
        value = words[index].value or ""
        if value == "--":
            return index + 1 + operands, user
        if name == "env" and _ASSIGNMENT().match(value):
            index += 1
        elif value.startswith("-") and len(value) > 1:
            option, _, inline = value.partition("=")
            if option in takes_value and not inline:
                if option in ("-u", "--user") and index + 1 < len(words):
                    user = words[index + 1].value or "?"
                index += 2
            else:
                if option in ("-u", "--user"):
                    user = inline or value[2:] or "?"
                index += 1
        elif operands:
            index += operands
            operands = 0
        else:
            break
    return index, user


class _ShellReader(_Reader):
    def visit(self, node: Node, parent: int | None) -> None:
        if self.note(node) or self.too_deep(node):
            return
        self.depth += 1
        self._visit(node, parent)
        self.depth -= 1

    def _visit(self, node: Node, parent: int | None) -> None:
        kind = node.type
        if kind == "command":
            self.command(node, (), parent, self.new_pipeline(), 0)
        elif kind == "redirected_statement":
            self.redirected(node, parent, self.new_pipeline(), 0)
        elif kind == "pipeline":
            self.pipeline(self.stages(node), parent)
        elif kind == "function_definition":
            self.fed_visit(node.named_children, parent, fed=True)
        else:
            for child in node.named_children:
                self.visit(child, parent)

    def fed_visit(self, nodes: list[Node], parent: int | None, fed: bool) -> None:
        """Visit ``nodes`` as commands whose standard input comes from around them when ``fed``."""
        self.fed += fed
        for node in nodes:
            self.visit(node, parent)
        self.fed -= fed

    def stages(self, node: Node) -> list[Node]:
        """The stages of a pipeline (tree-sitter nests ``a | b | c`` only sometimes)."""
        found: list[Node] = []
        for child in node.named_children:
            if child.type == "pipeline":
                found.extend(self.stages(child))
            elif child.type != "comment":
                found.append(child)
            else:
                self.note(child)
        return found

    def pipeline(self, stages: list[Node], parent: int | None, number: int | None = None, first: int = 0) -> None:
        number = self.new_pipeline() if number is None else number
        for stage, node in enumerate(stages, start=first):
            if node.type == "command":
                self.command(node, (), parent, number, stage)
            elif node.type == "redirected_statement":
                self.redirected(node, parent, number, stage)
            else:
                self.fed_visit([node], parent, fed=stage > 0)

    def redirected(self, node: Node, parent: int | None, number: int, stage: int) -> None:
        body = node.named_children[0] if node.named_children else None
        redirects: list[Redirect] = []
        continuation: list[Node] = []
        others: list[Node] = []
        for child in node.named_children[1:]:
            if child.type in _REDIRECTS:
                redirects.extend(self.redirect(child, continuation, others))
            else:
                others.append(child)
        if body is not None and body.type == "command":
            self.command(body, tuple(redirects), parent, number, stage)
        elif body is not None:
            fed = stage > 0 or any("<" in redirect.operator for redirect in redirects)
            self.fed_visit([body], parent, fed)
        if continuation:
            self.pipeline(continuation, parent, number, stage + 1)
        for other in others:
            self.visit(other, parent)

    def redirect(self, node: Node, continuation: list[Node], others: list[Node]) -> list[Redirect]:
        """One redirection. A here-document's line may go on with more
        redirections, ``| cmd`` or ``&& cmd``; tree-sitter puts those inside
        the here-document's node."""
        more: list[Redirect] = []
        operator = ""
        target: Word | None = None
        body: Word | None = None
        quoted = False
        for child in node.children:
            if not child.is_named:
                if child.type in ("|", "|&", "&&", "||", ";"):
                    continue
                operator = operator or child.type
            elif child.type == "heredoc_start":
                quoted = any(mark in self.source(child) for mark in "'\"\\")
            elif child.type == "heredoc_body":
                body = self.heredoc_body(child, quoted)
            elif child.type == "pipeline" and child.children and child.children[0].type in ("|", "|&"):
                continuation.extend(self.stages(child))
            elif child.type in _REDIRECTS:
                more.extend(self.redirect(child, continuation, others))
            elif child.type in ("command", "redirected_statement", "pipeline", "list"):
                others.append(child)
            elif child.type not in ("heredoc_end", "file_descriptor", "heredoc_content") and target is None:
                target = self.word(child)
        return [Redirect(operator, target, body), *more]

    def heredoc_body(self, node: Node, quoted: bool) -> Word:
        start, end = self.span(node)
        expands = not quoted and any(child.type != "heredoc_content" for child in node.named_children)
        return Word(start, end, self.text[start:end], None if expands else self.text[start:end], start, end)

    def command(self, node: Node, redirects: tuple[Redirect, ...], parent: int | None, number: int, stage: int) -> None:
        words: list[Word] = []
        own_redirects = list(redirects)
        nested: list[Node] = []
        for child in node.named_children:
            if child.type == "variable_assignment":
                nested.append(child)
            elif child.type == "command_name":
                inner = child.named_children[0] if child.named_children else child
                words.append(self.word(inner))
                nested.append(inner)
            elif child.type in _REDIRECTS:
                own_redirects.extend(self.redirect(child, [], []))
                nested.append(child)
            elif child.type == "comment":
                self.note(child)
            else:
                words.append(self.word(child))
                nested.append(child)
        if not words:
            for child in nested:
                self.visit(child, parent)
            return
        effective, wrappers, elevated = unwrap(tuple(words))
        start, end = self.span(node)
        prefix = tuple(words[: len(words) - len(effective)])
        index = self.add(Command(len(self.commands), "command", effective, start, end, wrappers, elevated,
                                 tuple(own_redirects), number, stage, parent, prefix, self.fed > 0))
        for child in nested:
            self.visit(child, index)

    def word(self, node: Node) -> Word:
        start, end = self.span(node)
        text = self.text[start:end]
        value, value_start, value_end = self.value(node, start, end, text)
        return Word(start, end, text, value, value_start, value_end)

    def value(self, node: Node, start: int, end: int, text: str) -> tuple[str | None, int, int]:
        kind = node.type
        if kind == "raw_string":
            return text[1:-1], start + 1, end - 1
        if kind == "string":
            if any(child.type != "string_content" for child in node.named_children):
                return None, start, end
            inner = text[1:-1]
            return (_DOUBLE_QUOTED_ESCAPE().sub(r"\1", inner) if "\\" in inner else inner), start + 1, end - 1
        if kind == "ansi_c_string":
            return text[2:-1], start + 2, end - 1
        if kind in ("word", "number"):
            return (_ESCAPE().sub(r"\1", text) if "\\" in text else text), start, end
        if kind == "concatenation":
            parts = [self.value(child, *self.span(child), self.source(child))[0] for child in node.named_children]
            if all(part is not None for part in parts) and all(child.type in _STATIC_SHELL for child in node.named_children):
                return "".join(part or "" for part in parts), start, end
        return None, start, end


# -- PowerShell ------------------------------------------------------------------------------------

_PS_LEAVES: Final = {
    "verbatim_string_characters", "expandable_string_literal", "verbatim_here_string_characters",
    "expandable_here_string_literal", "generic_token", "integer_literal", "decimal_integer_literal", "real_literal",
    "command_parameter", "variable", "simple_name", "type_literal", "script_block_expression",
}


class _PowerShellReader(_Reader):
    def visit(self, node: Node, parent: int | None) -> None:
        if self.note(node) or self.too_deep(node):
            return
        self.depth += 1
        kind = node.type
        if kind == "pipeline_chain" or (kind == "pipeline" and not any(c.type == "pipeline_chain" for c in node.children)):
            number = self.new_pipeline()
            stages = [child for child in node.named_children if not self.note(child)]
            for stage, child in enumerate(stages):
                self.stage(child, parent, number, stage)
        elif kind in ("command", "invokation_expression"):
            self.stage(node, parent, self.new_pipeline(), 0)
        else:
            for child in node.named_children:
                self.visit(child, parent)
        self.depth -= 1

    def stage(self, node: Node, parent: int | None, number: int, stage: int) -> None:
        """A pipeline stage: a command, or an expression whose method calls
        belong to the stage (``(...).DownloadString(u) | iex``)."""
        if self.note(node) or self.too_deep(node):
            return
        if node.type == "command":
            self.command(node, parent, number, stage)
        elif node.type == "invokation_expression":
            self.method(node, parent, number, stage)
        elif node.type in ("pipeline", "pipeline_chain"):
            self.visit(node, parent)
        else:
            self.depth += 1
            for child in node.named_children:
                self.stage(child, parent, number, stage)
            self.depth -= 1

    def command(self, node: Node, parent: int | None, number: int, stage: int) -> None:
        words: list[Word] = []
        redirects: list[Redirect] = []
        nested: list[Node] = []
        calls: list[tuple[Node, Node]] = []  # (x.Member, its argument list) written as arguments
        for child in node.named_children:
            if child.type == "command_name":
                words.append(self.word(child))
            elif child.type == "command_name_expr":
                words.append(self.word(child))
                nested.append(child)
            elif child.type == "command_elements":
                self.elements(child, words, redirects, nested, calls)
            elif not self.note(child):
                nested.append(child)
        if not words:
            for child in nested:
                self.visit(child, parent)
            return
        start, end = self.span(node)
        index = self.add(Command(len(self.commands), "command", tuple(words), start, end, (), False,
                                 tuple(redirects), number, stage, parent))
        for child in nested:
            self.visit(child, index)
        for access, arguments in calls:
            self.call(access, arguments, index)

    def elements(
        self, node: Node, words: list[Word], redirects: list[Redirect], nested: list[Node], calls: list[tuple[Node, Node]]
    ) -> None:
        """A command's arguments. In argument mode the grammar splits
        ``(New-Object Net.WebClient).DownloadString('u')`` into a member access
        and an argument list; the two are one argument, and a method call."""
        elements = [element for element in node.named_children if element.type != "command_argument_sep"]
        for position, element in enumerate(elements):
            if self.note(element):
                continue
            if element.type == "redirection":
                redirects.append(self.redirection(element))
                continue
            following = elements[position + 1] if position + 1 < len(elements) else None
            access = _member_access(element)
            if element.type == "argument_list" and position > 0 and _member_access(elements[position - 1]) is not None:
                continue  # already taken with the member access before it
            if access is not None and following is not None and following.type == "argument_list":
                start, end = self.offset(element.start_byte), self.offset(following.end_byte)
                words.append(Word(start, end, self.text[start:end], None, start, end))
                calls.append((access, following))
                continue
            words.append(self.word(element))
            nested.append(element)

    def call(self, access: Node, arguments: Node, parent: int) -> None:
        target = access.named_children[0] if access.named_children else None
        member = next((child for child in access.named_children if child.type == "member_name"), None)
        if target is None or member is None:
            return
        self.add_method(target, member, arguments, access.start_byte, arguments.end_byte, parent, self.new_pipeline(), 0)

    def method(self, node: Node, parent: int | None, number: int, stage: int) -> None:
        """``target.Member(args)`` and ``[Type]::Member(args)`` as a command
        named ``.member`` or ``[type]::member`` (lower case)."""
        target = node.named_children[0] if node.named_children else None
        member = next((child for child in node.named_children if child.type == "member_name"), None)
        arguments = next((child for child in node.named_children if child.type == "argument_list"), None)
        if target is None or member is None:
            for child in node.named_children:
                self.visit(child, parent)
            return
        self.add_method(target, member, arguments, node.start_byte, node.end_byte, parent, number, stage)

    def add_method(
        self, target: Node, member: Node, arguments: Node | None, start_byte: int, end_byte: int,
        parent: int | None, number: int, stage: int,
    ) -> None:
        member_name = self.source(member).casefold()
        name = f"{self.source(target).casefold()}::{member_name}" if target.type == "type_literal" else f".{member_name}"
        start, end = self.span(member)
        words = [Word(start, end, self.source(member), name, start, end)]
        argument_nodes = _argument_nodes(arguments) if arguments is not None else []
        words += [self.word(argument) for argument in argument_nodes]
        index = self.add(Command(len(self.commands), "method", tuple(words), self.offset(start_byte), self.offset(end_byte),
                                 (), False, (), number, stage, parent))
        self.visit(target, index)
        for argument in argument_nodes:
            self.visit(argument, index)

    def redirection(self, node: Node) -> Redirect:
        operator = next((self.source(child) for child in node.named_children if child.type.endswith("operator")), ">")
        target = next((child for child in node.named_children if child.type == "redirected_file_name"), None)
        return Redirect(operator.strip(), self.word(target) if target is not None else None)

    def word(self, node: Node) -> Word:
        start, end = self.span(node)
        text = self.text[start:end]
        if node.type == "command_parameter":
            return Word(start, end, text, text, start, end, option=True)
        leaf = _leaf(node)
        value, value_start, value_end = self.value(leaf) if leaf is not None else (None, start, end)
        return Word(start, end, text, value, value_start, value_end)

    def value(self, node: Node) -> tuple[str | None, int, int]:
        start, end = self.span(node)
        text = self.text[start:end]
        kind = node.type
        if kind == "verbatim_string_characters":
            return text[1:-1].replace("''", "'"), start + 1, end - 1
        if kind == "expandable_string_literal" and not node.named_children:
            return re.sub(r"`(.)", r"\1", text[1:-1].replace('""', '"')), start + 1, end - 1
        if kind in ("verbatim_here_string_characters", "expandable_here_string_literal") and not node.named_children:
            inner_start = text.find("\n") + 1
            inner_end = max(text.rfind("\n"), inner_start)
            return text[inner_start:inner_end], start + inner_start, start + inner_end
        if kind in ("generic_token", "integer_literal", "decimal_integer_literal", "real_literal", "command_name"):
            return (None if "$" in text else text), start, end
        if kind == "path_command_name" and not any(child.type == "variable" for child in node.named_children):
            return text, start, end
        return None, start, end


def _leaf(node: Node) -> Node | None:
    """The node that holds a word's value, through the grammar's chains of
    one-child expression nodes."""
    while node.type not in _PS_LEAVES and node.type != "path_command_name":
        named = [child for child in node.named_children if child.type not in ("comment", "command_argument_sep")]
        if len(named) != 1:
            return node if node.type == "command_name" else None
        node = named[0]
    return node


def _member_access(node: Node) -> Node | None:
    """The ``member_access`` a command argument consists of, if it does."""
    while node.type != "member_access":
        named = [child for child in node.named_children if child.type != "comment"]
        if len(named) != 1:
            return None
        node = named[0]
    return node


def _argument_nodes(arguments: Node) -> list[Node]:
    listed = next((child for child in arguments.named_children if child.type == "argument_expression_list"), None)
    if listed is None:
        return []
    return [child for child in listed.named_children if child.type == "argument_expression"]


# -- PowerShell statements that are not commands ---------------------------------------------------


class Assignment(Record):
    """``$scope:Name[...] = value``: what is assigned and where."""

    __slots__ = ("target", "variable", "text", "value", "start", "end")  # noqa: RUF023 - in field order
    target: Final[str]  # the left side as written: ``$global:ErrorActionPreference``, ``$PSDefaultParameterValues['*:ErrorAction']``
    variable: Final[str]  # the variable without ``$`` and scope, as written: ``ErrorActionPreference``
    text: Final[str]  # the right side as written
    value: Final[str | None]  # the right side's value when it is one literal (``'Stop'`` -> ``Stop``)
    start: Final[int]
    end: Final[int]

    def __init__(self, target: str, variable: str, text: str, value: str | None, start: int, end: int) -> None:
        self.target = target
        self.variable = variable
        self.text = text
        self.value = value
        self.start = start
        self.end = end


class FlowStatement(Record):
    """``exit``, ``throw``, ``return``, ``break`` or ``continue``, and what follows it."""

    __slots__ = ("keyword", "argument", "start", "end")  # noqa: RUF023 - in field order
    keyword: Final[str]  # lower case
    argument: Final[str]  # as written; "" when there is none
    start: Final[int]
    end: Final[int]

    def __init__(self, keyword: str, argument: str, start: int, end: int) -> None:
        self.keyword = keyword
        self.argument = argument
        self.start = start
        self.end = end


class PowerShellStatements(Record):
    """What :func:`parse` leaves out of a PowerShell script: assignments,
    ``exit``/``throw`` statements and variable reads (comments excluded)."""

    __slots__ = ("assignments", "flow", "variables")
    assignments: Final[tuple[Assignment, ...]]
    flow: Final[tuple[FlowStatement, ...]]
    variables: Final[tuple[tuple[str, int, int], ...]]  # name as written without ``$`` (``?``, ``LASTEXITCODE``), span

    def __init__(
        self,
        assignments: tuple[Assignment, ...],
        flow: tuple[FlowStatement, ...],
        variables: tuple[tuple[str, int, int], ...],
    ) -> None:
        self.assignments = assignments
        self.flow = flow
        self.variables = variables


def powershell_statements(text: str) -> PowerShellStatements:
    """Assignments, flow statements and variable references of a PowerShell script (cached)."""
    return _powershell_statements(text)


@lru_cache(maxsize=64)
def _powershell_statements(text: str) -> PowerShellStatements:
    from tree_sitter import Parser

    data = text.encode("utf-8", "surrogatepass")
    reader = _PowerShellReader(text, data)  # for its offset and literal-value helpers
    assignments: list[Assignment] = []
    flow: list[FlowStatement] = []
    variables: list[tuple[str, int, int]] = []
    stack = [Parser(_language(POWERSHELL)).parse(data).root_node]
    while stack:  # iterative: scripts nest without limit
        node = stack.pop()
        kind = node.type
        if kind == "comment":
            continue
        if kind == "variable":
            start, end = reader.span(node)
            variables.append((_variable_name(text[start:end]), start, end))
        elif kind == "assignment_expression":
            found = _assignment(reader, node)
            if found is not None:
                assignments.append(found)
        elif kind == "flow_control_statement" and node.children:
            keyword = reader.source(node.children[0]).casefold()
            argument = next((child for child in node.named_children if child.type != "comment"), None)
            start, end = reader.span(node)
            flow.append(FlowStatement(keyword, reader.source(argument).strip() if argument is not None else "", start, end))
        stack.extend(reversed(node.children))
    variables.sort(key=lambda item: item[1])
    return PowerShellStatements(tuple(assignments), tuple(flow), tuple(variables))


def _assignment(reader: _PowerShellReader, node: Node) -> Assignment | None:
    named = node.named_children
    left = next((child for child in named if child.type == "left_assignment_expression"), None)
    right = named[-1] if named and named[-1] is not left else None
    if left is None or right is None or right.type == "assignement_operator":
        return None
    target = reader.source(left).strip()
    leaf = _leaf(right)
    value = reader.value(leaf)[0] if leaf is not None else None
    start, end = reader.span(node)
    return Assignment(target, _variable_name(target), reader.source(right).strip(), value, start, end)


def _variable_name(written: str) -> str:
    """``$global:ErrorActionPreference`` -> ``ErrorActionPreference``; ``${x}`` -> ``x``;
    ``$PSDefaultParameterValues['a']`` -> ``PSDefaultParameterValues``."""
    name = written.lstrip("$@").strip("{}")
    name = re.split(r"[\[.]", name, maxsplit=1)[0]
    return name.rsplit(":", 1)[-1] if ":" in name and not name.startswith("?") else name
