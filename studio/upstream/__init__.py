"""The AITRE gateway client: plain Python and httpx, no Django imports."""

from studio.upstream.catalogue import Capability, classify_model
from studio.upstream.chat import (
    ChatCompletion,
    ChatStream,
    StreamDone,
    StreamEvent,
    TextDelta,
    Usage,
    UsageReport,
    user_message,
)
from studio.upstream.chat_media import ChatMediaResult, MediaDone, MediaStream
from studio.upstream.client import GatewayClient, close_clients, get_client
from studio.upstream.errors import (
    AuthenticationFailed,
    BadRequest,
    BannedPrompt,
    ContentNotReady,
    GatewayUnavailable,
    GenerationFailed,
    MalformedResponse,
    ModelNotAvailable,
    NoAvailableChannel,
    NotSentTimeout,
    OutcomeUnknown,
    PermissionDenied,
    ProviderBusy,
    QueueFull,
    QuotaExhausted,
    RateLimited,
    TaskNotFound,
    UpstreamError,
)
from studio.upstream.media import MediaFile, MediaLink, ProgressUpdate, extract_media, group_media
from studio.upstream.midjourney import MidjourneySubmission
from studio.upstream.models import ModelInfo
from studio.upstream.network import AddressPolicy
from studio.upstream.pricing import QUOTA_PER_UNIT, ModelPricing, PriceList
from studio.upstream.sora import character_body, sora_video_body
from studio.upstream.tasks import MidjourneyButton, TaskStatus, TaskView
from studio.upstream.transport import Timeouts
from studio.upstream.uploads import FileUpload, to_data_url
from studio.upstream.video import video_create_body

__all__ = [
    "QUOTA_PER_UNIT",
    "AddressPolicy",
    "AuthenticationFailed",
    "BadRequest",
    "BannedPrompt",
    "Capability",
    "ChatCompletion",
    "ChatMediaResult",
    "ChatStream",
    "ContentNotReady",
    "FileUpload",
    "GatewayClient",
    "GatewayUnavailable",
    "GenerationFailed",
    "MalformedResponse",
    "MediaDone",
    "MediaFile",
    "MediaLink",
    "MediaStream",
    "MidjourneyButton",
    "MidjourneySubmission",
    "ModelInfo",
    "ModelNotAvailable",
    "ModelPricing",
    "NoAvailableChannel",
    "NotSentTimeout",
    "OutcomeUnknown",
    "PermissionDenied",
    "PriceList",
    "ProgressUpdate",
    "ProviderBusy",
    "QueueFull",
    "QuotaExhausted",
    "RateLimited",
    "StreamDone",
    "StreamEvent",
    "TaskNotFound",
    "TaskStatus",
    "TaskView",
    "TextDelta",
    "Timeouts",
    "UpstreamError",
    "Usage",
    "UsageReport",
    "character_body",
    "classify_model",
    "close_clients",
    "extract_media",
    "get_client",
    "group_media",
    "sora_video_body",
    "to_data_url",
    "user_message",
    "video_create_body",
]
