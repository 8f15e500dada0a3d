"""Single sign-on behind a gateway: a header naming the user, believed only from trusted proxies."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping

from geo.errors import ConfigError
from geo.settings import Settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def trusted_networks(text: str) -> list[Network]:
    """The trusted proxies setting (comma-separated addresses or networks) parsed."""
    networks = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(
                f"MINQING_TRUSTED_PROXIES: not an address or network: {item!r}"
            ) from None
    return networks


def is_trusted(address: str | None, networks: list[Network]) -> bool:
    """True when the connecting address lies in one of the trusted networks."""
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.strip("[]"))
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # '::ffff:10.1.2.3', as a dual-stack server reports IPv4 peers
    return any(ip in network for network in networks)


def header_username(
    headers: Mapping[str, str], peer_address: str | None, settings: Settings
) -> str | None:
    """The username the gateway asserts, when SSO is configured and the peer is a trusted proxy.

    Returns None when no header is configured, the peer is not trusted, or the header is absent.
    """
    if not settings.trusted_header:
        return None
    if not is_trusted(peer_address, trusted_networks(settings.trusted_proxies)):
        return None
    wanted = settings.trusted_header.lower()
    for name, value in headers.items():
        if name.lower() == wanted:
            value = value.strip()
            return value or None
    return None
