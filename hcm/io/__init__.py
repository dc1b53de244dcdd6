"""CSV / XLSX import and export of the org model, by external ids, all-or-nothing.

The public API is ``hcm.io.service`` (its docstring states the file layouts and the import semantics);
``hcm.io.router`` is the HTTP face of it.
"""
