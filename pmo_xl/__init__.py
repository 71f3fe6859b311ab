"""pmo-xl: the PMO's workbench in Excel, powered by Python.

The package is the functional core. `udfs/`, `macros/` and `pmo_xl.cli` are thin shells over it.
"""

__version__ = "0.1.0"
