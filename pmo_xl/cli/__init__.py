"""The `pmo` command line: each command parses options, calls one core function and prints.

Each capability defines its commands in its own module in this package; `pmo_xl.cli._group.COMMANDS` says which
module holds which command, and the group imports it when the command is used: `pmo --help` stays light.
"""

from pmo_xl.cli._group import main

__all__ = ["main"]
