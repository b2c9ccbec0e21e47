"""Geometry of the statistics page's charts, drawn by the template as plain inline SVG.

Pure: figures in, bars and cells out. No chart library and no script: the page prints, reads
aloud (each SVG has a title and description, and the same figures are in the tables) and works
offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WIDTH, HEIGHT, LEFT, BOTTOM = 720, 240, 48, 28


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Chart:
    bars: list[Bar]
    ticks: list[tuple[float, str]]  # (y, label) of the value axis
    marks: list[tuple[float, str]]  # (y, label) of reference lines (targets)
    width: int = WIDTH
    height: int = HEIGHT


def _scale(top: float) -> float:
    return top if top > 0 else 1.0


def waits_by_hour(hours: list[dict[str, Any]]) -> Chart:
    """Mean wait (minutes) of each local hour that had visits, 06-21 at least."""
    shown = [h for h in hours if h["tickets"] or 6 <= h["hour"] <= 21]
    top = _scale(max((h["mean_wait_seconds"] or 0) / 60 for h in shown) if shown else 0)
    step = (WIDTH - LEFT) / max(len(shown), 1)
    plot = HEIGHT - BOTTOM
    bars = []
    for i, h in enumerate(shown):
        minutes = (h["mean_wait_seconds"] or 0) / 60
        height = plot * minutes / top * 0.9
        bars.append(Bar(LEFT + i * step + 2, plot - height, step - 4, height,
                        f"{h['hour']:02d}", f"{minutes:.0f}"))  # fmt: skip
    ticks = [(plot - plot * 0.9 * f, f"{top * f:.0f}") for f in (0, 0.5, 1)]
    return Chart(bars, ticks, [])


def within_target(services: list[dict[str, Any]], names: dict[str, str]) -> Chart:
    """Share called within target per service (with visits), against the service's goal."""
    shown = [s for s in services if s["within_target"] is not None]
    row = 26
    bars = []
    marks = []
    for i, s in enumerate(shown):
        width = (WIDTH - 220) * s["within_target"]
        bars.append(Bar(210, i * row + 4, width, row - 8, names.get(s["service"], s["service"]),
                        f"{s['within_target'] * 100:.0f} %"))  # fmt: skip
        marks.append((210 + (WIDTH - 220) * s["target_share"], f"{s['target_share'] * 100:.0f} %"))
    return Chart(bars, [], marks, height=max(len(shown), 1) * row + 8)


@dataclass(frozen=True, slots=True)
class Cell:
    x: float
    y: float
    size: float
    tickets: int
    shade: float  # 0..1 of the largest flow
    horizontal: bool


def flow_grid(flows: list[dict[str, Any]], units: list[str]) -> tuple[list[Cell], list[str]]:
    """Units (whose customers) x units (who served them): cells shaded by count."""
    involved = [u for u in units if any(u in (f["from_unit"], f["to_unit"]) for f in flows)]
    top = max((f["tickets"] for f in flows), default=1)
    index = {u: i for i, u in enumerate(involved)}
    size = 44
    cells = [
        Cell(
            150 + index[f["to_unit"]] * size,
            20 + index[f["from_unit"]] * size,
            size - 4,
            f["tickets"],
            f["tickets"] / top,
            f["horizontal"],
        )
        for f in flows
    ]
    return cells, involved
