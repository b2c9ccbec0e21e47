"""The simulator against Erlang C on published M/M/c cases.

The hours are what the stated agreement needs: waits in a queue are strongly correlated, so the
mean of a lightly loaded queue's small waits takes thousands of simulated hours to pin within 3 %.
Each test also asserts that the run's own 95 % confidence interval is that narrow, so a pass can
never be a lucky seed on too short a run.
"""

import pytest

from queueing.simulation.mmc import MmcCase, compare_mmc, half_width


def assert_agrees(result: dict[str, float | int]) -> None:
    exact_wait = result["mean_wait_minutes_erlang_c"]
    assert result["mean_wait_ci95_minutes"] <= 0.03 * exact_wait
    assert result["mean_wait_minutes"] == pytest.approx(exact_wait, rel=0.03)
    assert result["p_wait"] == pytest.approx(result["p_wait_erlang_c"], abs=0.02)
    assert result["service_level"] == pytest.approx(result["service_level_erlang_c"], abs=0.02)


def test_pyworkforce_case_200_per_hour_14_servers_matches_erlang_c() -> None:
    result = compare_mmc(MmcCase(200, 3, 14, 20 / 60, hours=12_000, seed=7), workers=2)
    assert result["p_wait_erlang_c"] == pytest.approx(0.1741, abs=5e-5)
    assert result["service_level_erlang_c"] == pytest.approx(0.8884, abs=5e-5)
    assert_agrees(result)


def test_mitan_case_48_erlangs_on_55_servers_matches_erlang_c() -> None:
    result = compare_mmc(MmcCase(720, 4, 55, 15 / 60, hours=14_000, seed=7), workers=2)
    assert result["p_wait_erlang_c"] == pytest.approx(0.2387, abs=5e-5)
    assert result["mean_wait_minutes_erlang_c"] * 60 == pytest.approx(8.2, abs=0.05)
    assert result["service_level_erlang_c"] == pytest.approx(0.8459, abs=5e-5)
    assert_agrees(result)


def test_a_single_server_matches_mm1() -> None:
    # rho = 0.5: P(wait) = 0.5 and mean wait = rho / (mu - lambda) = 1 minute.
    result = compare_mmc(MmcCase(30, 1, 1, 1, hours=5_000, seed=3), workers=2)
    assert result["mean_wait_minutes_erlang_c"] == pytest.approx(1.0)
    assert_agrees(result)


def test_the_same_seed_gives_the_same_figures_with_any_number_of_workers() -> None:
    case = MmcCase(200, 3, 14, 20 / 60, hours=600, seed=11)
    assert compare_mmc(case, workers=1) == compare_mmc(case, workers=2)


def test_half_width_shrinks_with_more_agreeing_replications() -> None:
    assert half_width([1.0, 1.2, 0.8]) > half_width([1.0, 1.2, 0.8] * 10)
