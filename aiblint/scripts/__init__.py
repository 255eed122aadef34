"""Scripts that image templates run: script units, where referenced scripts
live, and the external analyzers (ShellCheck, PSScriptAnalyzer) run over them.

Nothing heavy is imported here; see :mod:`aiblint.scripts.units`.
"""
