"""The gateway client: one per gateway (base URL + key) per process, shared through `get_client`."""

from __future__ import annotations

import hashlib
import threading
from types import TracebackType
from typing import Any

import httpx

from studio.upstream.audio import AudioAPI
from studio.upstream.chat import ChatAPI, CompletionsAPI
from studio.upstream.chat_media import ChatMediaAPI
from studio.upstream.embeddings import EmbeddingsAPI
from studio.upstream.images import ImagesAPI
from studio.upstream.midjourney import MidjourneyAPI
from studio.upstream.models import ModelsAPI
from studio.upstream.network import AddressPolicy
from studio.upstream.pricing import PriceList, fetch_price_list
from studio.upstream.sora import SoraAPI
from studio.upstream.transport import GatewayHttp, Timeouts
from studio.upstream.video import VideoAPI


def normalise_base_url(base_url: str) -> str:
    """The gateway root without a trailing slash or `/v1`: the client adds `/v1/...` itself."""
    url = base_url.strip().rstrip("/")
    return url.removesuffix("/v1")


class GatewayClient:
    """Typed access to every endpoint family of one gateway, over one pooled `httpx.Client`.

    Without a `transport`, every connection is checked against `policy` (see `studio.upstream.network`);
    the default policy connects only to public addresses over https.
    """

    def __init__(
        self,
        base_url: str,
        api_key: str,
        *,
        timeouts: Timeouts | None = None,
        transport: httpx.BaseTransport | None = None,
        policy: AddressPolicy | None = None,
        midjourney_mode: str | None = None,
        max_connections: int = 20,
    ) -> None:
        self.base_url = normalise_base_url(base_url)
        self._http = GatewayHttp(
            base_url=self.base_url,
            api_key=api_key,
            timeouts=timeouts or Timeouts(),
            transport=transport,
            policy=policy,
            max_connections=max_connections,
        )
        self.chat = ChatAPI(self._http)
        self.chat_media = ChatMediaAPI(self.chat)
        self.images = ImagesAPI(self._http)
        self.video = VideoAPI(self._http)
        self.sora = SoraAPI(self._http)
        self.audio = AudioAPI(self._http)
        self.embeddings = EmbeddingsAPI(self._http)
        self.models = ModelsAPI(self._http)
        self.completions = CompletionsAPI(self._http)
        # A mode such as "mj-fast" selects the speed on plus-compatible gateways: /mj-fast/mj/...
        prefix = f"/{midjourney_mode.strip('/')}/mj" if midjourney_mode else "/mj"
        self.midjourney = MidjourneyAPI(self._http, prefix=prefix)

    def pricing(self) -> PriceList:
        """The gateway's published price list (`GET /api/pricing`); no side effects."""
        return fetch_price_list(self._http)

    def __repr__(self) -> str:
        return f"GatewayClient(base_url={self.base_url!r})"

    def close(self) -> None:
        """Close the pooled connections."""
        self._http.close()

    def __enter__(self) -> GatewayClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


_clients: dict[tuple[Any, ...], GatewayClient] = {}
_clients_lock = threading.Lock()


def get_client(base_url: str, api_key: str, **options: Any) -> GatewayClient:
    """Return this process's client for a gateway and key, creating it on first use.

    The cache key holds a hash of the key, never the key itself. Options must be hashable.
    """
    fingerprint = hashlib.sha256(api_key.encode()).hexdigest()
    cache_key = (normalise_base_url(base_url), fingerprint, tuple(sorted(options.items())))
    with _clients_lock:
        client = _clients.get(cache_key)
        if client is None:
            client = GatewayClient(base_url, api_key, **options)
            _clients[cache_key] = client
        return client


def close_clients() -> None:
    """Close and forget every cached client (at shutdown, and between tests)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        client.close()
