"""The scoring model's declaration: criteria with fixed anchors, and the PMO's default model.

A score never depends on the other requests in the pipeline, so every scale is anchored here, in data:
a numeric scale has a fixed min and max, a categorical scale maps each level to a value in 0-1 and says
what that level means. The request template shows these descriptors to requesters; `pmo_xl.portfolio.scoring` scores
with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Direction = Literal["benefit", "cost"]


@dataclass(frozen=True)
class Level:
    """One level of a categorical scale: what the requester picks, its value in 0-1, and what it means."""

    score: int
    value: float
    descriptor: str


@dataclass(frozen=True)
class Criterion:
    """One scoring criterion. `levels` set a categorical scale; otherwise `minimum`/`maximum` anchor a numeric one."""

    criterion_id: str
    name: str
    weight: float
    direction: Direction = "benefit"
    levels: tuple[Level, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    unit: str = ""
    help_text: str = ""


@dataclass(frozen=True)
class ScoringModelSpec:
    """A named, versioned set of criteria. Every score records the version that produced it."""

    name: str
    version: str
    criteria: tuple[Criterion, ...]
    missing_rule: Literal["error", "worst", "midpoint"] = "error"
    notes: str = field(default="")


def _five_levels(*descriptors: str) -> tuple[Level, ...]:
    return tuple(
        Level(score=index + 1, value=index / 4, descriptor=descriptor) for index, descriptor in enumerate(descriptors)
    )


DEFAULT_MODEL = ScoringModelSpec(
    name="PMO default",
    version="2026.1",
    criteria=(
        Criterion(
            "strategic_fit",
            "Strategic fit",
            0.25,
            levels=_five_levels(
                "No link to any stated objective",
                "Indirect support of a departmental objective",
                "Directly supports a departmental objective",
                "Directly supports a corporate objective",
                "Essential to a top corporate priority",
            ),
            help_text="How directly the request serves the organisation's stated strategy.",
        ),
        Criterion(
            "business_value",
            "Business value",
            0.25,
            levels=_five_levels(
                "Negligible benefit",
                "Small benefit to one team",
                "Clear benefit to one department",
                "Large benefit across departments",
                "Transformational benefit to the organisation",
            ),
            help_text="The size of the benefit if the request succeeds.",
        ),
        Criterion(
            "urgency",
            "Urgency",
            0.15,
            levels=_five_levels(
                "Could wait a year or more",
                "Should start within a year",
                "Should start within six months",
                "Should start within three months",
                "Must start now (deadline or burning platform)",
            ),
            help_text="How much value is lost by waiting.",
        ),
        Criterion(
            "risk_reduction",
            "Risk reduction",
            0.15,
            levels=_five_levels(
                "Reduces no known risk",
                "Reduces a minor risk",
                "Reduces a moderate risk",
                "Reduces a major risk",
                "Removes a critical or regulatory risk",
            ),
            help_text="How much the request lowers business, security or compliance risk.",
        ),
        Criterion(
            "delivery_risk",
            "Delivery risk",
            0.20,
            direction="cost",
            levels=_five_levels(
                "Routine: done many times before",
                "Familiar with small unknowns",
                "Some new technology or suppliers",
                "Mostly new ground, many dependencies",
                "Unproven: new technology, new team, many unknowns",
            ),
            help_text="How hard the request is to deliver. A higher level lowers the score.",
        ),
    ),
)
