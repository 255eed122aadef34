"""The ARM expression parser: every construct, and errors at exact columns."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from aiblint.arm.syntax import (
    Call,
    ExpressionError,
    Index,
    IntegerLiteral,
    Property,
    StringLiteral,
    is_expression_text,
    parse,
)
from aiblint.loader import load_text
from aiblint.model import find_templates
from aiblint.values import UNKNOWN
from tests.conftest import json_findings, main_in_process


def test_function_calls_nest() -> None:
    tree = parse("[concat('a', toLower(parameters('b')))]")
    assert isinstance(tree, Call) and tree.name == "concat" and (tree.start, tree.end, tree.name_end) == (1, 38, 7)
    first, second = tree.args
    assert first == StringLiteral("a", 8, 11)
    assert isinstance(second, Call) and second.name == "toLower"
    inner = second.args[0]
    assert isinstance(inner, Call) and inner.name == "parameters" and inner.args == (StringLiteral("b", 32, 35),)


def test_quotes_are_doubled_inside_strings() -> None:
    tree = parse("['it''s ''quoted''']")
    assert tree == StringLiteral("it's 'quoted'", 1, 19)


def test_integers_including_negative() -> None:
    tree = parse("[add(-1, 42)]")
    assert isinstance(tree, Call) and tree.args == (IntegerLiteral(-1, 5, 7), IntegerLiteral(42, 9, 11))


def test_property_access_and_indexers_chain() -> None:
    tree = parse("[resourceGroup().location]")
    assert isinstance(tree, Property) and tree.name == "location" and isinstance(tree.target, Call)
    tree = parse("[variables('list')[0]['key'].name]")
    assert isinstance(tree, Property) and tree.name == "name"
    index = tree.target
    assert isinstance(index, Index) and index.index == StringLiteral("key", 22, 27)
    assert isinstance(index.target, Index) and index.target.index == IntegerLiteral(0, 19, 20)


def test_user_defined_function_has_a_namespace() -> None:
    tree = parse("[contoso.uniqueName('x')]")
    assert isinstance(tree, Call) and (tree.namespace, tree.name) == ("contoso", "uniqueName")


def test_whitespace_between_tokens() -> None:
    tree = parse("[ concat ( 'a' ,\n 'b' ) ]")
    assert isinstance(tree, Call) and [arg.value for arg in tree.args if isinstance(arg, StringLiteral)] == ["a", "b"]


@pytest.mark.parametrize(
    ("text", "expression"),
    [("[x]", True), ("[[x]", False), ("[x] ", False), ("x]", False), ("[", False), ("[]", True)],
)
def test_what_arm_evaluates(text: str, expression: bool) -> None:
    assert is_expression_text(text) is expression


@pytest.mark.parametrize(
    ("text", "message", "start", "end"),
    [
        ("[concat('a', 'b']", "missing ')' to close concat(", 16, 17),
        ("[concat('a'))]", "unexpected ')': there is no open '(' to close", 12, 13),
        ("[parameters('a')]]", "unexpected ']': there is no open '[' to close", 16, 17),
        ("[variables('a')[0]", "missing ']' to close the indexer '['", 17, 18),
        ("[concat('a)]", "string opened here is never closed (write a quote inside a string as '')", 8, 11),
        ("[if(true, 'a', 'b')]", "expected '(' after 'true': write true()", 4, 8),
        ("[concat('a' 'b')]", "expected ',' or ')' in the arguments of concat(, found string 'b'", 12, 15),
        ("[concat('a',)]", "expected a function call, a string or a number, found ')'", 12, 13),
        ("[parameters(\"a\")]", "unexpected '\"' in expression (strings in expressions use single quotes)", 12, 13),
        ("[add(1, 2) + 3]", "unexpected '+' in expression (ARM expressions have no operators: use functions such as equals() or add())", 11, 12),
        ("[resourceGroup().]", "expected a property name after '.', found end of expression", 17, 18),
        ("[variables('a')[]]", "empty indexer '[]': write an index or a property name", 15, 17),
        ("['a' 'b']", "unexpected string 'b' after the end of the expression (a missing ',' or '('?)", 5, 8),
    ],
)
def test_errors_point_at_the_exact_character(text: str, message: str, start: int, end: int) -> None:
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert (caught.value.message, caught.value.start, caught.value.end) == (message, start, end)


def _deployment(value: str, parameters: dict[str, object] | None = None) -> str:
    """A deployment template whose image template's name (line 5) is ``value``."""
    return (
        '{\n  "parameters": ' + json.dumps(parameters or {"p": {"type": "string"}}) + ',\n  "resources": [{\n'
        '    "type": "Microsoft.VirtualMachineImages/imageTemplates",\n'
        f'    "name": {json.dumps(value)}\n'
        "  }]\n}\n"
    )


@pytest.mark.parametrize(
    ("value", "column", "message"),
    [
        ("[concat('a', parameters('p')]", 42, "missing ')' to close concat("),
        ("[concat('a'))]", 26, "unexpected ')': there is no open '(' to close"),
        ("[toLowr(parameters('p'))]", 15, "unknown function toLowr(); did you mean toLower()?"),
        ("[toLower(parameters('p'), 'x')]", 15, "toLower() takes exactly 1 argument, 2 given"),
        ("[substring()]", 15, "substring() takes 1 to 3 arguments, 0 given"),
        ("[concat(parameters('P2'))]", 33, "parameter 'P2' is not declared in this template's parameters"),
        ("[variables('v')]", 25, "variable 'v' is not declared in this template's variables"),
        ("[ns.fn()]", 15, "unknown function ns.fn(): no user-defined function of that name in this template's 'functions'"),
    ],
)
def test_aib005_reports_at_the_column_inside_the_string(write, value: str, column: int, message: str) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _deployment(value))
    findings = json_findings("--select", "AIB005", "t.json")
    assert [(f["line"], f["column"], f["message"]) for f in findings] == [(5, column, f"invalid ARM expression: {message}")]


def test_columns_count_json_escapes(write) -> None:  # type: ignore[no-untyped-def]
    # "\u0041" and '\"' are one character each of the value, written as six and two
    text = _deployment("x").replace('"x"', '"[concat(\'\\u0041\', \'\\"\', toLowr(\'a\'))]"')
    write("t.json", text)
    findings = json_findings("--select", "AIB005", "t.json")
    assert [(f["line"], f["column"], f["end_column"]) for f in findings] == [(5, 38, 44)]


def test_names_are_case_insensitive_and_suggested(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _deployment("[CONCAT(Parameters('imageName'), TOLOWER('A'))]", {"ImageName": {"type": "string"}}))
    assert json_findings("--select", "AIB005", "t.json") == []
    write("t.json", _deployment("[parameters('imagename2')]", {"ImageName": {"type": "string"}}))
    [finding] = json_findings("--select", "AIB005", "t.json")
    assert finding["message"].endswith("parameter 'imagename2' is not declared in this template's parameters; did you mean 'ImageName'?")


def test_bare_resources_are_not_evaluated(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", '{"type": "Microsoft.VirtualMachineImages/imageTemplates", "name": "[concat(]"}')
    assert json_findings("--select", "AIB005", "t.json") == []


def test_literal_escape_and_copy_loops_and_user_functions(write) -> None:  # type: ignore[no-untyped-def]
    template = {
        "functions": [{"namespace": "acme", "members": {"name": {"parameters": [{"name": "x", "type": "string"}],
                                                                   "output": {"type": "string", "value": "[parameters('x')]"}}}}],
        "parameters": {"count": {"type": "int", "defaultValue": 2}},
        "variables": {"copy": [{"name": "disks", "count": 2, "input": "[copyIndex('disks')]"}]},
        "resources": [{
            "type": "Microsoft.VirtualMachineImages/imageTemplates",
            "name": "[acme.name('x')]",
            "copy": {"name": "loop", "count": "[parameters('count')]"},
            "tags": {"literal": "[[not an expression]", "disks": "[variables('disks')]", "i": "[copyIndex()]"},
            "properties": {"copy": [{"name": "customize", "count": 2, "input": {"type": "Shell", "inline": ["[string(copyIndex('customize'))]"]}}]},
        }],
        "outputs": {"n": {"type": "string", "value": "[acme.name('y', 'z')]", "metadata": {"x": "[not checked"}}},
    }
    write("t.json", json.dumps(template, indent=2))
    findings = json_findings("--select", "AIB005", "t.json")
    assert [f["message"] for f in findings] == ["invalid ARM expression: acme.name() takes 1 argument, 2 given"]


def test_nested_templates_use_their_own_scope_when_inner(write) -> None:  # type: ignore[no-untyped-def]
    def nested(scope: str) -> dict[str, object]:
        return {
            "type": "Microsoft.Resources/deployments",
            "properties": {
                "expressionEvaluationOptions": {"scope": scope},
                "parameters": {"inner": {"value": "[parameters('outer')]"}},
                "template": {
                    "parameters": {"inner": {"type": "string"}},
                    "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "[parameters('inner')]"}],
                },
            },
        }

    write("t.json", json.dumps({"parameters": {"outer": {"type": "string"}}, "resources": [nested("inner")]}, indent=2))
    assert json_findings("--select", "AIB005", "t.json") == []
    write("t.json", json.dumps({"parameters": {"outer": {"type": "string"}}, "resources": [nested("outer")]}, indent=2))
    [finding] = json_findings("--select", "AIB005", "t.json")
    assert finding["message"] == "invalid ARM expression: parameter 'inner' is not declared in this template's parameters"


def test_a_literal_that_looks_like_an_expression_gets_the_escape_hint(write) -> None:  # type: ignore[no-untyped-def]
    write("t.json", _deployment("[ -d /opt ]"))
    [finding] = json_findings("--select", "AIB005", "t.json")
    assert (finding["column"], finding["message"]) == (
        16,
        "invalid ARM expression: unexpected '-' in expression; "
        "if this text is meant literally (a shell test, a JSON array), start it with '[['",
    )
    write("t.json", _deployment("[[ -d /opt ]"))
    assert json_findings("--select", "AIB005", "t.json") == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet="()[],.' abc0-1_$\"\n", max_size=40))
def test_any_text_parses_or_fails_cleanly(body: str) -> None:
    text = f"[{body}]"
    if not is_expression_text(text):
        return
    try:
        parse(text)
    except ExpressionError as error:
        assert 0 <= error.start < error.end <= len(text)


def test_deep_nesting_is_an_error_not_a_crash(write) -> None:  # type: ignore[no-untyped-def]
    deep = "[" + "concat(" * 500 + "'x'" + ")" * 500 + "]"
    with pytest.raises(ExpressionError, match="nests too deeply"):
        parse(deep)
    chain = {f"v{i}": f"[variables('v{i + 1}')]" for i in range(2000)}
    chain["v2000"] = "end"
    template = {"variables": chain, "resources": [{"type": "Microsoft.VirtualMachineImages/imageTemplates", "location": "[variables('v0')]"}]}
    [image] = find_templates(load_text(json.dumps(template), "t.json"))
    assert image.location is not None and image.resolve(image.location).value is UNKNOWN
    write("t.json", json.dumps(template))
    code, out = main_in_process("--format", "json", "t.json")
    assert code in (0, 1) and json.loads(out)["errors"] == []


# -- the fast path for [name('text')] builds the tree the tokenizer and parser build ----


def _full_parse(text: str) -> object:
    """``parse`` without its fast path: the tokenizer and the parser, or the error."""
    from aiblint.arm.syntax import _tokens_parsed

    try:
        return _tokens_parsed(text, len(text) - 1)
    except ExpressionError as error:
        return (error.message, error.start, error.end)


def _parse_or_error(text: str) -> object:
    try:
        return parse(text)
    except ExpressionError as error:
        return (error.message, error.start, error.end)


def test_one_string_calls_parse_as_the_parser_would() -> None:
    tree = parse("[parameters('it is')]")
    assert tree == Call("parameters", (StringLiteral("it is", 12, 19),), 1, 20, 11)
    assert tree == _full_parse("[parameters('it is')]")
    for text in ("[p-x$_('')]", "[a('x''y')]", "[a( 'x')]", "[a.b('x')]", "[a('x').b]", "[a('x')[0]]", "[a('x\n')]"):
        assert _parse_or_error(text) == _full_parse(text), text


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.from_regex(r"\[[A-Za-z_$ .][A-Za-z0-9_$ .\-]{0,6}\( ?'[a-z' .()\[\]\n]{0,8}' ?\)[\]. ]{1,2}", fullmatch=True))
def test_near_one_string_calls_parse_as_the_parser_would(text: str) -> None:
    if is_expression_text(text):
        assert _parse_or_error(text) == _full_parse(text)


def test_corpus_expressions_parse_as_the_parser_would() -> None:
    from tests.conftest import CORPUS, WILD, need_shared

    need_shared()
    texts: set[str] = set()
    for path in sorted(CORPUS.rglob("*.json")) + sorted(WILD.rglob("*.json")):
        try:
            stack: list[object] = [json.loads(path.read_bytes())]
        except ValueError:  # the corpus holds broken files on purpose
            continue
        while stack:
            value = stack.pop()
            if isinstance(value, dict):
                stack += value.values()
            elif isinstance(value, list):
                stack += value
            elif isinstance(value, str) and is_expression_text(value) and value != "[]":
                texts.add(value)
    assert len(texts) > 150
    for text in sorted(texts):
        assert _parse_or_error(text) == _full_parse(text), text
