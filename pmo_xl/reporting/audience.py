"""Who reads an output: one audience model for every file pmo-xl writes from the ledger.

An `Audience` is a reader (`management`: the sponsors, the board, the portfolio office's own reports upwards;
`pmo`: the PMO itself, for its coaching conversations with the PMs) and a scope (all projects, one programme, one
business unit, or both). `pmo dashboard --programme X`, `pmo report --business-unit Y` and the PMO workbook's
`dashboard_programme` / `dashboard_business_unit` settings all become one (`Audience.of`, `Audience.from_settings`),
and the dashboard and report narrow their views by it (`pmo_xl.reporting.dashboard.scope_views`).

Every output says which readers it serves (`OUTPUT_READERS`); `require_reader` refuses to build an output for a
reader it does not serve, so the coaching scorecard can never be written as, or into, a management output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from pmo_xl.errors import PmoError

READERS = ("management", "pmo")
MANAGEMENT, PMO = READERS
# Each output and the readers it is written for.
OUTPUT_READERS: dict[str, tuple[str, ...]] = {
    "portfolio.xlsx": (MANAGEMENT,),
    "report.html": (MANAGEMENT,),
    "dashboard": (MANAGEMENT,),  # the Dashboard sheet of portfolio.xlsx, and the PMO workbook's Refresh dashboard
    "pmo-coaching.xlsx": (PMO,),
}
# The workbook's Settings rows that narrow the Dashboard and the report (pmo_xl.workbook.layout).
SCOPE_SETTINGS = {"programme": "dashboard_programme", "business_unit": "dashboard_business_unit"}


class AudienceError(PmoError):
    """An output asked for a reader it is not written for, or an unknown reader."""


@dataclass(frozen=True)
class Audience:
    """Who reads an output (`reader`) and which projects it covers (blank scope: all of them)."""

    reader: str = MANAGEMENT
    programme: str = ""
    business_unit: str = ""

    def __post_init__(self) -> None:
        if self.reader not in READERS:
            raise AudienceError(f"unknown reader '{self.reader}': use one of {', '.join(READERS)}")
        object.__setattr__(self, "programme", (self.programme or "").strip())
        object.__setattr__(self, "business_unit", (self.business_unit or "").strip())

    @classmethod
    def of(cls, programme: str | None = None, business_unit: str | None = None, reader: str = MANAGEMENT) -> Audience:
        """The audience `--programme` and `--business-unit` (or the keyword arguments of the same names) give."""
        return cls(reader, programme or "", business_unit or "")

    @classmethod
    def from_settings(cls, settings: Mapping[str, object], reader: str = MANAGEMENT) -> Audience:
        """The audience of the PMO workbook's Settings rows `dashboard_programme` and `dashboard_business_unit`."""
        scope = {option: str(settings.get(key) or "").strip() for option, key in SCOPE_SETTINGS.items()}
        return cls(reader, scope["programme"], scope["business_unit"])

    @property
    def scoped(self) -> bool:
        return bool(self.programme or self.business_unit)

    @property
    def scope(self) -> dict[str, str]:
        """The scope as keyword arguments (`programme=`, `business_unit=`), only those set."""
        chosen = {"programme": self.programme, "business_unit": self.business_unit}
        return {option: value for option, value in chosen.items() if value}

    @property
    def label(self) -> str:
        """How an output names its scope: 'All projects', or 'Programme: X, Unit: Y'."""
        parts = [f"{label}: {value}" for label, value in (("Programme", self.programme), ("Unit", self.business_unit))
                 if value]  # fmt: skip
        return ", ".join(parts) or "All projects"

    def covers(self, programme: object, business_unit: object) -> bool:
        """True if a project of this programme and business unit is in the scope (case does not matter)."""
        return all(
            not wanted or str(value or "").strip().casefold() == wanted.casefold()
            for wanted, value in ((self.programme, programme), (self.business_unit, business_unit))
        )


def serves(output: str, audience: Audience) -> bool:
    return audience.reader in OUTPUT_READERS[output]


def require_reader(output: str, audience: Audience) -> None:
    """Refuse to build `output` for a reader it is not written for (the coaching scorecard for management)."""
    if not serves(output, audience):
        readers = " and ".join(OUTPUT_READERS[output])
        raise AudienceError(
            f"{output} is written for {readers} only, not for {audience.reader}: "
            + ("the coaching scorecard stays with the PMO" if output == "pmo-coaching.xlsx" else "use another output")
        )
