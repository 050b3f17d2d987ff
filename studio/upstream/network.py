"""Which addresses the studio may connect to, and an httpx transport that connects only to checked ones.

A team chooses its gateway's address, so that address is data from outside: every new connection
resolves the name, requires every address it resolves to to be on the public internet (unless the host is
allow-listed), and then connects to the very address it checked. The name still goes into the `Host`
header and TLS's SNI, so certificates are verified as usual, but a second DNS answer (a name that is
public when the form is saved and 169.254.169.254 when a task runs) cannot swap in an internal address.
Result downloads apply the same rules (studio/lib/downloads.py).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import httpcore
import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

_CGNAT = ipaddress.IPv4Network("100.64.0.0/10")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class ForbiddenAddress(Exception):
    """The studio must not connect to this address at all (a private network, or plain http)."""

    def __init__(self, message: str, *, host: str, code: str = "forbidden_address") -> None:
        super().__init__(message)
        self.message = message
        self.host = host
        self.code = code


def is_public_address(address: IPAddress) -> bool:
    """Whether the address is on the public internet, looking through IPv6 forms that embed an IPv4 one."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.teredo is not None:
            return False
        embedded = address.ipv4_mapped or address.sixtofour or _nat64_embedded(address)
        if embedded is not None:
            return is_public_address(embedded)
    if isinstance(address, ipaddress.IPv4Address) and address in _CGNAT:
        return False
    return address.is_global and not (
        address.is_multicast
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_reserved
        or address.is_unspecified
    )


def _nat64_embedded(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def resolve_addresses(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to, in the resolver's order; raises OSError when it cannot."""
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as error:
        raise OSError(f"cannot look up {host!r}") from error
    addresses: list[IPAddress] = []
    for _family, _type, _protocol, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


def normalise_host(host: str) -> str:
    """A host name as the allow-list compares it: lower case, no brackets or final dot, IPs canonical."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host))
    except ValueError:
        return host.encode("idna").decode("ascii") if not host.isascii() else host


@dataclass(frozen=True)
class AddressPolicy:
    """Where connections may go: public addresses, plus the allow-listed hosts (the sandbox's, say).

    Plain http is allowed only to allow-listed hosts unless `allow_plain_http` is set (development).
    The default policy allows nothing private and no plain http.
    """

    allowed_private_hosts: frozenset[str] = field(default_factory=frozenset)
    allow_plain_http: bool = False

    @classmethod
    def build(cls, *, allowed_private_hosts: Collection[str], allow_plain_http: bool) -> AddressPolicy:
        hosts = frozenset(normalise_host(host) for host in allowed_private_hosts if host.strip())
        return cls(allowed_private_hosts=hosts, allow_plain_http=allow_plain_http)

    def is_allow_listed(self, host: str) -> bool:
        return normalise_host(host) in self.allowed_private_hosts

    def check_scheme(self, scheme: str, host: str) -> None:
        """Raise ForbiddenAddress for plain http to a host that may not have it."""
        if scheme == "http" and not self.allow_plain_http and not self.is_allow_listed(host):
            raise ForbiddenAddress(
                f"The gateway address must use https://, not http://{host}.", host=host, code="insecure_url"
            )

    def checked_addresses(self, host: str, port: int) -> list[IPAddress]:
        """The addresses a connection to host:port may use; raises ForbiddenAddress or OSError (DNS)."""
        addresses = resolve_addresses(host, port)
        if not addresses:
            raise OSError(f"{host} has no address")
        if not self.is_allow_listed(host) and not all(is_public_address(address) for address in addresses):
            raise ForbiddenAddress(
                f"The studio does not connect to {host}: it is not a public internet address.", host=host
            )
        return addresses


class _CheckedNetworkBackend(httpcore.NetworkBackend):
    """Opens each TCP connection only to an address the policy allows, the one it checked."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.NetworkStream:
        try:
            addresses = self._policy.checked_addresses(host, port)
        except OSError as error:
            raise httpcore.ConnectError(f"cannot resolve {host}") from error
        for index, address in enumerate(addresses):
            try:
                return self._inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError:
                # Nothing was sent yet, so trying the next checked address (IPv4 after IPv6) is safe.
                if index == len(addresses) - 1:
                    raise
        raise httpcore.ConnectError(f"{host} has no address")  # pragma: no cover - addresses is never empty

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


class CheckedTransport(httpx.HTTPTransport):
    """httpx's own transport, whose every connection goes through the address policy.

    Redirects are never followed by the gateway client, so each request has one hop, checked here.
    """

    def __init__(self, *, policy: AddressPolicy, limits: httpx.Limits) -> None:
        super().__init__(limits=limits, trust_env=False)
        self._policy = policy
        # The pool httpx would build, with the checking network back-end in place of the plain one.
        self._pool = httpcore.ConnectionPool(
            ssl_context=httpx.create_ssl_context(trust_env=False),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=_CheckedNetworkBackend(policy),
        )

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self._policy.check_scheme(request.url.scheme, request.url.host)
        return super().handle_request(request)
