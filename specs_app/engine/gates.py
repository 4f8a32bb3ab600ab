"""Phase gates: what a project needs before it moves to the next phase, as pure functions.

discovery -> analysis needs maturity >= 60 and no open conflict. The later transitions have no
check of their own yet (their gate passes). The owner may override a failed gate explicitly;
engine.services records every verdict and override in audit_logs.
"""

from dataclasses import dataclass, field

from specs_app.engine.quality import MATURITY_GATE
from specs_app.models import ProjectPhase

PHASE_ORDER = (
    ProjectPhase.DISCOVERY,
    ProjectPhase.ANALYSIS,
    ProjectPhase.DESIGN,
    ProjectPhase.IMPLEMENTATION,
)


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    value: float
    needed: str
    message: str

    def as_dict(self) -> dict:
        return {
            "name": self.name,
            "passed": self.passed,
            "value": self.value,
            "needed": self.needed,
            "message": self.message,
        }


@dataclass(frozen=True)
class GateVerdict:
    from_phase: str
    to_phase: str
    checks: list[Check] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def failures(self) -> list[Check]:
        return [c for c in self.checks if not c.passed]

    def as_dict(self) -> dict:
        return {
            "from_phase": self.from_phase,
            "to_phase": self.to_phase,
            "passed": self.passed,
            "checks": [c.as_dict() for c in self.checks],
        }


def next_phase(phase: str) -> str | None:
    index = PHASE_ORDER.index(phase)
    return PHASE_ORDER[index + 1] if index + 1 < len(PHASE_ORDER) else None


def evaluate_gate(
    *, from_phase: str, to_phase: str, maturity: float, open_conflicts: int
) -> GateVerdict:
    """Return the verdict of the gate between two consecutive phases."""
    checks = []
    if (from_phase, to_phase) == (ProjectPhase.DISCOVERY, ProjectPhase.ANALYSIS):
        checks.append(
            Check(
                "maturity",
                maturity >= MATURITY_GATE,
                maturity,
                f">= {MATURITY_GATE:g}",
                f"Maturity is {maturity:g}; analysis needs at least {MATURITY_GATE:g}.",
            )
        )
        checks.append(
            Check(
                "open_conflicts",
                open_conflicts == 0,
                open_conflicts,
                "0",
                f"{open_conflicts} open conflict(s); resolve them before analysis."
                if open_conflicts
                else "No open conflicts.",
            )
        )
    return GateVerdict(from_phase, to_phase, checks)
