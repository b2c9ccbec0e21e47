"""Who is on the other end: the client address, and the key every limiter counts it by.

`X-Forwarded-For` is believed only from a configured trusted proxy (QUEUEING_TRUSTED_PROXIES):
anyone else could write any address there and get a fresh limit with every request. Behind
trusted proxies the client is the rightmost address not in the trusted set, since each proxy
appends the address it saw and only the entries our own proxies appended can be believed.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from litestar.connection import ASGIConnection

from queueing.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


@lru_cache(maxsize=8)
def trusted_networks(spec: str) -> tuple[Network, ...]:
    """'10.0.0.0/8, 192.0.2.7' as networks; raises ValueError naming a bad entry."""
    networks = []
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError as exc:
            raise ValueError(f"QUEUEING_TRUSTED_PROXIES: {entry!r} is not an IP or CIDR") from exc
    return tuple(networks)


def client_address(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str:
    """The address limits are counted by: the peer, or behind trusted proxies the forwarded one."""
    peer = connection.client.host if connection.client else UNKNOWN
    networks = trusted_networks(settings.trusted_proxies)
    if not networks or not _is_trusted(peer, networks):
        return peer
    forwarded = ",".join(connection.headers.getall("x-forwarded-for", []))
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    for hop in reversed(hops):
        if not _is_trusted(hop, networks):
            return hop if _is_ip(hop) else peer
    # Every hop is one of ours (or there were none): the leftmost is the best we know.
    return hops[0] if hops else peer


def client_key(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str:
    """What limits count by: the client address, and for IPv6 its /64 network.

    One IPv6 customer line usually gets a whole /64; counting single addresses would give its
    holder 2^64 fresh limits.
    """
    address = client_address(connection, settings)
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return address


def _is_trusted(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def _is_ip(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True
