"""The live wait estimate: a replay of the routing rule on a snapshot of the lobby."""

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from queueing.domain.eta import (
    Estimate,
    EstimateLedger,
    EtaCalibration,
    PointState,
    ServiceTimeStats,
    Snapshot,
    estimate_new_tickets,
    estimate_waits,
    naive_wait_seconds,
    residual_seconds,
    staffed_points,
)
from queueing.domain.routing import Candidate, Policy, choose_next_by

NOW = datetime(2026, 3, 3, 8, 0, tzinfo=UTC)
TARGETS = {"kela": 1800.0, "lab": 600.0, "citizen": 900.0}


def ticket(key: str, service: str, minutes_ago: float, priority: bool = False) -> Candidate[str]:
    return Candidate(key, service, NOW - timedelta(minutes=minutes_ago), priority)


def exact_stats(**seconds: float) -> ServiceTimeStats:
    """Stats that have learned so much that every service takes exactly `seconds`."""
    stats = ServiceTimeStats(seconds, prior_weight=1e-9)
    for service, value in seconds.items():
        for hour in range(24):
            stats.observe(service, hour, value)
    return stats


def snapshot(waiting: list[Candidate[str]], points: list[PointState]) -> Snapshot[str]:
    return Snapshot(NOW, 10, waiting, points, TARGETS)


def test_one_idle_counter_calls_a_line_one_service_time_apart() -> None:
    line = [ticket("k1", "kela", 3), ticket("k2", "kela", 2), ticket("k3", "kela", 1)]
    result = estimate_waits(snapshot(line, [PointState("c1", ("kela",))]), exact_stats(kela=600))
    assert [result[k].seconds for k in ("k1", "k2", "k3")] == [0, 600, 1200]


def test_a_busy_counter_is_free_after_the_expected_remaining_time() -> None:
    point = PointState("c1", ("kela",), "kela", NOW - timedelta(seconds=200))
    result = estimate_waits(snapshot([ticket("k1", "kela", 1)], [point]), exact_stats(kela=600))
    assert result["k1"].seconds == pytest.approx(400, abs=1)


def test_the_replay_follows_the_routing_rule_priority_first() -> None:
    line = [ticket("k1", "kela", 10), ticket("k2", "kela", 1, priority=True)]
    result = estimate_waits(snapshot(line, [PointState("c1", ("kela",))]), exact_stats(kela=600))
    assert result["k2"].seconds == 0
    assert result["k1"].seconds == 600


def test_a_short_target_line_shared_by_a_counter_goes_first_by_urgency() -> None:
    # Lab waited 6 of 10 minutes (0.6), Kela 12 of 30 (0.4): the shared counter takes lab first.
    line = [ticket("k1", "kela", 12), ticket("l1", "lab", 6)]
    points = [PointState("c1", ("kela", "lab"))]
    result = estimate_waits(snapshot(line, points), exact_stats(kela=600, lab=300))
    assert result["l1"].seconds == 0
    assert result["k1"].seconds == 300


def test_counters_that_serve_other_units_shorten_the_wait() -> None:
    line = [ticket(f"k{i}", "kela", 10 - i) for i in range(4)]
    alone = [PointState("c1", ("kela",))]
    shared = [*alone, PointState("c2", ("citizen", "kela"))]
    stats = exact_stats(kela=600, citizen=300)
    assert estimate_waits(snapshot(line, alone), stats)["k3"].seconds == 1800
    assert estimate_waits(snapshot(line, shared), stats)["k3"].seconds == 600


def test_other_policies_are_replayed_too() -> None:
    line = [ticket("k1", "kela", 12), ticket("l1", "lab", 6)]
    points = [PointState("c1", ("kela", "lab"))]
    snap = Snapshot(NOW, 10, line, points, TARGETS, Policy.LONGEST_WAIT)
    result = estimate_waits(snap, exact_stats(kela=600, lab=300))
    assert result["k1"].seconds == 0


def test_a_ticket_no_open_point_serves_gets_no_estimate() -> None:
    line = [ticket("l1", "lab", 1)]
    assert estimate_waits(snapshot(line, [PointState("c1", ("kela",))]), exact_stats(lab=300)) == {}


def test_only_asks_for_one_ticket_and_stops_there() -> None:
    line = [ticket("k1", "kela", 3), ticket("k2", "kela", 2), ticket("k3", "kela", 1)]
    snap = snapshot(line, [PointState("c1", ("kela",))])
    assert set(estimate_waits(snap, exact_stats(kela=600), only="k2")) == {"k1", "k2"}


def test_the_range_holds_the_estimate_and_never_goes_below_zero() -> None:
    line = [ticket(f"k{i}", "kela", 10 - i) for i in range(5)]
    stats = ServiceTimeStats({"kela": 600})
    for estimate in estimate_waits(snapshot(line, [PointState("c1", ("kela",))]), stats).values():
        assert 0 <= estimate.low <= estimate.seconds <= estimate.high


def test_the_range_widens_with_the_line_ahead() -> None:
    line = [ticket(f"k{i}", "kela", 10 - i) for i in range(6)]
    result = estimate_waits(
        snapshot(line, [PointState("c1", ("kela",))]), ServiceTimeStats({"kela": 600})
    )
    widths = [result[f"k{i}"].high - result[f"k{i}"].low for i in range(1, 6)]
    assert widths == sorted(widths)


def test_service_times_start_at_the_configured_typical_minutes() -> None:
    stats = ServiceTimeStats({"kela": 900})
    mean, variance = stats.moments("kela", 9)
    assert mean == 900
    assert variance == pytest.approx((0.8 * 900) ** 2)


def test_service_times_learn_per_hour_and_shrink_toward_the_service() -> None:
    stats = ServiceTimeStats({"kela": 900}, prior_weight=5)
    for _ in range(200):
        stats.observe("kela", 9, 300)
    assert stats.moments("kela", 9)[0] == pytest.approx(300, rel=0.02)
    # An hour never seen borrows the service's learned figure, not the configured one.
    assert stats.moments("kela", 14)[0] == pytest.approx(300, rel=0.05)
    stats.observe("kela", 14, 1200)
    assert 300 < stats.moments("kela", 14)[0] < 500  # one long service does not swing it
    assert stats.observations("kela") == 201


def test_residual_service_grows_with_a_long_running_service() -> None:
    mean, variance = 600.0, 600.0**2
    assert residual_seconds(mean, variance, 0) == mean
    assert residual_seconds(mean, variance, 300) < mean
    assert residual_seconds(mean, variance, 3000) > residual_seconds(mean, variance, 1200)


def test_residual_of_a_fixed_length_service_is_what_is_left() -> None:
    assert residual_seconds(600, 0.0, 200) == pytest.approx(400)


def test_calibration_learns_where_actual_waits_fall() -> None:
    calibration = EtaCalibration(minimum=100)
    estimate = Estimate(600, 500, 700, spread=100)
    for i in range(1000):
        calibration.observe(estimate, 600 + 300 * (i % 10) / 9)  # always late, by 0-300 s
    low, high = calibration.quantiles()
    assert 0 <= low < 0.5
    assert 2.5 < high <= 3


def test_calibration_keeps_the_normal_range_until_it_has_seen_enough() -> None:
    calibration = EtaCalibration(minimum=100)
    for _ in range(99):
        calibration.observe(Estimate(600, 500, 700, spread=100), 2000)
    assert calibration.quantiles() == pytest.approx((-1.4395, 1.4395), abs=1e-4)


def test_the_common_formula_is_mean_service_times_position_over_counters() -> None:
    assert naive_wait_seconds(5, 600, 2) == 1500
    assert naive_wait_seconds(1, 600, 0) == 600


def test_a_new_ticket_is_estimated_behind_everyone_in_its_line() -> None:
    line = [ticket("k1", "kela", 3), ticket("k2", "kela", 2)]
    snap = snapshot(line, [PointState("c1", ("kela",))])
    found = estimate_new_tickets(snap, ["kela", "lab"], exact_stats(kela=600))
    estimate = found.get("kela")
    assert estimate is not None and estimate.seconds == 1200
    assert found.get("lab") is None


def test_staffed_points_leave_out_idle_counters_once_anyone_serves() -> None:
    now = datetime(2026, 3, 3, 10, 0, tzinfo=UTC)
    points = [
        PointState("counter-4", ("kela",), "kela", now),  # serving now
        PointState("counter-1", ("citizen", "kela")),  # called lately
        PointState("counter-5", ("kela", "permits")),  # idle: nobody serves permits now
        PointState("counter-6", ("kela",)),  # idle, and kela is covered: left out
    ]
    chosen = staffed_points(points, active={"counter-1"})
    # Once the idle counter-5 kept its permits line, promising "under a minute" to a line
    # nobody served: that was the bug, and permits is now served by no point (no estimate).
    assert [(p.slug, p.profile) for p in chosen] == [
        ("counter-4", ("kela",)),
        ("counter-1", ("citizen", "kela")),
    ]
    # Nobody has called yet today: every configured point counts.
    assert staffed_points(points[1:], active=set()) == points[1:]


def _random_lobby(rng: random.Random, policy: Policy) -> Snapshot[str]:
    services = list(TARGETS)
    points = []
    for index in range(rng.randint(1, 6)):
        profile = tuple(rng.sample(services, rng.randint(1, 3)))
        busy = rng.random() < 0.4
        serving = rng.choice(services) if busy else None
        since = NOW - timedelta(seconds=rng.randint(0, 900)) if busy else None
        points.append(PointState(f"p{index}", profile, serving, since))
    # Distinct times (some booked for later): an exact tie may break either way.
    offsets = rng.sample(range(-3600, 600), rng.randint(0, 40))
    waiting = [
        Candidate(f"t{n}", rng.choice(services), NOW + timedelta(seconds=s), rng.random() < 0.1)
        for n, s in enumerate(offsets)
    ]
    return Snapshot(NOW, 10, waiting, points, TARGETS, policy)


@pytest.mark.parametrize("policy", list(Policy))
def test_newcomers_from_one_replay_equal_a_replay_with_each_newcomer_added(
    policy: Policy,
) -> None:
    rng = random.Random(policy.value)
    stats = exact_stats(kela=900, lab=300, citizen=600)
    for _ in range(100):
        snap = _random_lobby(rng, policy)
        together = estimate_new_tickets(snap, list(TARGETS), stats)
        for service in TARGETS:
            newcomer = Candidate("new", service, NOW)
            added = replace(snap, waiting=[*snap.waiting, newcomer])
            alone = estimate_waits(added, stats, only="new").get("new")
            assert together.get(service) == alone, (service, snap)


@pytest.mark.parametrize("policy", list(Policy))
def test_one_point_serving_everything_calls_in_the_rule_s_order(policy: Policy) -> None:
    rng = random.Random(f"order-{policy.value}")
    stats = exact_stats(kela=600, lab=600, citizen=600)
    for _ in range(50):
        snap = replace(_random_lobby(rng, policy), points=[PointState("c1", tuple(TARGETS))])
        left, expected = list(snap.waiting), []
        while left:  # the rule applied to every waiting ticket, one call every 600 s
            at = NOW + timedelta(seconds=600 * len(expected))
            chosen = choose_next_by(policy, left, TARGETS, at, tuple(TARGETS))
            assert chosen is not None
            expected.append(chosen.key)
            left.remove(chosen)
        found = estimate_waits(snap, stats)
        assert sorted(found, key=lambda key: found[key].seconds) == expected


def test_the_ledger_feeds_actual_waits_to_the_calibration_and_widens_a_range_too_narrow() -> None:
    ledger: EstimateLedger[str] = EstimateLedger()
    calibration = EtaCalibration(minimum=50)
    shown = Estimate(seconds=600, low=400, high=800, spread=100)
    for n in range(60):
        ledger.give(f"t{n}", shown, NOW)
        ledger.give(f"t{n}", Estimate(0, 0, 0, 1), NOW)  # a later view does not replace it
    # Every ticket actually waited 15 minutes: 3 spreads later than it was told.
    calls = {f"t{n}": NOW + timedelta(minutes=15) for n in range(60)}
    calls["never-shown"] = NOW
    assert ledger.settle(calls, calibration, NOW + timedelta(minutes=20)) == 60
    assert len(calibration) == 60 and ledger.oldest() is None
    low, high = calibration.quantiles()
    assert low == pytest.approx(3.0) and high == pytest.approx(3.0)


def test_the_ledger_forgets_estimates_whose_ticket_was_never_called() -> None:
    ledger: EstimateLedger[str] = EstimateLedger(max_age=timedelta(hours=12))
    shown = Estimate(seconds=600, low=400, high=800, spread=100)
    ledger.give("left", shown, NOW)
    ledger.give("waiting", shown, NOW + timedelta(hours=11))
    assert ledger.settle({}, EtaCalibration(), NOW + timedelta(hours=13)) == 0
    assert ledger.oldest() == NOW + timedelta(hours=11)
