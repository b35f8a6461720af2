"""Which address a request comes from, when a reverse proxy stands in front (settings.TRUSTED_PROXIES).

The login lockout (django-axes), the throttles (django-ratelimit) and /healthz's details ask ``client_ip``. A
forwarded address is believed only from a trusted proxy: anyone else could write any X-Forwarded-For.
"""

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=32)
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...] | None:
    """The CIDRs as networks; None for "*" (every direct peer is the proxy)."""
    if "*" in entries:
        return None
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries if entry.strip())


def _parse(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    address = address.strip()
    if address.startswith("[") and "]" in address:  # [::1]:port
        address = address[1 : address.index("]")]
    elif address.count(":") == 1:  # 1.2.3.4:port
        address = address.split(":", 1)[0]
    try:
        return ipaddress.ip_address(address)
    except ValueError:
        return None


def in_networks(address: str, entries) -> bool:
    ip = _parse(address)
    if ip is None:
        return False
    networks = _networks(tuple(entries))
    return networks is None or any(ip in network for network in networks)


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or, when that is a trusted proxy, the last X-Forwarded-For entry that
    is not itself a trusted proxy (each proxy appends the address it saw, so the right end is the trustworthy one).
    """
    remote = request.META.get("REMOTE_ADDR", "") or ""
    # No address: a unix socket, which only processes on this host (the proxy) can reach.
    fallback = remote or "127.0.0.1"
    trusted = tuple(settings.TRUSTED_PROXIES)
    if not trusted or (remote and not in_networks(remote, trusted)):
        return fallback
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for address in reversed(forwarded):
        if _parse(address) is None:
            break  # A garbled entry: stop believing the chain here.
        if "*" in trusted or not in_networks(address, trusted):
            return str(_parse(address))
    return fallback
