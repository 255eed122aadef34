"""The language server (``aiblint lsp``). pygls is imported only when it runs."""

from __future__ import annotations


def serve() -> None:
    """Serve one editor over standard input and output."""
    from aiblint.lsp.server import serve as run

    run()
