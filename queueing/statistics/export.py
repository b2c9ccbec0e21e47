"""The statistics' tables as CSV, one table per file (`?format=csv&table=services`)."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from queueing.statistics.schemas import TABLES, Figures, Statistics

NAME_FIELDS = ("name", "label")
FIGURES = frozenset(Figures.__struct_fields__)


def rows_of(stats: Statistics, table: str, lang: str) -> list[dict[str, Any]]:
    """The rows of one table as flat dicts: names in `lang`, the transfer matrix as its rows."""
    if table == "totals":
        return [{"site": stats.site, **msgspec.structs.asdict(stats.totals)}]
    if table == "transfers":
        return [msgspec.structs.asdict(t) for t in stats.transfers.rows]
    rows = [msgspec.structs.asdict(r) for r in getattr(stats, table)]
    for row in rows:
        for key in NAME_FIELDS:
            if isinstance(row.get(key), dict):
                row[key] = _name(row[key], lang)
    return [_keys_first(row) for row in rows]


def _keys_first(row: dict[str, Any]) -> dict[str, Any]:
    """The row's own columns (service, unit, name ...) before the figures every table shares."""
    keys = {k: v for k, v in row.items() if k not in FIGURES}
    return {**keys, **{k: v for k, v in row.items() if k in FIGURES}}


def to_csv(stats: Statistics, table: str, lang: str) -> str:
    """One table as CSV with a header row; empty cells where a figure has no value."""
    assert table in TABLES
    rows = rows_of(stats, table, lang)
    out = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\r\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def filename(stats: Statistics, table: str) -> str:
    return f"{stats.site}-{table}-{stats.from_.isoformat()}-{stats.to.isoformat()}.csv"


def _name(names: dict[str, Any], lang: str) -> str:
    return str(names.get(lang) or names.get("fi") or next(iter(names.values()), ""))
