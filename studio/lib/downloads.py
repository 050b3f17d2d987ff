"""Fetching a result file from a URL the gateway gave us, without letting that URL reach into our network.

A result URL is data from the other side of the network, so every hop of it is checked before it is
fetched: `https` only (plain `http` only for hosts named in settings), and every address the name
resolves to must be a public internet address. We then connect to the very address we checked, with the
name in the `Host` header and in TLS's SNI, so a second DNS answer cannot swap in an internal address.
The body is counted as it arrives and cut off at the size cap or the total deadline, whichever comes first.
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import os
import socket
import ssl
import tempfile
import time
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from django.utils.translation import gettext as _

# The address rules are the gateway client's too: one definition of "public internet address".
from studio.upstream.network import is_public_address, normalise_host

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=10.0, pool=5.0)
DEFAULT_MAX_REDIRECTS = 3

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
# Signed result URLs answer these once they have expired; a fresh URL from the gateway may still work.
_EXPIRED_STATUSES = frozenset({403, 404, 410})
_MEBIBYTE = 1024 * 1024
_DEFAULT_PORTS = {"http": 80, "https": 443}


class DownloadError(Exception):
    """A download that failed; the message can be shown to a user, the flags tell the caller what to do."""

    def __init__(self, message: str, *, code: str, retryable: bool = False, expired: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        self.expired = expired


@dataclass(frozen=True)
class Downloaded:
    """A file fetched into a temporary file of its own; the caller moves it or deletes it."""

    path: Path
    size: int
    sha256: str
    content_type_header: str
    final_url: str


def resolve_host(host: str, port: int) -> list[IPAddress]:
    """Every address the name resolves to, in the resolver's order of preference."""
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise DownloadError(
            _("The name %(host)s could not be looked up.") % {"host": host}, code="dns_failed", retryable=True
        ) from error
    addresses: list[IPAddress] = []
    for _family, _type, _protocol, _name, sockaddr in answers:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    return addresses


@functools.cache
def _tls_context() -> ssl.SSLContext:
    """The verifying TLS context all downloads share. Building one reads the whole CA bundle, which took
    35 ms of CPU per download, a third of ingesting a video (profiled under bench/engine.py's load)."""
    return httpx.create_ssl_context()


def download_to_file(
    url: str,
    dest_dir: Path,
    *,
    max_bytes: int,
    deadline_s: float,
    allowed_private_hosts: Collection[str] = (),
    allow_http_hosts: Collection[str] | None = None,
    timeout: httpx.Timeout | None = None,
    transport: httpx.BaseTransport | None = None,
    max_redirects: int = DEFAULT_MAX_REDIRECTS,
    headers: Mapping[str, str] | None = None,
) -> Downloaded:
    """Download `url` into a new temporary file in `dest_dir`; raise DownloadError, leaving no file, if not.

    At most `max_redirects` redirects are followed, each checked like the first URL. `headers` (a gateway
    token, say) go only to the first URL's origin, never to a host it redirects to. The deadline covers
    connecting, redirects and reading, but not DNS look-ups, which the system resolver bounds.
    """
    deadline = _Deadline(at=time.monotonic() + deadline_s, seconds=deadline_s)
    private_hosts = _normalise_hosts(allowed_private_hosts)
    http_hosts = private_hosts | _normalise_hosts(allow_http_hosts or ())
    client = httpx.Client(
        transport=transport,
        verify=_tls_context(),
        timeout=timeout or DEFAULT_TIMEOUT,
        follow_redirects=False,
        trust_env=False,
    )
    try:
        return _follow(
            client,
            _parse_url(url),
            dest_dir,
            max_bytes=max_bytes,
            deadline=deadline,
            private_hosts=private_hosts,
            http_hosts=http_hosts,
            max_redirects=max_redirects,
            headers=headers or {},
        )
    except httpx.TimeoutException as error:
        if deadline.has_passed():
            raise deadline.error() from error
        raise DownloadError(
            _("The server took too long to answer."), code="timeout", retryable=True
        ) from error
    except httpx.ConnectError as error:
        if _is_certificate_error(error):
            raise DownloadError(
                _("The server's TLS certificate is not valid for its name."), code="tls_failed"
            ) from error
        raise DownloadError(
            _("Could not connect to the server."), code="connect_failed", retryable=True
        ) from error
    except httpx.InvalidURL as error:
        raise DownloadError(_("The download URL is not valid."), code="bad_url") from error
    except httpx.TransportError as error:
        raise DownloadError(
            _("The connection broke off during the download."), code="interrupted", retryable=True
        ) from error
    finally:
        # A transport passed in belongs to the caller, who may reuse it.
        if transport is None:
            client.close()


def _follow(
    client: httpx.Client,
    url: httpx.URL,
    dest_dir: Path,
    *,
    max_bytes: int,
    deadline: _Deadline,
    private_hosts: frozenset[str],
    http_hosts: frozenset[str],
    max_redirects: int,
    headers: Mapping[str, str],
) -> Downloaded:
    first_origin = _origin(url)
    redirects = 0
    while True:
        addresses = _checked_addresses(url, private_hosts=private_hosts, http_hosts=http_hosts)
        hop_headers = headers if _origin(url) == first_origin else {}
        with _stream(client, url, addresses, headers=hop_headers, deadline=deadline) as response:
            if response.status_code in _REDIRECT_STATUSES:
                location = response.headers.get("location")
                if not location:
                    raise DownloadError(
                        _("The server redirected the download to nowhere."), code="bad_redirect"
                    )
                if redirects >= max_redirects:
                    raise DownloadError(
                        _("The download was redirected more than %(count)d times.")
                        % {"count": max_redirects},
                        code="too_many_redirects",
                    )
                redirects += 1
                url = _parse_url(str(url.join(location)))
                continue
            _check_status(response.status_code)
            _check_headers(response, max_bytes=max_bytes)
            return _save_body(response, dest_dir, url=url, max_bytes=max_bytes, deadline=deadline)


def _parse_url(url: str) -> httpx.URL:
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as error:
        raise DownloadError(_("The download URL is not valid."), code="bad_url") from error
    if parsed.scheme not in _DEFAULT_PORTS:
        raise DownloadError(
            _("Only https download URLs are allowed, not %(scheme)s.") % {"scheme": parsed.scheme},
            code="bad_scheme",
        )
    if not parsed.host:
        raise DownloadError(_("The download URL has no host."), code="bad_url")
    if parsed.userinfo:
        raise DownloadError(_("Download URLs with a user name or password are refused."), code="bad_url")
    return parsed.copy_with(fragment=None)


def _normalise_host(host: str) -> str:
    return normalise_host(host)


def _normalise_hosts(hosts: Collection[str]) -> frozenset[str]:
    return frozenset(_normalise_host(host) for host in hosts if host.strip())


def _host_of(url: httpx.URL) -> str:
    return _normalise_host(url.raw_host.decode("ascii"))


def _port_of(url: httpx.URL) -> int:
    return url.port or _DEFAULT_PORTS[url.scheme]


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    return url.scheme, _host_of(url), _port_of(url)


def _checked_addresses(
    url: httpx.URL, *, private_hosts: frozenset[str], http_hosts: frozenset[str]
) -> list[IPAddress]:
    """The addresses this hop may connect to; raise DownloadError if the URL must not be fetched at all."""
    host = _host_of(url)
    if url.scheme == "http" and host not in http_hosts:
        raise DownloadError(
            _("Only https download URLs are allowed, not %(origin)s.") % {"origin": f"{url.scheme}://{host}"},
            code="bad_scheme",
        )
    try:
        addresses: list[IPAddress] = [ipaddress.ip_address(host)]
    except ValueError:
        addresses = resolve_host(host, _port_of(url))
    if not addresses:
        raise DownloadError(
            _("The name %(host)s has no address.") % {"host": host}, code="dns_failed", retryable=True
        )
    if host not in private_hosts and not all(is_public_address(address) for address in addresses):
        raise DownloadError(
            _("Downloads from %(host)s are not allowed: it is not a public internet address.")
            % {"host": host},
            code="forbidden_address",
        )
    return addresses


@contextmanager
def _stream(
    client: httpx.Client,
    url: httpx.URL,
    addresses: list[IPAddress],
    *,
    headers: Mapping[str, str],
    deadline: _Deadline,
) -> Iterator[httpx.Response]:
    """Open the response from the first checked address that accepts a connection."""
    if deadline.has_passed():
        raise deadline.error()
    host = url.raw_host.decode("ascii")
    host_header = f"[{host}]" if ":" in host else host
    if url.port is not None:
        host_header = f"{host_header}:{url.port}"
    request_headers = {**headers, "Host": host_header, "Accept-Encoding": "identity"}
    extensions = {} if url.scheme == "http" or _is_ip(host) else {"sni_hostname": host}
    for index, address in enumerate(addresses):
        request = client.build_request(
            "GET",
            url.copy_with(host=str(address)),
            headers=request_headers,
            timeout=deadline.bound(client.timeout),
            extensions=extensions,
        )
        try:
            response = client.send(request, stream=True)
        except httpx.ConnectError:
            # Nothing was sent yet, so trying the next address (IPv4 after IPv6, say) is safe.
            if index == len(addresses) - 1:
                raise
            continue
        try:
            yield response
        finally:
            response.close()
        return


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


@dataclass(frozen=True)
class _Deadline:
    """The total time a download may take, redirects included; httpx's timeouts only limit each wait."""

    at: float
    seconds: float

    def has_passed(self) -> bool:
        return time.monotonic() >= self.at

    def bound(self, timeout: httpx.Timeout) -> httpx.Timeout:
        """The timeouts cut down to the time left, so one silent read cannot outlast the deadline much."""
        remaining = max(0.001, self.at - time.monotonic())

        def bound(seconds: float | None) -> float:
            return remaining if seconds is None else min(seconds, remaining)

        return httpx.Timeout(
            connect=bound(timeout.connect),
            read=bound(timeout.read),
            write=bound(timeout.write),
            pool=bound(timeout.pool),
        )

    def error(self) -> DownloadError:
        return DownloadError(
            _("The download took longer than %(seconds)s seconds and was stopped.")
            % {"seconds": f"{self.seconds:g}"},
            code="deadline",
            retryable=True,
        )


def _check_status(status: int) -> None:
    if 200 <= status < 300:
        return
    if status in _EXPIRED_STATUSES:
        raise DownloadError(
            _("The file is no longer available at its address (HTTP %(status)d).") % {"status": status},
            code="expired",
            expired=True,
        )
    if status == 429 or status >= 500:
        raise DownloadError(
            _("The file server is busy or failing (HTTP %(status)d); try again later.") % {"status": status},
            code="unavailable",
            retryable=True,
        )
    raise DownloadError(
        _("The file server refused the download (HTTP %(status)d).") % {"status": status}, code="http_error"
    )


def _check_headers(response: httpx.Response, *, max_bytes: int) -> None:
    encoding = response.headers.get("content-encoding", "").strip().lower()
    if encoding not in {"", "identity"}:
        # We asked for the bytes as stored; unpacking a compressed stream is how small downloads get huge.
        raise DownloadError(
            _("The file server sent the file %(encoding)s-compressed although we asked for it as is.")
            % {"encoding": encoding},
            code="content_encoding",
        )
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > max_bytes:
        raise DownloadError(_too_large_message(max_bytes), code="too_large")


def _save_body(
    response: httpx.Response, dest_dir: Path, *, url: httpx.URL, max_bytes: int, deadline: _Deadline
) -> Downloaded:
    descriptor, name = tempfile.mkstemp(dir=dest_dir, prefix="download-")
    path = Path(name)
    digest = hashlib.sha256()
    size = 0
    try:
        with os.fdopen(descriptor, "wb") as file:
            # No chunk size: a size would make httpx hold bytes back until it has that many, out of
            # sight of the deadline check.
            for chunk in response.iter_raw():
                size += len(chunk)
                if size > max_bytes:
                    raise DownloadError(_too_large_message(max_bytes), code="too_large")
                if deadline.has_passed():
                    # Each read may be quick while the whole never ends: a server dripping a byte a second.
                    raise deadline.error()
                digest.update(chunk)
                file.write(chunk)
        if size == 0:
            raise DownloadError(_("The file server sent an empty file."), code="empty")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return Downloaded(
        path=path,
        size=size,
        sha256=digest.hexdigest(),
        content_type_header=response.headers.get("content-type", ""),
        final_url=str(url),
    )


def _too_large_message(max_bytes: int) -> str:
    return _("The file is larger than the %(limit)s MB limit.") % {"limit": f"{max_bytes / _MEBIBYTE:.3g}"}


def _is_certificate_error(error: BaseException) -> bool:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return True
        cause = cause.__cause__ or cause.__context__
    return False
