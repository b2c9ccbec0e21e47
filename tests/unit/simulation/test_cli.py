"""`queueing simulate ...` as people and scripts call it."""

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from queueing.simulation.cli import simulate


def invoke(*args: str) -> dict:  # type: ignore[type-arg]
    result = CliRunner().invoke(simulate, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_mmc_prints_simulated_figures_beside_erlang_c() -> None:
    data = invoke(
        "mmc",
        "--arrivals-per-hour", "200",
        "--service-minutes", "3",
        "--servers", "14",
        "--target-minutes", "0.3333333",
        "--hours", "300",
        "--seed", "1",
        "--workers", "1",
        "--json",
    )  # fmt: skip
    for key in ("mean_wait_minutes", "p_wait", "service_level"):
        assert key in data and f"{key}_erlang_c" in data
    assert data["p_wait_erlang_c"] == pytest.approx(0.1741, abs=5e-5)
    assert data["p_wait"] == pytest.approx(0.1741, abs=0.03)


@pytest.mark.parametrize("policy", ["silo", "horizontal", "longest-wait", "profile-order"])
def test_day_prints_overall_and_per_service_figures_and_estimate_errors(policy: str) -> None:
    data = invoke(
        "day", "--site", "iso-omena", "--policy", policy, "--days", "1", "--seed", "2",
        "--history-days", "1", "--json",
    )  # fmt: skip
    assert data["policy"] == policy
    for figures in (data["overall"], data["services"]["kela-benefits"]):
        assert {"mean_wait_minutes", "p90_wait_minutes", "service_level"} <= set(figures)
    assert data["eta_mae_minutes"] < data["naive_eta_mae_minutes"]


def test_day_is_reproducible_from_its_seed() -> None:
    args = ("day", "--days", "1", "--seed", "5", "--history-days", "1", "--json")
    assert invoke(*args) == invoke(*args)


def test_an_unknown_site_is_a_usage_error() -> None:
    result = CliRunner().invoke(simulate, ["day", "--site", "nowhere"])
    assert result.exit_code == 2
    assert "nowhere" in result.output


def test_staffing_prints_points_per_service_and_hour() -> None:
    data = invoke(
        "staffing", "--site", "iso-omena", "--date", "2026-03-03", "--check-days", "3", "--json"
    )
    assert data["date"] == "2026-03-03"
    assert data["kela-benefits"]["10"]["points"] >= data["kela-benefits"]["10"]["erlang_c"] >= 1


def test_staffing_targets_can_be_overridden() -> None:
    loose = invoke(
        "staffing", "--check-days", "1", "--share", "0.5", "--target-minutes", "60", "--json"
    )
    strict = invoke(
        "staffing", "--check-days", "1", "--share", "0.95", "--target-minutes", "2", "--json"
    )
    assert strict["kela-benefits"]["10"]["erlang_c"] > loose["kela-benefits"]["10"]["erlang_c"]


def test_report_writes_plots_and_a_table(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        simulate, ["report", "--out", str(tmp_path), "--days", "1", "--history-days", "1"]
    )
    assert result.exit_code == 0, result.output
    for name in ("waits.png", "service-level-by-hour.png", "estimate-error.png"):
        assert (tmp_path / name).read_bytes().startswith(b"\x89PNG")
    table = (tmp_path / "report.md").read_text()
    for policy in ("horizontal", "silo", "longest-wait", "profile-order"):
        assert f"| {policy} |" in table
