"""Where a guide sends a customer: the lines the site's data says take the errand, and the one
with the shortest wait among those that take a customer now."""

from __future__ import annotations

from queueing.domain.guide import Errand, LineNow, Why, shortest, suitable

SERVICES = {
    e.slug: e
    for e in (
        Errand("kela-benefits", "kela", "K", walk_in=True, sensitive=False),
        Errand("kela-pensions", "kela", "K", walk_in=True, sensitive=False),  # same letter
        Errand("kela-appointment", "kela", "F", walk_in=False, sensitive=False),
        Errand("citizen-advice", "citizen-services", "A", walk_in=True, sensitive=False),
        Errand("citizen-bookings", "citizen-services", "B", walk_in=False, sensitive=False),
        Errand("library-desk", "library", "L", walk_in=True, sensitive=False),
        Errand("drop-in", "mental-health", "Q", walk_in=True, sensitive=True),
        Errand("mh-desk", "mental-health", "W", walk_in=True, sensitive=True),
    )
}
AGREEMENTS = [("citizen-services", "kela-benefits"), ("library", "citizen-advice"),
              ("citizen-services", "drop-in"), ("mental-health", "kela-benefits")]  # fmt: skip


def test_own_line_first_then_same_kind_then_agreed_units_walk_in_lines() -> None:
    assert suitable("kela-benefits", SERVICES, AGREEMENTS) == [
        ("kela-benefits", Why.OWN),
        ("kela-pensions", Why.SAME_KIND),
        ("citizen-advice", Why.AGREEMENT),  # its bookings line takes no walk-in customer
    ]


def test_a_unit_without_an_agreement_for_the_errand_offers_no_line_for_it() -> None:
    assert suitable("library-desk", SERVICES, AGREEMENTS) == [("library-desk", Why.OWN)]
    # The library may serve citizen advice, not the other way round.
    assert ("library-desk", Why.AGREEMENT) in suitable("citizen-advice", SERVICES, AGREEMENTS)


def test_a_sensitive_errand_goes_nowhere_else_and_no_errand_is_sent_to_a_sensitive_line() -> None:
    assert suitable("drop-in", SERVICES, AGREEMENTS) == [("drop-in", Why.OWN)]
    # Mental health may serve Kela's benefits, yet its lines are never suggested in public.
    assert all(slug not in ("drop-in", "mh-desk") for slug, _ in
               suitable("kela-benefits", SERVICES, AGREEMENTS))  # fmt: skip


def test_the_shortest_wait_wins_among_lines_that_take_a_customer_now() -> None:
    lines = {
        "own": LineNow(open=True, served_now=True, waiting=6, wait=900),
        "closed": LineNow(open=False, served_now=True, waiting=0, wait=0),
        "unserved": LineNow(open=True, served_now=False, waiting=0, wait=None),
        "agreed": LineNow(open=True, served_now=True, waiting=2, wait=300),
    }
    assert shortest(["own", "closed", "unserved", "agreed"], lines) == "agreed"


def test_a_tie_goes_to_the_line_with_fewer_waiting_then_the_errands_own() -> None:
    even = LineNow(open=True, served_now=True, waiting=1, wait=120)
    assert shortest(["own", "other"], {"own": even, "other": even}) == "own"
    fewer = LineNow(open=True, served_now=True, waiting=0, wait=120)
    assert shortest(["own", "other"], {"own": even, "other": fewer}) == "other"


def test_no_line_is_suggested_when_none_takes_a_customer_now() -> None:
    closed = LineNow(open=False, served_now=False, waiting=3, wait=None)
    assert shortest(["own"], {"own": closed}) is None
    assert shortest([], {}) is None
