"""aiblint: a linter for Azure Image Builder templates and the scripts they run.

The library entry point is :func:`lint_paths`; the CLI is a thin shell over it.
Nothing heavy is imported here, so ``aiblint --version`` starts fast.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not typing's: importing typing costs the resident mode's client 2-3 ms

#: PEP 440; ".devN" until the release is tagged ``v<version>`` (docs/releasing.md).
__version__ = "0.1.0.dev0"
__all__ = ["__version__", "lint_paths"]

if TYPE_CHECKING:
    from typing import Any

    from aiblint.findings import Report


def lint_paths(*args: Any, **kwargs: Any) -> Report:
    """Lint files and directories; see :func:`aiblint.run.lint_paths`."""
    from aiblint.run import lint_paths as run

    return run(*args, **kwargs)
