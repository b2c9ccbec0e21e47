"""Which push endpoint hosts are refused: the worker posts to them, so none inside the install."""

from __future__ import annotations

import pytest

from queueing.push.service import internal_host

REFUSED = {
    "private": "10.1.2.3",
    "private 192.168": "192.168.0.10",
    "private 172.16": "172.16.5.4",
    "loopback": "127.0.0.1",
    "loopback short form": "127.1",
    "loopback as a number": "2130706433",
    "loopback v6": "::1",
    "loopback mapped into v6": "::ffff:127.0.0.1",
    "link-local (cloud metadata)": "169.254.169.254",
    "link-local v6": "fe80::1",
    "unique-local v6": "fd00::5",
    "multicast": "224.0.0.1",
    "multicast v6": "ff02::1",
    "reserved": "240.0.0.1",
    "broadcast": "255.255.255.255",
    "unspecified": "0.0.0.0",
    "unspecified v6": "::",
    "shared address space": "100.64.0.1",
    "localhost": "localhost",
    "localhost with a dot": "LocalHost.",
    "a name under localhost": "push.localhost",
}


@pytest.mark.parametrize("host", REFUSED.values(), ids=REFUSED.keys())
def test_an_internal_host_is_refused(host: str) -> None:
    assert internal_host(host)


PUBLIC = [
    "fcm.googleapis.com", "updates.push.services.mozilla.com", "8.8.8.8", "2001:4860::8888",
    "localhost.example.com",
]  # fmt: skip


@pytest.mark.parametrize("host", PUBLIC)
def test_a_public_name_or_address_passes(host: str) -> None:
    assert not internal_host(host)
