"""Fixtures for the client against the sandbox gateway over real HTTP on loopback.

The unit tests in this folder use `httpx.MockTransport` and need none of this; the `test_sandbox_*` files
ask for `gateway` (or `gateway_for`), which starts pytest-django's live server and points a fresh
`GatewayClient` at its `/sandbox` base URL.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from studio.upstream import AddressPolicy, GatewayClient, TaskView, Timeouts
from tests.sandbox.helpers import decode_image, video_facts

API_KEY = "sk-test"
# The sandbox listens on loopback, which the client reaches only when the host is allow-listed.
LOOPBACK_POLICY = AddressPolicy.build(
    allowed_private_hosts=["localhost", "127.0.0.1"], allow_plain_http=False
)
# Tests poll like the studio's poller, only faster, and give up long before the suite's budget.
POLL_INTERVAL = 0.05
POLL_TIMEOUT = 10.0


@pytest.fixture
def sandbox_settings(settings, tmp_path):
    """A sandbox whose time runs 200 times faster than the real gateway's, with no random faults.

    At this scale a Veo3 task takes about 0.35 s and a video chat about half a second.
    """
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.SANDBOX_TIME_SCALE = 0.005
    settings.SANDBOX_POLL_INTERVAL = 15.0
    settings.SANDBOX_FAULTS = ""
    settings.SANDBOX_ERROR_RATE = 0.0
    settings.SANDBOX_RATE_LIMIT_RATE = 0.0
    settings.SANDBOX_TASK_FAILURE_RATE = 0.0
    settings.SANDBOX_API_VERSION = "2025"
    settings.SANDBOX_SORA_CONTENT_JSON = False
    settings.SANDBOX_MJ_FORWARD_IMAGES = False
    return settings


@pytest.fixture
def gateway_url(transactional_db, live_server, sandbox_settings) -> str:
    return f"{live_server.url}/sandbox"


@pytest.fixture
def gateway_for(gateway_url) -> Iterator[Callable[..., GatewayClient]]:
    """Make clients of the sandbox with any key (faults ride on `...-fault-<tokens>` keys); closed after."""
    clients: list[GatewayClient] = []

    def make(key: str = API_KEY, *, timeouts: Timeouts | None = None, **options: object) -> GatewayClient:
        client = GatewayClient(gateway_url, key, timeouts=timeouts, policy=LOOPBACK_POLICY, **options)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def gateway(gateway_for) -> GatewayClient:
    return gateway_for()


def poll(read: Callable[[], TaskView], *, timeout: float = POLL_TIMEOUT) -> list[TaskView]:
    """Read a task every 0.05 s until it is finished; every view seen, in order (fails after `timeout`)."""
    views: list[TaskView] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        views.append(read())
        if views[-1].is_finished:
            return views
        time.sleep(POLL_INTERVAL)
    raise AssertionError(f"task not finished after {timeout} s; last seen {views[-1]!r}")


@pytest.fixture
def poll_task() -> Callable[..., list[TaskView]]:
    return poll


@pytest.fixture
def download() -> Iterator[Callable[[str], httpx.Response]]:
    """GET a media URL the gateway handed out, as the studio's ingest does (no key: it is a CDN)."""
    with httpx.Client(timeout=10, trust_env=False) as client:

        def fetch(url: str) -> httpx.Response:
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code, response.text[:200])
            return response

        yield fetch


@pytest.fixture
def fetch_image(download):
    return lambda url: decode_image(download(url).content)


@pytest.fixture
def fetch_video(download):
    return lambda url: video_facts(download(url).content)
