"""Bicep: read ``.bicep`` / ``.bicepparam`` sources natively (no Bicep CLI).

* :mod:`aiblint.bicep.syntax`: tree-sitter-bicep parse, byte -> character
  offsets, string decoding with exact character maps, syntax errors and
  grammar gaps
* :mod:`aiblint.bicep.lower`: evaluation of what the file tells (params,
  vars, interpolation, functions, loops, ``load*Content``) and lowering of each
  image template into the positioned tree the model reads
* :mod:`aiblint.bicep.avm`: the Azure Verified Module's parameters mapped onto
  the resource it creates (data: ``aiblint/data/avm-image-template.json``)

The front end is :mod:`aiblint.frontends.bicep`.
"""
