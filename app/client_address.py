"""Which address a request came from: the peer, or what trusted proxies say it was.

X-Forwarded-For is anyone's to write, so it is read only when the connection itself comes
from a proxy listed in `TRUSTED_PROXIES`; then the header is walked from the right (the
hop the trusted proxy appended) past every further trusted proxy, and the first address
that is not one of them is the client. A client's own header can only add entries on the
left, which this walk never reaches while an untrusted hop stands before them.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or CIDR blocks ("10.0.0.0/8", "::1"); ValueError names a bad one."""
    networks = []
    for value in values:
        try:
            networks.append(ipaddress.ip_network(value.strip(), strict=False))
        except ValueError:
            raise ValueError(f"{value.strip()!r} is not an IP address or CIDR block") from None
    return tuple(networks)


def _trusted(address: str, trusted: Sequence[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:  # a unix socket path, a test client's name: never a proxy
        return False
    return any(ip in network for network in trusted)


def resolve(peer: str | None, forwarded_for: Sequence[str], trusted: Sequence[Network]) -> str:
    """The client's address from the direct peer and the X-Forwarded-For header values."""
    if not peer:
        return "unknown"
    if not _trusted(peer, trusted):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    address = peer
    for hop in reversed(hops):
        try:
            ipaddress.ip_address(hop)
        except ValueError:  # a garbled hop: stop at the last address a trusted proxy vouched for
            return address
        address = hop
        if not _trusted(hop, trusted):
            return hop
    return address
