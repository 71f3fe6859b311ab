"""The error hierarchy: one base, a few specific kinds. Each message says what, where, and what to do."""


class PmoError(Exception):
    """Base of every error pmo-xl raises on purpose. The CLI prints these without a traceback."""


class SchemaError(PmoError):
    """A template schema declaration is wrong (a developer's or PMO analyst's mistake, caught at build time)."""


class RegisterError(PmoError):
    """The project register has bad rows. `problems` lists every one, with its row number."""

    def __init__(self, source: str, problems: list[str]):
        self.source = source
        self.problems = problems
        listing = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"{source}: {len(problems)} problem(s) in the register; nothing was generated:\n{listing}")


class OutputError(PmoError):
    """An output could not be written (exists without --force, locked by another program, ...)."""


class TemplateError(PmoError):
    """A template workbook does not honour the template contract (missing defined name, table, metadata...)."""
