"""Names and numbers shared across the package; importing this costs nothing."""

from __future__ import annotations

from aiblint import __version__

PROGRAM = "aiblint"
HOMEPAGE = "https://github.com/aiblint/aiblint"


def docs_ref(version: str) -> str:
    """The git ref whose docs match ``version``: its release tag (``v1.2.0``);
    ``main`` for a development version (``1.2.0.dev0``), which has no tag."""
    return f"v{version}" if version.replace(".", "").isdigit() else "main"


#: The rule's page in the docs of the installed version.
RULE_DOCS_URL = HOMEPAGE + f"/blob/{docs_ref(__version__)}/docs/rules/{{rule}}.md"

#: ``AIBLINT_SERVER=1``: run commands through the resident server (:mod:`aiblint.server`).
SERVER_VARIABLE = "AIBLINT_SERVER"

RULE_ENTRY_POINTS = "aiblint.rules"
FORMATTER_ENTRY_POINTS = "aiblint.formatters"

#: Files a directory walk looks at: every front end's suffixes (``aiblint.frontends.SUFFIXES``).
TEMPLATE_SUFFIXES = (".json", ".jsonc", ".tf", ".bicep", ".bicepparam")
#: Folders a directory walk never enters.
SKIPPED_DIRECTORIES = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tox"})
#: Dot-folders that commonly hold infrastructure: a walk enters these and skips every other
#: dot-folder (tool caches and editor settings: .vscode, .idea, .terraform, .mypy_cache, ...).
WALKED_DOT_FOLDERS = frozenset({".azure", ".azuredevops", ".github", ".pipelines"})

JSON_OUTPUT_VERSION = 1
