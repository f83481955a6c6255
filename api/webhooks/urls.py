"""Where webhooks may be sent: never into the service's own network (SSRF).

A URL is parsed with the same parser the HTTP client uses (httpx), its host resolved, and EVERY address
it resolves to checked. Delivery then connects to one of the checked addresses (with the original
Host header and TLS server name), so a DNS answer that changes between the check and the connection
(rebinding) cannot reach an address that was not checked. The check runs when a subscription is
created and again before every delivery. `allow_private` (tests, closed networks) skips the address
check but not the resolution and pinning.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

MAX_URL_LENGTH = 2000
RESOLVE_TIMEOUT_SECONDS = 5.0
# NAT64 (RFC 6052): a gateway would translate these to the IPv4 address in their last 32 bits.
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeURL(ValueError):
    """The URL may not receive webhooks. The message is short and names no address or URL."""


Resolver = Callable[[str, int], Awaitable[Sequence[str]]]


async def _system_resolve(host: str, port: int) -> list[str]:
    infos: list[tuple[Any, ...]] = await asyncio.get_running_loop().getaddrinfo(
        host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP
    )
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


# Replaced in tests to simulate DNS answers (including ones that change between calls).
resolve_host: Resolver = _system_resolve


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client's address
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def is_forbidden(address: IPAddress) -> bool:
    """Loopback, private, link-local, multicast, reserved, unspecified, shared or otherwise non-global."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None and is_forbidden(embedded):
            return True
    return (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or not address.is_global
    )


def _address(text: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone ("fe80::1%eth0")
    except ValueError:
        return None


def parse(url: str, *, allow_private: bool) -> httpx.URL:
    """Check the URL's form: http(s) only (https unless `allow_private`), a host, no credentials."""
    if len(url) > MAX_URL_LENGTH:
        raise UnsafeURL(f"must be at most {MAX_URL_LENGTH} characters")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, TypeError, ValueError):
        raise UnsafeURL("is not a valid URL") from None
    if parsed.scheme not in ("http", "https"):
        raise UnsafeURL("must be an http or https URL")
    if parsed.scheme != "https" and not allow_private:
        raise UnsafeURL("must use https")
    if not parsed.host:
        raise UnsafeURL("must name a host")
    if parsed.userinfo:
        raise UnsafeURL("must not carry a user name or password")
    return parsed


@dataclass(frozen=True)
class Target:
    """A webhook URL and the addresses it resolved to, all of them checked."""

    url: httpx.URL
    addresses: tuple[str, ...]

    @property
    def port(self) -> int:
        return self.url.port or (443 if self.url.scheme == "https" else 80)

    def pinned(self, address: str) -> httpx.URL:
        """The same URL, aimed at one checked address (the Host header and TLS name stay the host's)."""
        return self.url.copy_with(host=address.split("%", 1)[0])

    @property
    def host_header(self) -> str:
        return self.url.netloc.decode("ascii")


async def resolve(url: str, *, allow_private: bool, timeout: float = RESOLVE_TIMEOUT_SECONDS) -> Target:
    """Parse, resolve and check every address; raise UnsafeURL if any is off limits."""
    parsed = parse(url, allow_private=allow_private)
    target = Target(parsed, ())
    literal = _address(parsed.host)
    if literal is not None:
        addresses: Sequence[str] = [str(literal)]
    else:
        try:
            async with asyncio.timeout(timeout):
                addresses = await resolve_host(parsed.host, target.port)
        except (OSError, UnicodeError, TimeoutError):
            raise UnsafeURL("its host could not be resolved") from None
    if not addresses:
        raise UnsafeURL("its host could not be resolved")
    for text in addresses:
        address = _address(text)
        if address is None:
            raise UnsafeURL("its host resolved to something that is not an IP address")
        if not allow_private and is_forbidden(address):
            raise UnsafeURL("its host is, or resolves to, a private, loopback or otherwise internal address")
    return Target(parsed, tuple(addresses))
