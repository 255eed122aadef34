"""Hostile files through the whole rule set (``lint_paths``): each gets a clear
finding (rule, position, message) or a one-line message, never an internal error,
a RecursionError, unbounded memory or a hang."""

from __future__ import annotations

import itertools
import json
import os
import tracemalloc
from pathlib import Path

import pytest

from aiblint.findings import Report
from aiblint.loader import MAX_DEPTH, MAX_FILE_BYTES
from aiblint.run import lint_paths

BARE = {
    "type": "Microsoft.VirtualMachineImages/imageTemplates",
    "apiVersion": "2022-02-14",
    "location": "westus",
    "identity": {"type": "UserAssigned", "userAssignedIdentities": {"/subscriptions/0/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id": {}}},
    "properties": {
        "source": {"type": "PlatformImage", "publisher": "Canonical", "offer": "ubuntu-24_04-lts", "sku": "server", "version": "latest"},
        "customize": [{"type": "Shell", "name": "setup", "inline": ["sudo apt-get update"]}],
        "distribute": [{"type": "ManagedImage", "imageId": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Compute/images/img", "location": "westus", "runOutputName": "out"}],
    },
}


def lint(tmp_path: Path, name: str, data: bytes | str, *, select: str | None = None) -> Report:
    """Lint one file with every rule; an internal error fails the test."""
    path = tmp_path / name
    path.write_bytes(data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data)
    report = lint_paths([name], cwd=tmp_path)
    assert report.errors == [], report.errors
    return report


def found(report: Report, *rules: str) -> list[tuple[str, int, int, str]]:
    return [(f.rule, f.line, f.column, f.message) for f in report.findings if not rules or f.rule in rules]


def template(**changes: object) -> dict[str, object]:
    """BARE with ``properties`` members replaced (``None`` values kept as JSON null)."""
    body = json.loads(json.dumps(BARE))
    body["properties"].update(changes)
    return body


def test_the_base_template_is_clean(tmp_path: Path) -> None:
    assert found(lint(tmp_path, "t.json", json.dumps(BARE))) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "file is empty: there is no JSON value"),
        (b"\xef\xbb\xbf", "file is empty: there is no JSON value"),
        (b"\xef\xbb\xbf  \n\t", "file is empty: there is no JSON value"),
    ],
    ids=["empty", "only-bom", "bom-and-blanks"],
)
def test_empty_files(tmp_path: Path, data: bytes, message: str) -> None:
    assert found(lint(tmp_path, "t.json", data)) == [("AIB001", 1, 1, message)]


def test_binary_data_with_nul_bytes(tmp_path: Path) -> None:
    data = b'{"type": "Microsoft.VirtualMachineImages/imageTemplates"}\x00\x01\x02\x00'
    assert found(lint(tmp_path, "t.json", data)) == [("AIB001", 1, 58, "file is binary (it contains a NUL byte), not JSON")]


def test_random_binary_data(tmp_path: Path) -> None:
    data = bytes(range(1, 256)) * 64
    assert found(lint(tmp_path, "t.json", data)) == [
        ("AIB001", 2, 118, "file is not UTF-8: byte 0x80 cannot start or continue a UTF-8 character (ARM templates must be UTF-8)")
    ]


@pytest.mark.parametrize(
    ("encoding", "message"),
    [
        ("utf-16", "file is encoded as UTF-16 (byte order mark found); ARM templates must be UTF-8"),
        ("utf-16-le", "file is encoded as UTF-16 (every other byte is zero); ARM templates must be UTF-8"),
        ("utf-16-be", "file is not UTF-8: byte 0xfe cannot start or continue a UTF-8 character (ARM templates must be UTF-8)"),
    ],
)
def test_utf16(tmp_path: Path, encoding: str, message: str) -> None:
    text = json.dumps(BARE) if encoding != "utf-16-be" else "\ufeff" + json.dumps(BARE)
    data = text.encode(encoding)
    if encoding == "utf-16-be":  # a BOM written big-endian: FE FF
        assert data[:2] == b"\xfe\xff"
        message = "file is encoded as UTF-16 (byte order mark found); ARM templates must be UTF-8"
    assert found(lint(tmp_path, "t.json", data)) == [("AIB001", 1, 1, message)]


def test_invalid_utf8_is_reported_where_it_is(tmp_path: Path) -> None:
    data = json.dumps(BARE, indent=2).encode().replace(b'"westus"', b'"west\xc3\x28us"', 1)
    assert found(lint(tmp_path, "t.json", data)) == [
        ("AIB001", 4, 20, "file is not UTF-8: byte 0xc3 cannot start or continue a UTF-8 character (ARM templates must be UTF-8)")
    ]


def _write_large(path: Path, megabytes: int) -> None:
    """A valid JSON template of ``megabytes`` MB, written in chunks."""
    chunk = '"' + "x" * (1024 * 1024 - 4) + '",'
    with open(path, "w", encoding="utf-8") as stream:
        stream.write('{"type": "Microsoft.VirtualMachineImages/imageTemplates", "tags": [')
        for _ in range(megabytes):
            stream.write(chunk)
        stream.write('"end"]}')


def test_a_100_mb_file_is_not_read_into_memory(tmp_path: Path) -> None:
    _write_large(tmp_path / "huge.json", 101)
    assert (tmp_path / "huge.json").stat().st_size > 100 * 1024 * 1024
    tracemalloc.start()
    try:
        report = lint_paths(["huge.json"], cwd=tmp_path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert report.errors == []
    message = "file is larger than 8 MB: aiblint does not read it, and ARM rejects templates over 4 MB"
    assert found(report) == [("AIB007", 1, 1, message)]
    assert peak < 3 * MAX_FILE_BYTES, f"{peak / 1e6:.0f} MB at the peak for a 100 MB file"


def test_a_100_mb_file_in_a_folder_walk_is_skipped_quietly(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "huge.json").write_bytes(b"[" + b" " * (MAX_FILE_BYTES + 10) + b"]")
    report = lint_paths(["repo"], cwd=tmp_path)
    assert (report.errors, report.findings, report.files_checked) == ([], [], 0)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_links_to_devices_are_never_read_endlessly(tmp_path: Path) -> None:
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "zero.json").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "repo" / "fifo.json")  # opening it would wait for a writer for ever
    (tmp_path / "repo" / "t.json").write_text(json.dumps(BARE))
    report = lint_paths(["repo"], cwd=tmp_path)
    assert (report.errors, found(report), report.files_checked) == ([], [], 1)
    named = lint_paths(["repo/zero.json"], cwd=tmp_path)  # named: read up to the cap, then AIB007
    assert [(f.rule, f.line) for f in named.findings] == [("AIB007", 1)]


def test_100000_levels_of_nesting(tmp_path: Path) -> None:
    report = lint(tmp_path, "t.json", "[" * 100_000 + "]" * 100_000)
    assert found(report) == [("AIB001", 1, MAX_DEPTH + 1, f"nesting is deeper than {MAX_DEPTH} levels")]
    nested_objects = '{"a":' * 100_000 + "1" + "}" * 100_000
    assert found(lint(tmp_path, "o.json", nested_objects)) == [("AIB001", 1, 5 * MAX_DEPTH + 1, f"nesting is deeper than {MAX_DEPTH} levels")]


@pytest.mark.parametrize("field", ["customize", "source", "distribute", "vmProfile", "validate"])
def test_nesting_just_under_the_limit_inside_a_template_reaches_every_rule(tmp_path: Path, field: str) -> None:
    depth = MAX_DEPTH - 4
    body = json.dumps(template(**{field: "DEEP"})).replace('"DEEP"', "[" * depth + '"x"' + "]" * depth)
    report = lint(tmp_path, "t.json", body)
    assert [f.rule for f in report.findings if f.rule == "AIB001"] == []
    assert "AIB101" in {f.rule for f in report.findings}


def test_a_10_mb_string(tmp_path: Path) -> None:
    data = json.dumps(template(description="DESCRIPTION")).replace("DESCRIPTION", "a" * (10 * 1024 * 1024))
    assert [(f.rule, f.line, f.column) for f in lint(tmp_path, "t.json", data).findings] == [("AIB007", 1, 1)]


def test_a_7_mb_string_in_fields_rules_read(tmp_path: Path) -> None:
    body = json.loads(json.dumps(BARE))
    body["location"] = "l" * (7 * 1024 * 1024 // 2)
    body["properties"]["customize"][0]["name"] = "n" * (7 * 1024 * 1024 // 2)
    data = json.dumps(body)
    report = lint(tmp_path, "t.json", data)
    assert [(f.rule, f.line, f.column) for f in report.findings if f.rule == "AIB200"] == [("AIB200", 1, data.index('"lll') + 1)]


def _distinct_keys(count: int) -> list[str]:
    alphabet = [chr(code) for code in range(0x20, 0x7F) if chr(code) not in '"\\<>']  # <x> is a placeholder
    names = ("".join(letters) for size in itertools.count(1) for letters in itertools.product(alphabet, repeat=size))
    return list(itertools.islice(names, count))


def test_a_million_keys(tmp_path: Path) -> None:
    """A deployment template whose variables object has a million members (ARM
    allows 256): read in full (8 MB), every rule runs, the one thing to report is
    AIB241's note on its literal name (it reads the variables an expression names)."""
    keys = _distinct_keys(1_000_000)
    deployment = {"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                  "contentVersion": "1.0.0.0", "variables": "VARIABLES", "resources": [{**BARE, "name": "image"}]}
    members = ",".join(f'"{key}":0' for key in keys)
    data = json.dumps(deployment, separators=(",", ":")).replace('"VARIABLES"', "{" + members + "}")
    assert len(data) < MAX_FILE_BYTES
    report = lint(tmp_path, "t.json", data)
    assert ([rule for rule, *_ in found(report)], report.templates_checked) == (["AIB241"], 1)


@pytest.mark.parametrize(
    ("literal", "column", "message"),
    [
        ("NaN", 16, "NaN is not valid JSON; write a number or a string"),
        ("Infinity", 16, "Infinity is not valid JSON; write a number or a string"),
        ("-Infinity", 16, "-Infinity is not valid JSON"),
    ],
)
def test_nan_and_infinity(tmp_path: Path, literal: str, column: int, message: str) -> None:
    data = '{"properties": ' + literal + "}"
    assert found(lint(tmp_path, "t.json", data)) == [("AIB001", 1, column, message)]


def test_numbers_of_10000_digits(tmp_path: Path) -> None:
    data = json.dumps(template(buildTimeoutInMinutes="N"), separators=(",", ":")).replace('"N"', "9" * 10_000)
    expected = [("AIB101", 1, data.index("9" * 10) + 1, "buildTimeoutInMinutes is a number (inf); api 2022-02-14 expects an integer")]
    assert found(lint(tmp_path, "t.json", data), "AIB101") == expected
    fraction = json.dumps(BARE).replace('"latest"', '"1.' + "0" * 10_000 + '"')  # a 10,000-digit version string
    assert found(lint(tmp_path, "v.json", fraction), "AIB001", "AIB101") == []


def test_inline_that_is_a_string(tmp_path: Path) -> None:
    body = template(customize=[{"type": "Shell", "name": "setup", "inline": "sudo apt-get update"}])
    data = json.dumps(body, indent=1)
    before = data[: data.index('"sudo')]
    line, column = before.count("\n") + 1, len(before) - before.rfind("\n")
    assert found(lint(tmp_path, "t.json", data), "AIB101") == [
        ("AIB101", line, column, 'inline is a string ("sudo apt-get update"); api 2022-02-14 expects an array')
    ]


def test_customize_that_is_an_object(tmp_path: Path) -> None:
    data = json.dumps(template(customize={"type": "Shell", "name": "setup", "inline": ["true"]}))
    assert found(lint(tmp_path, "t.json", data), "AIB101") == [
        ("AIB101", 1, data.index('{"type": "Shell"') + 1, "customize is an object; api 2022-02-14 expects an array")
    ]


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"source": None}, ['"source" is missing: api 2022-02-14 requires it in properties']),
        ({"customize": [None]}, ["customize[0] is null; api 2022-02-14 expects an object"]),
        ({"customize": [{"type": None, "name": None, "inline": None}]}, ['"type" is missing: api 2022-02-14 requires it in a customizer']),
        ({"distribute": None}, ['"distribute" is missing: api 2022-02-14 requires it in properties']),
        ({"distribute": [None, {"type": None}]}, ["distribute[0] is null; api 2022-02-14 expects an object",
                                                  '"runOutputName" and "type" are missing: api 2022-02-14 requires them in a distributor']),
        ({"vmProfile": None, "validate": None}, []),
    ],
)
def test_null_where_objects_are_expected(tmp_path: Path, changes: dict[str, object], expected: list[str]) -> None:
    report = lint(tmp_path, "t.json", json.dumps(template(**changes)))
    assert [f.message for f in report.findings if f.rule.startswith("AIB1")] == expected


@pytest.mark.parametrize("root", ["null", "[]", "0", '"text"', '{"resources": null}', '{"resources": [null, 1, "x"]}'])
def test_files_that_hold_no_object_where_templates_are(tmp_path: Path, root: str) -> None:
    assert found(lint(tmp_path, "t.json", root)) == [("AIB004", 1, 1, "no image template found in this file: nothing was checked")]


def test_null_properties_and_identity(tmp_path: Path) -> None:
    body = json.loads(json.dumps(BARE))
    body["properties"] = None
    body["identity"] = None
    report = lint(tmp_path, "t.json", json.dumps(body))
    assert found(report) == [("AIB101", 1, 1, '"properties" is missing: api 2022-02-14 requires it in the image template')]


def _deployment(variables: dict[str, object], use: str) -> str:
    body = json.loads(json.dumps(BARE))
    body["name"] = "image"
    body["location"] = use
    body["properties"]["customize"][0]["inline"] = [use]
    body["properties"]["distribute"][0]["runOutputName"] = use
    return json.dumps({"$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
                       "contentVersion": "1.0.0.0", "variables": variables, "resources": [body]})


@pytest.mark.parametrize("kind", ["string", "array", "object"])
def test_a_value_doubled_through_variables_is_unknown_not_exponential(tmp_path: Path, kind: str) -> None:
    """'Billion laughs': 64 variables, each twice the one before (2^64 characters
    written out). ARM rejects a value over 1 MB; aiblint stops there, knows
    nothing, says nothing, and stays small."""
    first: object = {"string": "ab", "array": ["a", "b"], "object": {"a": "b"}}[kind]
    variables: dict[str, object] = {"v0": first}
    for index in range(1, 64):
        previous = f"[variables('v{index - 1}')]"
        variables[f"v{index}"] = {"x": previous, "y": previous} if kind == "object" else f"[concat({previous[1:-1]}, {previous[1:-1]})]"
    use = "[string(variables('v63'))]"
    tracemalloc.start()
    try:
        report = lint(tmp_path, "t.json", _deployment(variables, use))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found(report, "AIB200", "AIB101") == []
    assert peak < 200 * 1024 * 1024


@pytest.mark.parametrize(
    "expression",
    [
        "[padLeft('x', 2000000000, 'y')]",
        "[replace(replace(replace(string(range(0, 10000)), ',', ',,,,,,,,,,'), ',', ',,,,,,,,,,'), ',', ',,,,,,,,,,')]",
        "[join(range(0, 10000), string(range(0, 10000)))]",
        "[format(replace(padLeft('', 40, '-'), '-', '{0}'), string(range(0, 9000)))]",
    ],
)
def test_one_call_that_would_build_a_huge_value_is_unknown(tmp_path: Path, expression: str) -> None:
    report = lint(tmp_path, "t.json", _deployment({"v": expression}, "[variables('v')]"))
    assert found(report, "AIB200", "AIB101") == []


@pytest.mark.parametrize(
    "uri",
    ["scripts/a\u0000b.sh", "scripts/" + "a" * 300 + ".sh", "scripts/\ud93a.sh", "./" + "d/" * 3000 + "x.sh"],
    ids=["nul", "name-too-long", "lone-surrogate", "path-too-long"],
)
def test_script_uris_no_file_system_can_name(tmp_path: Path, uri: str) -> None:
    body = template(customize=[{"type": "Shell", "name": "s", "scriptUri": uri, "sha256Checksum": "0" * 64}])
    report = lint(tmp_path, "t.json", json.dumps(body))
    assert "AIB307" not in {f.rule for f in report.findings if "\u0000" in uri}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("{" + "k" * 3_000_000 + ": 1}", "property name '" + "k" * 40 + "'… must be in double quotes"),
        ('{"a": 1' + "x" * 3_000_000 + "}", "invalid number '1" + "x" * 39 + "'…"),
        ('{"a": ' + "w" * 3_000_000 + "}", "unexpected '" + "w" * 40 + "'…: a string value must be in double quotes"),
    ],
    ids=["unquoted-name", "number", "word"],
)
def test_a_huge_bad_token_is_quoted_in_40_characters(tmp_path: Path, data: str, message: str) -> None:
    assert [(f.rule, f.message) for f in lint(tmp_path, "t.json", data).findings] == [("AIB001", message)]


def test_a_message_quoting_a_huge_value_is_cut(tmp_path: Path) -> None:
    body = json.loads(json.dumps(BARE))
    body["location"] = "mars" * 1_000_000
    (aib200,) = [f for f in lint(tmp_path, "t.json", json.dumps(body)).findings if f.rule == "AIB200"]
    assert aib200.message.startswith('location "marsmars') and len(aib200.message) == 1000 and aib200.message.endswith("…")
