"""The result downloader against a real HTTP server on loopback, plus MockTransport for what needs DNS."""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import io
import ipaddress
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from PIL import Image

from studio.lib import downloads
from studio.lib.downloads import DownloadError, download_to_file, is_public_address
from studio.lib.media import MediaError, MediaKind, probe_file

MEBIBYTE = 1024 * 1024


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((32, 32)).save(buffer, format="PNG")
    return buffer.getvalue()


PNG = png_bytes()
GZIP_BOMB = gzip.compress(bytes(20 * MEBIBYTE), compresslevel=9)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


@dataclass
class LoopbackServer:
    port: int
    seen: list[Seen] = field(default_factory=list)

    def url(self, path: str, host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    @property
    def paths(self) -> list[str]:
        return [request.path for request in self.seen]


class Handler(BaseHTTPRequestHandler):
    server: ThreadingHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        record: LoopbackServer = self.server.record  # type: ignore[attr-defined]
        record.seen.append(Seen(self.path, {key.lower(): value for key, value in self.headers.items()}))
        route, _, rest = self.path.lstrip("/").partition("/")
        # The client hangs up on purpose in several tests (caps, deadline).
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            getattr(self, f"serve_{route.replace('-', '_')}")(rest, record)

    def send(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def serve_image(self, rest: str, record: LoopbackServer) -> None:
        self.send(200, PNG, Content_Type="image/png", Content_Length=str(len(PNG)))

    def serve_fake(self, rest: str, record: LoopbackServer) -> None:
        self.send(200, b"<html>not an image</html>", Content_Type="image/png")

    def serve_redirect_to_ip(self, rest: str, record: LoopbackServer) -> None:
        self.send(302, Location=f"http://127.0.0.1:{record.port}/{rest}")

    def serve_chain(self, rest: str, record: LoopbackServer) -> None:
        remaining = int(rest)
        if remaining == 0:
            self.serve_image("", record)
        else:
            self.send(307, Location=f"/chain/{remaining - 1}")

    def serve_drip(self, rest: str, record: LoopbackServer) -> None:
        self.send(200, Content_Type="image/png")
        for _ in range(100):
            self.wfile.write(b"x")
            self.wfile.flush()
            time.sleep(0.2)

    def serve_gzip_bomb(self, rest: str, record: LoopbackServer) -> None:
        self.send(
            200,
            GZIP_BOMB,
            Content_Type="image/png",
            Content_Encoding="gzip",
            Content_Length=str(len(GZIP_BOMB)),
        )

    def serve_huge_length(self, rest: str, record: LoopbackServer) -> None:
        self.send(200, bytes(1024), Content_Type="video/mp4", Content_Length=str(10**10))

    def serve_endless(self, rest: str, record: LoopbackServer) -> None:
        self.send(200, Content_Type="video/mp4")
        for _ in range(64):
            self.wfile.write(bytes(64 * 1024))

    def serve_status(self, rest: str, record: LoopbackServer) -> None:
        self.send(int(rest), b"gone", Content_Type="text/plain")

    def serve_empty(self, rest: str, record: LoopbackServer) -> None:
        self.send(200, Content_Type="image/png", Content_Length="0")


@pytest.fixture(scope="module")
def loopback_server() -> Iterator[LoopbackServer]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.record = LoopbackServer(port=server.server_address[1])  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.record  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def server(loopback_server: LoopbackServer) -> LoopbackServer:
    loopback_server.seen.clear()
    return loopback_server


def download_from_loopback(url: str, dest_dir: Path, **options) -> downloads.Downloaded:
    options.setdefault("max_bytes", MEBIBYTE)
    options.setdefault("deadline_s", 5.0)
    options.setdefault("allowed_private_hosts", {"127.0.0.1", "localhost"})
    return download_to_file(url, dest_dir, **options)


# The address classifier ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "10.1.2.3",
        "172.16.0.1",
        "172.31.255.254",
        "192.168.1.1",
        "127.0.0.1",
        "127.8.9.10",
        "169.254.169.254",
        "100.64.0.1",
        "100.100.100.200",
        "0.0.0.0",
        "224.0.0.1",
        "239.255.255.250",
        "255.255.255.255",
        "240.0.0.1",
        "::1",
        "::",
        "fe80::1",
        "fc00::1",
        "fd12:3456::1",
        "ff02::1",
        "::ffff:10.0.0.1",
        "::ffff:127.0.0.1",
        "2002:0a00:0001::1",
        "2002:7f00:0001::1",
        "64:ff9b::a9fe:a9fe",
        "2001:0:4136:e378:8000:63bf:3fff:fdd2",
        "2001:db8::1",
    ],
)
def test_is_public_address_refuses_special_ranges(address):
    assert not is_public_address(ipaddress.ip_address(address))


@pytest.mark.parametrize(
    "address",
    ["93.184.216.34", "8.8.8.8", "2606:4700:4700::1111", "::ffff:93.184.216.34", "2002:5db8:d822::1"],
)
def test_is_public_address_accepts_public_addresses(address):
    assert is_public_address(ipaddress.ip_address(address))


# Downloading over loopback -------------------------------------------------------------------------


def test_download_saves_file_with_size_and_hash(server, tmp_path):
    result = download_from_loopback(server.url("/image/"), tmp_path)

    assert result.path.parent == tmp_path
    assert result.path.read_bytes() == PNG
    assert (result.size, result.sha256) == (len(PNG), hashlib.sha256(PNG).hexdigest())
    assert result.content_type_header == "image/png"
    assert result.final_url == server.url("/image/")
    assert server.seen[0].headers["accept-encoding"] == "identity"


def test_download_keeps_name_in_host_header_when_connecting_by_address(server, tmp_path):
    download_from_loopback(server.url("/image/", host="localhost"), tmp_path)

    assert server.seen[0].headers["host"] == f"localhost:{server.port}"


def test_download_refuses_loopback_when_not_allowed(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(
            server.url("/image/"), tmp_path, allowed_private_hosts=(), allow_http_hosts={"127.0.0.1"}
        )

    assert caught.value.code == "forbidden_address"
    assert not caught.value.retryable
    assert server.paths == []


def test_download_refuses_redirect_to_private_address_when_only_first_host_is_allowed(server, tmp_path):
    # Plain http is allowed for both names, so only the address check can stop the second hop.
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(
            server.url("/redirect-to-ip/image/", host="localhost"),
            tmp_path,
            allowed_private_hosts={"localhost"},
            allow_http_hosts={"localhost", "127.0.0.1"},
        )

    assert caught.value.code == "forbidden_address"
    assert server.paths == ["/redirect-to-ip/image/"]
    assert list(tmp_path.iterdir()) == []


def test_download_follows_redirect_when_target_is_allowed(server, tmp_path):
    result = download_from_loopback(
        server.url("/redirect-to-ip/image/", host="localhost"),
        tmp_path,
        allowed_private_hosts={"localhost", "127.0.0.1"},
    )

    assert result.path.read_bytes() == PNG
    assert result.final_url == server.url("/image/")
    assert server.paths == ["/redirect-to-ip/image/", "/image/"]


def test_download_sends_caller_headers_only_to_first_origin(server, tmp_path):
    download_from_loopback(
        server.url("/redirect-to-ip/image/", host="localhost"),
        tmp_path,
        headers={"Authorization": "Bearer gateway-token"},
    )

    first, second = server.seen
    assert first.headers["authorization"] == "Bearer gateway-token"
    assert "authorization" not in second.headers


def test_download_follows_three_redirects(server, tmp_path):
    result = download_from_loopback(server.url("/chain/3"), tmp_path)

    assert result.path.read_bytes() == PNG
    assert server.paths == ["/chain/3", "/chain/2", "/chain/1", "/chain/0"]


def test_download_refuses_fourth_redirect(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/chain/4"), tmp_path)

    assert caught.value.code == "too_many_redirects"
    assert server.paths == ["/chain/4", "/chain/3", "/chain/2", "/chain/1"]
    assert list(tmp_path.iterdir()) == []


def test_download_stops_drip_feed_at_deadline(server, tmp_path):
    started = time.monotonic()

    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/drip/"), tmp_path, deadline_s=1.0)

    assert caught.value.code == "deadline"
    assert caught.value.retryable
    assert time.monotonic() - started < 3.0
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_compressed_body(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/gzip-bomb/"), tmp_path)

    assert caught.value.code == "content_encoding"
    assert list(tmp_path.iterdir()) == []


def test_download_refuses_content_length_over_cap_before_reading(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/huge-length/"), tmp_path)

    assert caught.value.code == "too_large"
    assert str(caught.value) == "The file is larger than the 1 MB limit."
    assert list(tmp_path.iterdir()) == []


def test_download_stops_body_over_cap_when_length_is_unknown(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/endless/"), tmp_path)

    assert caught.value.code == "too_large"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [403, 404, 410])
def test_download_reports_expired_url(server, tmp_path, status):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url(f"/status/{status}"), tmp_path)

    assert (caught.value.code, caught.value.expired, caught.value.retryable) == ("expired", True, False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("status", [429, 500, 503])
def test_download_reports_retryable_when_server_is_busy(server, tmp_path, status):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url(f"/status/{status}"), tmp_path)

    assert (caught.value.code, caught.value.expired, caught.value.retryable) == ("unavailable", False, True)


def test_download_reports_final_failure_when_request_is_refused(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/status/400"), tmp_path)

    assert (caught.value.code, caught.value.expired, caught.value.retryable) == ("http_error", False, False)


def test_download_refuses_empty_body(server, tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_from_loopback(server.url("/empty/"), tmp_path)

    assert caught.value.code == "empty"
    assert list(tmp_path.iterdir()) == []


def test_download_keeps_wrong_magic_bytes_for_probe_to_refuse(server, tmp_path):
    result = download_from_loopback(server.url("/fake/"), tmp_path)

    with pytest.raises(MediaError) as caught:
        probe_file(result.path, expected=MediaKind.IMAGE)

    assert caught.value.code == "not_image"


def test_download_reports_retryable_when_nothing_listens(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]

    with pytest.raises(DownloadError) as caught:
        download_from_loopback(f"http://127.0.0.1:{port}/image/", tmp_path)

    assert (caught.value.code, caught.value.retryable) == ("connect_failed", True)


# Checks made before any connection -----------------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["http://example.com/a.png", "ftp://example.com/a.png", "file:///etc/passwd", "gopher://x/"]
)
def test_download_refuses_scheme_other_than_https(tmp_path, url):
    with pytest.raises(DownloadError) as caught:
        download_to_file(url, tmp_path, max_bytes=MEBIBYTE, deadline_s=5.0)

    assert caught.value.code == "bad_scheme"


def test_download_refuses_url_with_credentials(tmp_path):
    with pytest.raises(DownloadError) as caught:
        download_to_file(
            "https://user:secret@example.com/a.png", tmp_path, max_bytes=MEBIBYTE, deadline_s=5.0
        )

    assert caught.value.code == "bad_url"


def answering(*addresses: str):
    def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        return [ipaddress.ip_address(address) for address in addresses]

    return resolve


def test_download_pins_checked_address_and_sets_sni(monkeypatch, tmp_path):
    monkeypatch.setattr(downloads, "resolve_host", answering("93.184.216.34"))
    requests: list[httpx.Request] = []

    def respond(request: httpx.Request) -> httpx.Response:
        requests.append(request)
        return httpx.Response(200, stream=httpx.ByteStream(PNG), headers={"Content-Type": "image/png"})

    result = download_to_file(
        "https://cdn.example.com/results/a.png#preview",
        tmp_path,
        max_bytes=MEBIBYTE,
        deadline_s=5.0,
        transport=httpx.MockTransport(respond),
    )

    (request,) = requests
    assert str(request.url) == "https://93.184.216.34/results/a.png"
    assert request.headers["host"] == "cdn.example.com"
    assert request.extensions["sni_hostname"] == "cdn.example.com"
    assert result.final_url == "https://cdn.example.com/results/a.png"


def test_download_refuses_name_when_any_address_is_private(monkeypatch, tmp_path):
    monkeypatch.setattr(downloads, "resolve_host", answering("93.184.216.34", "10.0.0.7"))

    def respond(request: httpx.Request) -> httpx.Response:
        raise AssertionError("no request may be sent")

    with pytest.raises(DownloadError) as caught:
        download_to_file(
            "https://rebind.example.com/a.png",
            tmp_path,
            max_bytes=MEBIBYTE,
            deadline_s=5.0,
            transport=httpx.MockTransport(respond),
        )

    assert caught.value.code == "forbidden_address"


def test_download_fails_closed_when_name_has_no_address(monkeypatch, tmp_path):
    monkeypatch.setattr(downloads, "resolve_host", answering())

    with pytest.raises(DownloadError) as caught:
        download_to_file("https://void.example.com/a.png", tmp_path, max_bytes=MEBIBYTE, deadline_s=5.0)

    assert (caught.value.code, caught.value.retryable) == ("dns_failed", True)


def test_download_refuses_redirect_from_https_to_plain_http(monkeypatch, tmp_path):
    monkeypatch.setattr(downloads, "resolve_host", answering("93.184.216.34"))

    def respond(request: httpx.Request) -> httpx.Response:
        return httpx.Response(302, headers={"Location": "http://cdn.example.com/a.png"})

    with pytest.raises(DownloadError) as caught:
        download_to_file(
            "https://cdn.example.com/a.png",
            tmp_path,
            max_bytes=MEBIBYTE,
            deadline_s=5.0,
            transport=httpx.MockTransport(respond),
        )

    assert caught.value.code == "bad_scheme"
