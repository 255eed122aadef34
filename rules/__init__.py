"""The built-in rule pack (installed as ``aiblint_rules``).

Each rule is registered under the ``aiblint.rules`` entry points in
``pyproject.toml``, exactly as a third-party rule package would register its
own; the engine never imports these modules directly.
"""
