"""The ``aiblint`` command: a thin shell over :func:`aiblint.run.lint_paths`.

Exit codes: 0 nothing at or above ``--fail-on``; 1 findings; 2 usage or
internal error. Imports stay light at module level so ``--version`` is fast.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import io
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from aiblint import __version__
from aiblint.constants import PROGRAM

if TYPE_CHECKING:
    from aiblint.collector import Collector
    from aiblint.config import Config
    from aiblint.findings import Report
    from aiblint.fixes import FileChange
    from aiblint.registry import RuleSet
    from aiblint.rule import Rule

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
BUILTIN_FORMATS = ("text", "json", "sarif", "github", "azure-devops")
FAIL_ON = ("error", "warning", "note", "none")
COLOR = ("auto", "always", "never")


class UsageError(Exception):
    """Bad command line or configuration: one line on stderr, exit 2."""


class Parser(argparse.ArgumentParser):
    """argparse, with usage errors as one line and a suggestion instead of the usage block."""

    _checker: argparse.HelpFormatter | None = None
    _adding = False

    def error(self, message: str) -> NoReturn:
        raise UsageError(message.removeprefix("argument "))

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        self._adding = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._adding = False

    def _get_formatter(self) -> argparse.HelpFormatter:
        # add_argument makes a help formatter (which asks the terminal its size) for each argument
        # only to check its metavar against nargs: a check that keeps no state in the formatter, so
        # one formatter checks them all (~0.3 ms of 33 arguments). Help and usage get a new one.
        if not self._adding:
            return super()._get_formatter()
        if self._checker is None:
            self._checker = super()._get_formatter()
        return self._checker

    def parse_args(self, args: Sequence[str] | None = None, namespace: None = None) -> argparse.Namespace:  # type: ignore[override]
        options, extra = self.parse_known_args(args, namespace)
        if extra:
            raise UsageError(self._unknown(extra))
        return options

    def _unknown(self, extra: list[str]) -> str:
        from aiblint.suggest import did_you_mean

        word = next((item for item in extra if item.startswith("-") and item != "-"), None)
        if word is None:
            return f"unexpected argument {extra[0]!r}"
        word = word.split("=", 1)[0]
        options = [option for option in self._option_string_actions if option.startswith("--")]
        return f"unknown option {word}{did_you_mean(word, options)}"


class _HelpFormatter(argparse.HelpFormatter):
    """Lines wrap between words only: ``azure-devops`` stays one word in ``--help``."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)


def _choice(name: str, choices: Sequence[str]) -> Callable[[str], str]:
    """An argparse type that accepts one of ``choices``, suggesting the closest otherwise."""

    def accept(text: str) -> str:
        if text in choices:
            return text
        from aiblint.suggest import did_you_mean

        raise argparse.ArgumentTypeError(f"unknown {name} {text!r}{did_you_mean(text, choices)}; use one of {', '.join(choices)}")

    accept.__name__ = name
    return accept


def _codes(text: str) -> list[str]:
    return [code.strip() for code in text.split(",") if code.strip()]


def _jobs(text: str) -> int:
    try:
        number = int(text)
    except ValueError:
        number = -1
    if number < 0:
        raise argparse.ArgumentTypeError(f"expected a number of processes (0 or more), got {text!r}")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog=PROGRAM,
        formatter_class=_HelpFormatter,
        description="Lint Azure Image Builder templates and the scripts they run.",
        epilog="Also: 'aiblint rules [PREFIX]' lists the rules; 'aiblint rule ID' explains one; 'aiblint config' shows the effective configuration; 'aiblint lsp' runs the language server; 'aiblint server' keeps a warm process that --server runs through. Exit codes: 0 clean, 1 findings, 2 usage or internal error.",
    )
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to lint ('-' reads standard input; default: .)")
    parser.add_argument("--format", "-f", help=f"output format: {', '.join(BUILTIN_FORMATS)}, or a plugin's (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE instead of standard output")
    parser.add_argument("--select", type=_codes, action="append", metavar="CODES", help="only these rule ids or prefixes (comma-separated)")
    parser.add_argument("--ignore", type=_codes, action="append", metavar="CODES", help="skip these rule ids or prefixes (comma-separated)")
    parser.add_argument(
        "--fail-on", type=_choice("severity", FAIL_ON), metavar="{" + ",".join(FAIL_ON) + "}",
        help="lowest severity that makes the exit code 1 (default: warning; notes are advice); none: findings never do",
    )
    parser.add_argument("--exit-zero", action="store_true", help="the same as --fail-on none: report findings, exit 0")
    parser.add_argument("--stdin-filename", metavar="PATH", help="the name to report for '-' (standard input)")
    parser.add_argument(
        "--skip-non-templates", action="store_true",
        help="treat named files like files found in a folder: skip quietly those that hold no image template "
        "or match 'exclude' (the pre-commit hook passes every changed JSON file)",
    )
    parser.add_argument(
        "--parameters", "-p", action="append", metavar="FILE",
        help="ARM parameters file for the deployment templates (repeatable: each file is one deployment, checked on its own). "
        "Default: x.parameters.json beside x.json, or azuredeploy.parameters.json",
    )
    parser.add_argument(
        "--no-respect-gitignore", dest="respect_gitignore", action="store_false",
        help="walk folders without skipping what .gitignore files ignore",
    )
    parser.add_argument(
        "--root", metavar="FOLDER",
        help="the repository root: no file outside it is read, and configuration is not looked for above it "
        "(default: the git top level of each linted path, else the folder named)",
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: the nearest .aiblint.toml or pyproject.toml)")
    parser.add_argument(
        "--fetch", action="store_true",
        help="download referenced scripts that no local file or script-roots mapping stands for (cached; off by default)",
    )
    parser.add_argument(
        "--fetch-files", action="store_true",
        help="with --fetch, download the files of File customizers and ISO sources too (to compare their checksums)",
    )
    baseline = parser.add_mutually_exclusive_group()
    baseline.add_argument(
        "--baseline", metavar="FILE",
        help="findings recorded in FILE (by --write-baseline) are shown as suppressed and do not fail the run",
    )
    baseline.add_argument(
        "--write-baseline", metavar="FILE",
        help="record every finding that is not suppressed in the files into FILE, accepting them; the run then passes",
    )
    parser.add_argument("--show-suppressed", action="store_true", help="text output: list suppressed findings too")
    parser.add_argument("--quiet", "-q", action="store_true", help="findings only: no run notes, no summary line")
    parser.add_argument(
        "--statistics", action="store_true", help="text output: how many findings of each rule (most first), not the findings",
    )
    parser.add_argument(
        "--sarif-include-suppressed", action="store_true",
        help="SARIF: keep suppressed and baselined findings, marked with 'suppressions' (GitHub code scanning ignores "
        "the mark and would open alerts for them, so they are left out by default)",
    )
    parser.add_argument(
        "--sarif-category", metavar="NAME",
        help="SARIF: the analysis category (automationDetails.id); default: none, so upload-sarif's 'category:' applies",
    )
    parser.add_argument("--fix", action="store_true", help="apply the safe, mechanical fixes in place, then report what is left")
    parser.add_argument(
        "--diff", action="store_true",
        help="print what --fix would change as a unified diff and change nothing (exit 1 when there is something to fix)",
    )
    parser.add_argument(
        "--jobs", "-j", type=_jobs, default=1, metavar="N",
        help="lint in N worker processes (0: one per processor; default: 1); the report is the same",
    )
    parser.add_argument(
        "--no-cache", action="store_true",
        help="lint every file again instead of reusing the results of unchanged files (cache folder: AIBLINT_CACHE_DIR, "
        "else the user cache folder)",
    )
    parser.add_argument(
        "--show-source", action=argparse.BooleanOptionalAction, default=None,
        help="text output: show the source line under each finding (default: on a terminal with colour)",
    )
    parser.add_argument("--show-links", action="store_true", help="text output: end each finding with the page that explains its rule")
    parser.add_argument("--color", type=_choice("colour choice", COLOR), default="auto", metavar="{auto,always,never}", help="colour in text output")
    parser.add_argument(
        "--server", action="store_true",
        help="run through the resident server of this repository ('aiblint server'; also AIBLINT_SERVER=1), "
        "starting one for the next run when none answers; without one, run as usual",
    )
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    parser.add_argument("--version", action="version", version=f"{PROGRAM} {__version__}")
    return parser


def _lint_parser() -> argparse.ArgumentParser:
    """The lint command's parser, built once per process: it depends on nothing but this module,
    and parsing leaves it as it was. A resident server's warm-up builds it, so its requests'
    children do not (about 1.5 ms each). ``aiblint config`` changes its own copy: not this one."""
    global _parser
    if _parser is None:
        _parser = build_parser()
    return _parser


_parser: argparse.ArgumentParser | None = None


class _ClosedOutput(io.StringIO):
    """Standard output when the process was started with it closed (``aiblint . >&-``):
    writing the report to it is an error the run reports, not a crash on ``None``."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    out = stdout or sys.stdout or _ClosedOutput()
    from aiblint.termination import EXIT_TERMINATED, Terminated

    try:
        code = _command(arguments, out)
        out.flush()  # here, not at exit: a full disk is reported like any other failed write
        return code
    except Terminated:  # SIGTERM: unwound (temporary files removed, workers stopped); no report
        print(f"{PROGRAM}: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except UsageError as error:
        print(f"{PROGRAM}: error: {error}", file=sys.stderr)
        _write_failed_sarif(arguments, str(error))
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # the reader stopped reading (aiblint . | head): no traceback
        _discard_stdout()
        return EXIT_FINDINGS
    except OSError as error:  # standard output on a full disk or closed, the working folder deleted
        _discard_stdout()
        print(f"{PROGRAM}: error: {_output_error(error)}", file=sys.stderr)
        return EXIT_USAGE


def _command(arguments: list[str], out: TextIO) -> int:
    if arguments[:1] == ["rules"]:
        return _list_rules(arguments[1:], out)
    if arguments[:1] == ["rule"]:
        return _explain_rule(arguments[1:], out)
    if arguments[:1] == ["lsp"]:
        return _language_server(arguments[1:])
    if arguments[:1] == ["config"]:
        return _show_config(arguments[1:], out)
    from aiblint.collector import Collector
    from aiblint.parallel import workers_reaped_later
    from aiblint.termination import sigterm_unwinds

    # The garbage collector rests while the command imports, then never walks the imports again, and the
    # exit's collection is skipped: P1 128 -> 115 ms CPU, the corpus 1,203 -> 1,139 ms (aiblint/collector.py).
    # -j workers done with their chunks are reaped once the report is written, not before the filter runs.
    with sigterm_unwinds(), Collector() as collector, workers_reaped_later():
        return _lint(_lint_parser().parse_args(arguments), out, collector)


def _output_error(error: OSError) -> str:
    reason = error.strerror or str(error)
    return f"cannot write the report: {reason}" if error.filename is None else f"{error.filename}: {reason}"


def _discard_stdout() -> None:
    """What is left in standard output's buffer goes nowhere: flushing it again at
    exit would print a traceback after the one-line error."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _working_folder() -> Path:
    try:
        return Path.cwd()
    except OSError as error:
        raise UsageError(f"cannot read the working folder (was it deleted?): {error.strerror or error}") from None


def _check_codes(config: Config) -> None:
    """A rule id that matches nothing is a typo that would silently do nothing
    (``AIB2O1`` with a letter O), wherever the configuration names rules."""
    from aiblint.registry import available_rule_ids
    from aiblint.selection import unknown_codes

    ids = available_rule_ids()
    named = {
        "select": config.select or [],
        "ignore": config.ignore,
        "severity": list(config.severity),
        "per-file-ignores": [code for codes in config.per_file_ignores.values() for code in codes],
    }
    for key, codes in named.items():
        if not codes:  # most runs name none: no need to fold every rule id
            continue
        unknown = unknown_codes(codes, ids)
        if unknown:
            origin = config.origins.get(key, "command line")
            hint = _rule_hint(unknown[0], ids) if len(unknown) == 1 else ""
            raise UsageError(f"{origin}: '{key}' names no known rule: {', '.join(unknown)}{hint} (see 'aiblint rules')")


def _rule_hint(code: str, ids: Sequence[str]) -> str:
    """`` (did you mean AIB201?)``: letters typed for digits (``AIB2O1``) first, then the closest id."""
    from aiblint.suggest import did_you_mean

    head = len(code) - len(code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))  # the family letters
    digits = code[:head] + code[head:].translate(str.maketrans("OIL", "011"))
    if digits != code and digits in ids:
        return f" (did you mean {digits}?)"
    return did_you_mean(code, ids)


def _check_script_roots(config: Config, cwd: Path) -> None:
    """A ``script-roots`` folder that does not exist is a typo: say so once, naming
    the key, rather than reporting every script under it as missing (AIB307)."""
    from aiblint.scripts.settings import ScriptSettings

    roots = ScriptSettings.from_config(config, cwd).roots
    for prefix, (folder, _) in config.script_roots.items():
        target = next((root.folder for root in roots if root.prefix == prefix), None)
        if target is not None and not target.is_dir():
            origin = config.origins.get("script-roots", "command line")
            raise UsageError(f"{origin}: 'script-roots.{prefix}': folder {folder} does not exist ({target})")


def _lint(options: argparse.Namespace, out: TextIO, collector: Collector) -> int:
    from aiblint.config import ConfigError, rule_options
    from aiblint.registry import PluginError

    if options.debug:
        os.environ["AIBLINT_DEBUG"] = "1"
    cwd = _working_folder()
    config = _config(options, cwd)
    if options.write_baseline:
        config.baseline = None  # the baseline being written replaces any other
        config.fingerprint_key = _baseline_key(cwd / options.write_baseline)
    _stdin_paths(options)
    if options.fix and "-" in options.paths:
        raise UsageError("--fix changes files in place; it cannot read standard input")
    if options.diff and "-" in options.paths:
        raise UsageError("--diff compares files on disk with their fixed text; it cannot read standard input")
    from aiblint.registry import RuleSet
    from aiblint.run import lint_paths
    from aiblint.selection import Selection

    _check_codes(config)
    _check_script_roots(config, cwd)
    if options.statistics and config.format != "text":
        raise UsageError(f"--statistics prints a text table; it cannot be combined with --format {config.format}")
    # Imported when a file is linted: a run whose results all come from the cache imports no rule.
    rules = RuleSet.load(Selection.of(config.select, config.ignore), rule_options(config), lazy=True)
    formatter_class = _formatter_class(config)

    def run() -> Report:
        collector.settle()  # imported: linting starts
        try:
            return lint_paths(
                options.paths or ["."],
                config=config,
                cwd=cwd,
                stdin_filename=options.stdin_filename,
                rules=rules,
                skip_non_templates=options.skip_non_templates,
                jobs=options.jobs,
                cache=not options.no_cache,
                respect_gitignore=options.respect_gitignore,
            )
        except (ConfigError, PluginError) as error:  # an unreadable baseline, a broken rule plugin
            raise UsageError(str(error)) from None

    report = run()
    if options.diff:
        return _preview_fixes(report, rules, config, cwd, out)
    if options.fix:
        report = _fix(report, rules, config, cwd, run)
    if options.write_baseline:
        report = _write_baseline(report, options.write_baseline, cwd, config.fingerprint_key)
    stream = _open_output(options.output, out)
    color = _use_color(options.color, stream, config.format)
    # Code frames follow the terminal unless asked: a CI log can show source lines without colour.
    show_source = options.show_source if options.show_source is not None else color
    sources = _sources(report) if show_source and config.format == "text" else None
    formatter = formatter_class(_rule_infos(rules, cached=not options.no_cache), color=color, sources=sources)
    formatter.show_suppressed = options.show_suppressed or options.sarif_include_suppressed
    formatter.category = options.sarif_category
    formatter.fail_on = config.fail_on
    formatter.root = config.root
    if config.format == "text":
        formatter.quiet = options.quiet
        formatter.statistics = options.statistics
        formatter.show_links = options.show_links
        formatter.clean_summary = _isatty(stream)
    try:
        try:
            formatter.write(report, stream)
            stream.flush()
        finally:
            if stream is not out:
                stream.close()
    except BrokenPipeError:
        raise
    except OSError as error:
        _discard_stdout()
        where = options.output or "standard output"
        raise UsageError(f"cannot write the report to {where}: {error.strerror or error}") from None
    from aiblint.formatters.text import printable  # one line each, whatever a file name or an error holds
    from aiblint.redact import redact  # (a note may quote a file)

    for problem in report.errors:
        print(f"{PROGRAM}: {printable(problem.path)}: {printable(redact(problem.message))}", file=sys.stderr)
    for warning in report.warnings:
        print(f"{PROGRAM}: warning: {printable(redact(warning))}", file=sys.stderr)
    for note in [] if options.quiet or getattr(formatter, "writes_notes", False) else report.notes:
        print(f"{PROGRAM}: note: {printable(redact(note))}", file=sys.stderr)
    return report.exit_code(config.fail_on)


def _stdin_paths(options: argparse.Namespace) -> None:
    """``--stdin-filename`` names standard input: alone, it reads it (as ruff does);
    with paths that do not include '-', it is a mistake that would lint the wrong files."""
    if options.stdin_filename is None or "-" in options.paths:
        return
    if options.paths:
        raise UsageError("--stdin-filename names standard input, but '-' is not among the paths: add '-' to read it")
    options.paths = ["-"]


def _config_start(paths: Sequence[str], cwd: Path) -> Path:
    """Where the search for the configuration file starts: the first linted path
    (``aiblint repo/t.json`` from elsewhere uses ``repo``'s configuration), else the working folder."""
    for raw in paths:
        if raw == "-":
            continue
        path = Path(os.path.abspath(cwd / raw))  # without '..': the file found is named plainly
        return path if path.is_dir() else path.parent
    return cwd


def _config(options: argparse.Namespace, cwd: Path) -> Config:
    """The configuration file's settings, then the command line's."""
    from aiblint.config import ConfigError, check_settings, load_config

    try:
        root = _root(options.root, cwd)
        start = _config_start(getattr(options, "paths", []), cwd)
        config = load_config(start, Path(options.config) if options.config else None, root)
        config.fetch_files = bool(getattr(options, "fetch_files", False))
        config.apply(check_settings(_cli_settings(options), "command line"), "command line")
    except ConfigError as error:
        raise UsageError(str(error)) from None
    return config


def _root(value: str | None, cwd: Path) -> Path | None:
    if value is None:
        return None
    root = (cwd / value).resolve()
    if not root.is_dir():
        raise UsageError(f"--root {value}: not a folder")
    return root


def _preview_fixes(report: Report, rules: RuleSet, config: Config, cwd: Path, out: TextIO) -> int:
    from aiblint.fixes import plan_fixes, relinter, unified_diff
    from aiblint.formatters.text import printable

    changes, problems = plan_fixes(report, cwd, relinter(report, rules, config, cwd))
    masked = _secret_mask(report, changes, rules)
    diff, omitted = unified_diff(changes, lambda line: masked(line) == line)
    out.write(_masked_diff(diff, masked))
    for problem in problems:
        print(f"{PROGRAM}: {problem}", file=sys.stderr)
    for place in omitted:
        print(f"{PROGRAM}: {printable(place)}: a fix is left out of the diff: a line it changes or ends next to "
              f"holds a secret, which the diff would show masked and git apply would then reject; --fix makes it",
              file=sys.stderr)
    fixes = sum(change.fixed for change in changes)
    print(f"{PROGRAM}: {_count(fixes, 'fix', 'fixes')} would change {_count(len(changes), 'file')}", file=sys.stderr)
    return EXIT_FINDINGS if changes else EXIT_OK


def _secret_mask(report: Report, changes: Sequence[FileChange], rules: RuleSet) -> Callable[[str], str]:
    """A line of a changed file with every secret masked, as every other output
    shows it: those the secret rules found in the changed files, then what the
    detectors find in the line."""
    from aiblint.redact import redact
    from aiblint.secrets import mask

    secret_rules = {rule.id for rule in rules.rules if "secret" in rule.tags}
    texts = {change.display: change.before.split("\n") for change in changes}
    found = {_written(texts[f.path], f.line, f.column, f.end_line, f.end_column) for f in report.findings
             if f.rule in secret_rules and f.path in texts}
    for change in changes:  # whatever rules ran: a detector does not see a secret in a line of JSON text
        found |= _json_secrets(change.before) | _json_secrets(change.after)
    values = sorted(found - {""}, key=len, reverse=True)

    def masked(line: str) -> str:
        for value in values:
            line = line.replace(value, mask(value))
        return redact(line)

    return masked


def _json_secrets(text: str) -> set[str]:
    """The text, as written, of every secret the detectors find in the strings of a JSON file."""
    from aiblint.jsontree import JsonString, walk
    from aiblint.loader import load_text
    from aiblint.secrets import scan_text
    from aiblint.textmap import source_offset

    root = load_text(text, "").root
    if root is None:
        return set()
    return {text[source_offset(text, node, match.start):source_offset(text, node, match.end)]
            for node in walk(root) if isinstance(node, JsonString) for match in scan_text(node.text)}


def _masked_diff(diff: str, masked: Callable[[str], str]) -> str:
    """The diff with every secret masked (the diff leaves lines holding one out
    of its hunks; this is the safety net)."""
    lines = diff.split("\n")
    for index, line in enumerate(lines):
        if line[:1] in (" ", "+", "-") and not line.startswith(("--- a/", "+++ b/")):
            lines[index] = line[0] + masked(line[1:])
    return "\n".join(lines)


def _written(lines: list[str], line: int, column: int, end_line: int, end_column: int) -> str:
    """The text of a one-line span (columns in code points, 1-based)."""
    if line != end_line or not 0 < line <= len(lines):
        return ""
    return lines[line - 1][column - 1 : end_column - 1]


def _fix(report: Report, rules: RuleSet, config: Config, cwd: Path, run: Callable[[], Report]) -> Report:
    """Apply the fixes, then lint again: the report is what is left."""
    from aiblint.fixes import plan_fixes, relinter, write_changes

    changes, problems = plan_fixes(report, cwd, relinter(report, rules, config, cwd))
    written, skipped, errors = write_changes(changes)
    for problem in problems + skipped:
        print(f"{PROGRAM}: {problem}", file=sys.stderr)
    if written:
        fixed = sum(change.fixed for change in written)
        print(f"{PROGRAM}: fixed {_count(fixed, 'problem')} in {_count(len(written), 'file')}", file=sys.stderr)
        report = run()
    report.errors += errors  # a file that could not be written is as it was: the run fails
    return report


def _write_baseline(report: Report, name: str, cwd: Path, key: str | None) -> Report:
    """Record the findings that are not suppressed; they are accepted from now on."""
    from aiblint.baseline import Baseline
    from aiblint.config import ConfigError

    baseline = Baseline.of(report.findings, name, key)
    try:
        baseline.write(cwd / name)
    except ConfigError as error:
        raise UsageError(str(error)) from None
    print(f"{PROGRAM}: wrote {_count(len(report.active), 'finding')} to the baseline {name}", file=sys.stderr)
    report.findings[:] = baseline.apply(report.findings, set())
    return report


def _baseline_key(path: Path) -> str:
    """The key of secret fingerprints: the existing baseline's (so that rewriting
    it changes nothing), else a new random one."""
    import secrets

    from aiblint.baseline import Baseline

    return Baseline.key_of(path) or secrets.token_hex(32)


def _count(number: int, word: str, plural: str = "") -> str:
    return f"{number} {word if number == 1 else plural or word + 's'}"


def _show_config(arguments: list[str], out: TextIO) -> int:
    """``aiblint config``: the effective configuration, and where each value came from."""
    parser = build_parser()
    parser.prog = f"{PROGRAM} config"
    parser.description = "Print the effective configuration (valid TOML), and where each value came from."
    options = parser.parse_args(arguments)
    from aiblint.config_view import render

    out.write(render(_config(options, _working_folder())))
    return EXIT_OK


def _cli_settings(options: argparse.Namespace) -> dict[str, object]:
    settings: dict[str, object] = {}
    if options.select:
        settings["select"] = [code for group in options.select for code in group]
    if options.ignore:
        settings["ignore"] = [code for group in options.ignore for code in group]
    if options.fail_on or options.exit_zero:
        settings["fail-on"] = "none" if options.exit_zero else options.fail_on
    if options.format:
        settings["format"] = options.format
    if options.fetch or options.fetch_files:
        settings["fetch"] = True
    if options.parameters:
        settings["parameters"] = options.parameters
    if options.baseline:
        settings["baseline"] = options.baseline
    return settings


def _formatter_class(config: Config) -> type:
    from aiblint.constants import FORMATTER_ENTRY_POINTS
    from aiblint.entrypoints import entry_points
    from aiblint.registry import PluginError, formatter_class
    from aiblint.suggest import did_you_mean

    name = config.format
    try:
        found = formatter_class(name)
    except PluginError as error:
        raise UsageError(str(error)) from None
    if found is None:
        origin = config.origins.get("format", "command line")
        where = "--format" if origin == "command line" else f"{origin}: 'format'"
        known = sorted({entry.name for entry in entry_points(FORMATTER_ENTRY_POINTS)} | set(BUILTIN_FORMATS))
        raise UsageError(f"{where}: unknown format {name!r}{did_you_mean(name, known)}; built in: {', '.join(BUILTIN_FORMATS)}")
    return found


def _open_output(path: str | None, default: TextIO) -> TextIO:
    if not path:
        return default
    try:
        return open(path, "w", encoding="utf-8", newline="\n")
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror}") from None


def _use_color(choice: str, stream: TextIO, fmt: str) -> bool:
    """``--color``, else NO_COLOR (no-color.org: only a non-empty value counts), else
    FORCE_COLOR, else a terminal that is not ``TERM=dumb``."""
    if fmt != "text" or choice == "never":
        return False
    if choice == "always":
        return True
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return _isatty(stream) and os.environ.get("TERM") != "dumb"


def _isatty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


def _sources(report: object) -> dict[str, str]:
    """File texts for code frames (terminal output only)."""
    texts: dict[str, str] = {}
    for finding in getattr(report, "findings", []):
        if finding.path not in texts:
            try:
                texts[finding.path] = Path(finding.path).read_text(encoding="utf-8-sig", errors="replace")
            except OSError:
                texts[finding.path] = ""
    return texts


def _rule_infos(rules: RuleSet, cached: bool) -> Mapping[str, object]:
    from aiblint.registry import PluginError, rule_infos_of

    try:
        if not cached:  # from the rules: aiblint.cache (and its hashlib) only for a run that uses the cache
            return rule_infos_of(rules.rules)
        from aiblint.cache import rule_infos

        return rule_infos(rules)
    except PluginError as error:
        raise UsageError(str(error)) from None


def _all_rules() -> list[Rule]:
    from aiblint.registry import PluginError, RuleSet

    try:
        return RuleSet.load_all().rules
    except PluginError as error:
        raise UsageError(str(error)) from None


def _list_rules(arguments: list[str], out: TextIO) -> int:
    parser = Parser(prog=f"{PROGRAM} rules", description="List every rule, or those whose id starts with PREFIX.")
    parser.add_argument("prefixes", nargs="*", metavar="PREFIX", help="rule ids or prefixes (AIB2, SC)")
    parser.add_argument("--format", type=_choice("format", ("text", "json")), default="text", metavar="{text,json}")
    options = parser.parse_args(arguments)
    rules = _all_rules()
    if options.prefixes:
        from aiblint.selection import Selection

        selection = Selection.of(options.prefixes, ())
        rules = [rule for rule in rules if selection.plugin_enabled(rule.id)]
        if not rules:
            raise UsageError(f"no rule id starts with {', '.join(options.prefixes)}{_rule_hint(options.prefixes[0].upper(), [r.id for r in _all_rules()])}")
    if options.format == "json":
        import json

        rows = [
            {"id": r.id, "name": r.name, "severity": r.severity.label, "severity_note": r.severity_note, "summary": r.summary,
             "help_uri": r.help_uri()}
            for r in rules
        ]
        out.write(json.dumps(rows, indent=2) + "\n")
        return EXIT_OK
    for rule in rules:
        changes = f" (severity: {rule.severity.label}; {rule.severity_note})" if rule.severity_note else ""
        out.write(f"{rule.id:<8} {rule.severity.label:<8} {rule.name:<36} {rule.summary}{changes}\n")
    return EXIT_OK


def _explain_rule(arguments: list[str], out: TextIO) -> int:
    """``aiblint rule AIB201``: the rule's page (as ``ruff rule``), the same Markdown as docs/rules/."""
    parser = Parser(prog=f"{PROGRAM} rule", description="Explain a rule: what, severity, why, fix, examples.")
    parser.add_argument("id", metavar="RULE", help="a rule id (AIB201; SC2086 shows the ShellCheck family)")
    options = parser.parse_args(arguments)
    from aiblint.rule_docs import page

    rules = _all_rules()
    code = options.id.upper()
    found = next((rule for rule in rules if rule.id == code), None)
    found = found or max((rule for rule in rules if code.startswith(rule.id) and not rule.id[-1:].isdigit()),
                         key=lambda rule: len(rule.id), default=None)
    if found is None:
        raise UsageError(f"no rule {options.id}{_rule_hint(code, [rule.id for rule in rules])} (see 'aiblint rules')")
    out.write(page(found))
    return EXIT_OK


def _language_server(arguments: list[str]) -> int:
    parser = Parser(prog=f"{PROGRAM} lsp", description="Run the language server on standard input and output.")
    parser.add_argument("--stdio", action="store_true", help="accepted for editors that pass it; stdio is the only transport")
    parser.parse_args(arguments)
    from aiblint.lsp import serve

    serve()
    return EXIT_OK


def _write_failed_sarif(arguments: list[str], message: str) -> None:
    """``--format sarif -o FILE`` promises FILE: a CI upload step that finds no
    file hides the real error, so a run that failed before linting writes a log
    with no results and the error as a tool notification."""
    if arguments[:1] in (["rules"], ["rule"], ["lsp"], ["config"]):
        return
    try:  # parsed once already: the error may have come later
        options, _ = build_parser().parse_known_args(arguments)
    except (SystemExit, UsageError):
        return
    if options.format != "sarif" or not options.output:
        return
    from aiblint.findings import InternalError, Report
    from aiblint.formatters.sarif import SarifFormatter

    try:
        with open(options.output, "w", encoding="utf-8", newline="\n") as stream:
            formatter = SarifFormatter({})
            formatter.category = options.sarif_category
            formatter.write(Report(errors=[InternalError(PROGRAM, message)]), stream)
    except OSError:
        pass  # the error itself is already on stderr
