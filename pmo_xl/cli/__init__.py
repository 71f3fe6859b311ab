"""The `pmo` command line: each command parses options, calls one core function and prints.

Each capability registers its commands in its own module in this package; importing it here wires it into `main`.
"""

from pmo_xl.cli import (
    capacity,  # noqa: F401  (registers its commands)
    collect,  # noqa: F401  (registers its commands)
    generate,  # noqa: F401  (registers its commands)
    report,  # noqa: F401  (registers its commands)
    scoring,  # noqa: F401  (registers its commands)
    workbook,  # noqa: F401  (registers its commands)
)
from pmo_xl.cli._group import main

__all__ = ["main"]
