"""The error hierarchy: one base, a few specific kinds. Each message says what, where, and what to do."""

from __future__ import annotations


class PmoError(Exception):
    """Base of every error pmo-xl raises on purpose. The CLI prints these without a traceback."""


class SchemaError(PmoError):
    """A template schema declaration is wrong (a developer's or PMO analyst's mistake, caught at build time)."""


class RegisterError(PmoError):
    """The project register has bad rows. `problems` lists every one, with its row number."""

    def __init__(self, source: str, problems: list[str], codes: list[str] | None = None):
        self.source = source
        self.problems = problems
        # A code per problem ('ambiguous_number', 'no_money_unit', ...), for tests and tools; '' where none.
        self.codes = codes or [""] * len(problems)
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the register; nothing was generated:\n{listing}")

    @classmethod
    def from_coded(cls, source: str, problems: list[tuple[str, str]]) -> RegisterError:
        return cls(source, [message for _code, message in problems], [code for code, _message in problems])


class OutputError(PmoError):
    """An output could not be written (exists without --force, locked by another program, ...)."""


class OutputFault(OutputError):
    """The machine will not take an output: a full disk, a read-only or missing folder. Not worth a retry as is."""


class TemplateError(PmoError):
    """A template workbook does not honour the template contract (missing defined name, table, metadata...)."""


class InputTableError(PmoError):
    """A table cannot be read: no such file, not a CSV or a workbook, no table or sheet of that name, an empty sheet.

    `file` names the file; `not_found` is set when the file opened but holds no table or sheet of the names asked
    for, so that a caller with its own wording for that case (the ScoringModel) can use it; `tables` then names the
    Excel tables the file does hold, so that a caller can tell a file another command wrote (pmo score's
    ScoresTable) and say so.
    """

    def __init__(self, message: str, *, file: str = "", not_found: bool = False, tables: tuple[str, ...] = ()):
        super().__init__(message)
        self.file = file
        self.not_found = not_found
        self.tables = tables


class PlanError(PmoError):
    """A project plan (.mpp, .mpx, Project XML) cannot be read: damaged, protected, empty, of an unknown kind, or its
    reader (MPXJ, Java) is not installed. The message is one line that names the file and says what to do."""


class ExportError(PmoError):
    """A Project Online export (the ProjectData feed saved as JSON, .xlsx or .csv) cannot be imported: damaged JSON,
    an empty folder, nothing known in it, two rows for one key that disagree. One line naming the file and the fix."""
