"""The privacy budget of the public report: OpenDP's accounting, and the spend per period kept
in the ledger (entry kind ``budget``).

OpenDP accounts within one process only; a period's releases are made by separate runs, days
apart. So each release records its rho in the ledger, and the next one is weighed against
the sum: zCDP composes by adding rho. Epsilon is what people state; it is converted to rho at
the settings' delta by OpenDP's own zCDP-to-approximate-DP conversion, inverted by bisection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Final

import opendp.prelude as dp

from taxgate.errors import ConflictError
from taxgate.ledger import Ledger
from taxgate.settings import ReportSettings

# OpenDP's Gaussian mechanism and its zCDP accounting are "contrib" features.
dp.enable_features("contrib")

BUDGET_KIND: Final = "budget"


def _space() -> tuple[Any, Any]:
    return dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int)


def gaussian(scale: float) -> Any:
    """OpenDP's discrete Gaussian on a vector of counts, measured in zCDP."""
    return dp.m.make_gaussian(*_space(), scale=scale)


def rho_for(epsilon: float, delta: float) -> float:
    """The zCDP rho that OpenDP converts to (``epsilon``, ``delta``)-DP, found by bisecting
    the scale of a unit-sensitivity Gaussian with OpenDP's own conversion."""

    def approximate(scale: float) -> Any:
        return dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(gaussian(scale)), delta)

    scale = dp.binary_search_param(approximate, d_in=1, d_out=(epsilon, delta))
    return float(gaussian(scale).map(1))


def scale_for(rho: float, cap: int) -> float:
    """The smallest noise scale that keeps a release of sensitivity ``cap`` within ``rho``."""
    return float(dp.binary_search_param(gaussian, d_in=cap, d_out=rho))


@dataclass(frozen=True)
class Budget:
    """One release's privacy terms, and the period's account after it."""

    period: int
    epsilon: float
    delta: float
    rho: float  # what this release spends (OpenDP's measure of it at sensitivity cap)
    cap: int
    scale: float
    period_epsilon: float
    period_rho: float
    spent_before: float
    releases_before: int

    @property
    def expected_error(self) -> float:
        """Mean absolute error of a cell: E|Z| for Gaussian noise of this scale."""
        return self.scale * math.sqrt(2 / math.pi)

    @property
    def ci95(self) -> float:
        """Half-width of the interval holding the true count 95% of the time."""
        return 1.959964 * self.scale

    def details(self) -> dict[str, Any]:
        # Ledger entries hold no floats: each real number as its exact shortest repr.
        return {
            "period": str(self.period),
            "epsilon": repr(self.epsilon),
            "delta": repr(self.delta),
            "rho": repr(self.rho),
            "cap": self.cap,
            "scale": repr(self.scale),
            "period_epsilon": repr(self.period_epsilon),
            "period_rho": repr(self.period_rho),
        }

    def to_json(self) -> dict[str, Any]:
        spent = self.spent_before + self.rho
        return {
            "period": self.period,
            "privacy_unit": "one taxpayer (the keyed subject); an unmatched item is its own unit",
            "mechanism": "discrete Gaussian, zero-concentrated DP (OpenDP, contrib features)",
            "epsilon": self.epsilon,
            "delta": self.delta,
            "rho": self.rho,
            "contribution_cap": self.cap,
            "l2_sensitivity": self.cap,
            "noise_scale": self.scale,
            "expected_abs_error_per_cell": round(self.expected_error, 3),
            "ci95_half_width_per_cell": round(self.ci95, 3),
            "period_budget": {
                "epsilon": self.period_epsilon,
                "delta": self.delta,
                "rho": self.period_rho,
                "rho_spent": spent,
                "rho_remaining": max(self.period_rho - spent, 0.0),
                "releases": self.releases_before + 1,
            },
        }


def budget_batch(period: int) -> str:
    return f"public-report@{period}"


def spent(ledger: Ledger, period: int) -> tuple[float, int]:
    """The rho already spent on ``period`` and how many releases spent it, from the ledger."""
    entries = ledger.entries_of(BUDGET_KIND, batch=budget_batch(period))
    return sum(float(doc["details"]["rho"]) for _, doc in entries), len(entries)


def plan_budget(ledger: Ledger, period: int, epsilon: float, settings: ReportSettings) -> Budget:
    """This release's terms, or ``ConflictError`` when the period cannot afford it."""
    delta, cap = settings.public_delta, settings.public_cap
    if epsilon > settings.public_epsilon_per_period:
        # Never affordable, and OpenDP cannot calibrate noise for an absurd epsilon (1e308
        # overflows): refuse before asking it.
        raise ConflictError(
            f"--epsilon {epsilon}: more than the whole {period} budget (epsilon "
            f"{settings.public_epsilon_per_period} at delta {delta:g}); nothing was released"
        )
    rho = rho_for(epsilon, delta)
    period_rho = rho_for(settings.public_epsilon_per_period, delta)
    before, releases = spent(ledger, period)
    scale = scale_for(rho, cap)
    cost = float(gaussian(scale).map(cap))
    if before + cost > period_rho * (1 + 1e-9):
        raise ConflictError(
            f"--epsilon {epsilon}: the {period} report would spend rho {cost:.6g}, but "
            f"{max(period_rho - before, 0):.6g} of the period's {period_rho:.6g} "
            f"(epsilon {settings.public_epsilon_per_period} at delta {delta:g}) remains after "
            f"{releases} release(s); nothing was released"
        )
    return Budget(
        period,
        epsilon,
        delta,
        cost,
        cap,
        scale,
        settings.public_epsilon_per_period,
        period_rho,
        before,
        releases,
    )
