"""Erlang C against published worked examples."""

import math

import pytest

from queueing.domain.erlang import erlang_b, erlang_c, p_wait, servers_needed


def test_pyworkforce_example_200_per_hour_3_minutes_14_servers() -> None:
    # pyworkforce docs: 200 transactions/h, AHT 3 min, 14 positions, target 20 s.
    result = erlang_c(200, 180, 14, 20)
    assert result.offered_load == pytest.approx(10.0)
    assert result.p_wait == pytest.approx(0.1741, abs=5e-5)
    assert result.service_level == pytest.approx(0.8884, abs=5e-5)
    assert result.occupancy == pytest.approx(0.7143, abs=5e-5)


def test_mitan_example_48_erlangs_on_55_servers() -> None:
    # mitan.co.uk (reproduced in pyErlang's README): 360 calls per 30 min, AHT 240 s, 55 agents.
    result = erlang_c(720, 240, 55, 15)
    assert result.offered_load == pytest.approx(48.0)
    assert result.p_wait == pytest.approx(0.2387, abs=5e-5)
    assert result.mean_wait_seconds == pytest.approx(8.2, abs=0.05)
    assert result.service_level == pytest.approx(0.8459, abs=5e-5)


def test_pyworkforce_needs_14_servers_for_80_percent_in_20_seconds() -> None:
    assert servers_needed(200, 180, 0.8, 20) == 14


def test_servers_needed_is_the_fewest_that_meet_the_target() -> None:
    needed = servers_needed(720, 240, 0.8, 15)
    assert erlang_c(720, 240, needed, 15).service_level >= 0.8
    assert erlang_c(720, 240, needed - 1, 15).service_level < 0.8


def test_servers_needed_respects_a_maximum_occupancy() -> None:
    assert servers_needed(720, 240, 0.1, 15, max_occupancy=0.8) >= 60


def test_no_arrivals_need_no_servers_and_never_wait() -> None:
    assert servers_needed(0, 600, 0.8, 900) == 0
    assert p_wait(3, 0.0) == 0.0


def test_an_overloaded_queue_always_waits_forever() -> None:
    result = erlang_c(60, 120, 2, 60)
    assert result.p_wait == 1.0
    assert math.isinf(result.mean_wait_seconds)
    assert result.service_level == 0.0


def test_one_server_reduces_to_mm1() -> None:
    # M/M/1: P(wait) = rho, mean wait = rho / (mu - lambda).
    result = erlang_c(30, 60, 1, 0)
    assert result.p_wait == pytest.approx(0.5)
    assert result.mean_wait_seconds == pytest.approx(60.0)


def test_erlang_b_stays_finite_for_large_systems() -> None:
    assert 0 < erlang_b(2000, 1900.0) < 1
