"""Figures of simulated days: waits, service levels, and how good the wait estimates were."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from queueing.simulation.engine import LegOutcome
from queueing.simulation.estimates import Prediction
from queueing.simulation.models import DayModel


def percentile(values: Sequence[float], share: float) -> float:
    """The `share` quantile by the nearest-rank method (nan for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(share * len(ordered)) - 1))]


def wait_figures(outcomes: Sequence[LegOutcome], targets: Mapping[str, float]) -> dict[str, float]:
    """Mean and p90 wait of those called; service level over everyone who queued.

    Someone who left the line or was still in it at closing counts as a miss: a service level
    that forgets them flatters a crowded day.
    """
    called = [(o.service, o.wait) for o in outcomes if o.wait is not None]
    waits = [w for _, w in called]
    within = sum(w <= targets[s] for s, w in called)
    return {
        "tickets": len(outcomes),
        "served": len(waits),
        "abandoned": sum(o.abandoned for o in outcomes),
        "closed_unserved": sum(o.called is None and not o.abandoned for o in outcomes),
        "mean_wait_minutes": _minutes(sum(waits) / len(waits)) if waits else math.nan,
        "p90_wait_minutes": _minutes(percentile(waits, 0.9)),
        "service_level": within / len(outcomes) if outcomes else math.nan,
    }


def _minutes(seconds: float) -> float:
    return round(seconds / 60, 3)


def day_figures(model: DayModel, outcomes: Sequence[LegOutcome]) -> dict[str, Any]:
    """Overall and per-service figures; a service's target is its own, from the site file."""
    targets = model.targets
    by_service: dict[str, list[LegOutcome]] = {s: [] for s in model.services}
    for outcome in outcomes:
        by_service[outcome.service].append(outcome)
    return {
        "overall": wait_figures(outcomes, targets),
        "services": {s: wait_figures(o, targets) for s, o in by_service.items() if o},
    }


def eta_figures(predictions: Iterable[Prediction]) -> dict[str, float]:
    """Mean absolute errors of the live estimate, the common formula and today's live figure."""
    scored = [p for p in predictions if p.actual is not None]
    if not scored:
        return {"eta_tickets": 0}
    count = len(scored)

    def mae(pick: str) -> float:
        return sum(abs(getattr(p, pick) - p.actual) for p in scored) / count / 60

    inside = sum(p.range[0] <= p.actual <= p.range[1] for p in scored)  # type: ignore[operator]
    return {
        "eta_tickets": count,
        "eta_mae_minutes": round(mae("seconds"), 3),
        "naive_eta_mae_minutes": round(mae("naive"), 3),
        "current_live_eta_mae_minutes": round(mae("current"), 3),
        "eta_mae_ratio": round(mae("seconds") / max(mae("naive"), 1e-9), 3),
        "eta_range_coverage": round(inside / count, 3),
        "eta_range_mean_width_minutes": round(
            sum(p.range[1] - p.range[0] for p in scored) / count / 60, 3
        ),
    }
