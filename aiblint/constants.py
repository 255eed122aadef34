"""Names and numbers shared across the package; importing this costs nothing."""

from __future__ import annotations

PROGRAM = "aiblint"
HOMEPAGE = "https://github.com/aiblint/aiblint"
RULE_DOCS_URL = HOMEPAGE + "/blob/main/docs/rules/{rule}.md"

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
