"""ARM template expressions: what a deployment template's ``[...]`` strings say.

* :mod:`aiblint.arm.syntax`: tokenizer and parser (``[concat('a', parameters('b'))]``)
* :mod:`aiblint.arm.functions`: the built-in function table (names and argument counts)
* :mod:`aiblint.arm.scope`: evaluation over parameters, variables and pure functions
* :mod:`aiblint.arm.builtins`: the pure functions themselves
* :mod:`aiblint.arm.parameters`: parameters files (``--parameters``, ``x.parameters.json``)
* :mod:`aiblint.arm.diagnostics`: expressions ARM would reject (AIB005)

Nothing here is imported before a rule reads a value; everything is pure Python.
"""
