"""The client address behind proxies, and the sign-in lock-out's growth: pure, no I/O."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Request

from queueing.auth.throttle import MAX_LOCK_SECONDS, lock_seconds
from queueing.clients import client_address, client_key, trusted_networks
from queueing.settings import Settings


def request(peer: str, *forwarded: str) -> Request[Any, Any, Any]:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded]
    scope: Any = {"type": "http", "client": (peer, 50000), "headers": headers, "path": "/"}
    return Request(scope)


def settings(trusted: str = "") -> Settings:
    return Settings(database_url="sqlite://", redis_url="redis://", secret_key="s",
                    trusted_proxies=trusted)  # fmt: skip


def test_without_trusted_proxies_the_peer_is_the_client() -> None:
    assert client_address(request("192.0.2.9", "198.51.100.1"), settings()) == "192.0.2.9"


def test_an_untrusted_peer_cannot_forward_an_address() -> None:
    proxies = settings("10.0.0.0/8")
    assert client_address(request("192.0.2.9", "198.51.100.1"), proxies) == "192.0.2.9"


def test_behind_trusted_proxies_the_rightmost_untrusted_hop_is_the_client() -> None:
    proxies = settings("10.0.0.0/8, 192.0.2.1")
    spoofed = request("10.0.0.2", "203.0.113.7, 198.51.100.1", "192.0.2.1")
    assert client_address(spoofed, proxies) == "198.51.100.1"
    assert client_address(request("10.0.0.2", "10.1.1.1, 10.2.2.2"), proxies) == "10.1.1.1"
    assert client_address(request("10.0.0.2"), proxies) == "10.0.0.2"
    assert client_address(request("10.0.0.2", "not-an-address"), proxies) == "10.0.0.2"


def test_limits_count_an_ipv6_client_by_its_slash_64() -> None:
    one_line = [request("2001:db8:1:2::1"), request("2001:db8:1:2:ffff::9")]
    assert {client_key(r, settings()) for r in one_line} == {"2001:db8:1:2::/64"}
    assert client_key(request("2001:db8:1:3::1"), settings()) == "2001:db8:1:3::/64"
    assert client_key(request("::ffff:192.0.2.9"), settings()) == "192.0.2.9"
    assert client_key(request("192.0.2.9"), settings()) == "192.0.2.9"


def test_a_mistyped_proxy_list_is_refused() -> None:
    with pytest.raises(ValueError, match=r"10\.0\.0\.300"):
        trusted_networks("10.0.0.1, 10.0.0.300")


def test_sign_in_lock_out_doubles_from_one_second_to_fifteen_minutes() -> None:
    assert [lock_seconds(n) for n in range(8)] == [0, 0, 0, 0, 0, 1, 2, 4]
    assert lock_seconds(14) == 512 and lock_seconds(15) == MAX_LOCK_SECONDS == 900
    assert lock_seconds(10_000) == 900
    assert lock_seconds(19, free=20) == 0 and lock_seconds(20, free=20) == 1
