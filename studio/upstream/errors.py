"""Errors raised by the gateway client, each with a message a user can act on.

Every error keeps the gateway's own text verbatim in `gateway_message` (usually Chinese) and the
gateway's request id, so support can find the call in the gateway's logs.
"""

from __future__ import annotations


class UpstreamError(Exception):
    """A call to the gateway did not give a usable answer."""

    code = "upstream_error"
    retryable = False
    # The gateway (or its provider) is full for now: nothing was accepted, and the same request may be
    # sent again later, so a long job waits for capacity instead of failing.
    is_capacity = False
    default_message = "The gateway could not handle the request."

    def __init__(
        self,
        message: str | None = None,
        *,
        status_code: int | None = None,
        gateway_message: str = "",
        request_id: str | None = None,
        code: str | None = None,
        retryable: bool | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.status_code = status_code
        self.gateway_message = gateway_message
        self.request_id = request_id
        if code is not None:
            self.code = code
        if retryable is not None:
            self.retryable = retryable
        super().__init__(self.message)

    def __str__(self) -> str:
        if self.request_id:
            return f"{self.message} (request id: {self.request_id})"
        return self.message

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(code={self.code!r}, status_code={self.status_code!r}, "
            f"request_id={self.request_id!r}, message={self.message!r})"
        )


class AuthenticationFailed(UpstreamError):
    code = "authentication_failed"
    default_message = "The gateway rejected the API key. Check the key in the team's settings."


class PermissionDenied(UpstreamError):
    code = "permission_denied"
    default_message = "The gateway refused this key (account banned or IP address not allowed)."


class QuotaExhausted(UpstreamError):
    code = "quota_exhausted"
    default_message = "The gateway account or key has no quota left. Top it up and try again."


class ModelNotAvailable(UpstreamError):
    code = "model_not_available"
    default_message = "This model is not available for the team's gateway key."


class NoAvailableChannel(ModelNotAvailable):
    """No channel serves the model right now (`无可用渠道`, `channel_no_available_key`).

    new-api answers this both when no channel was ever configured and when all of them are disabled or
    saturated for a while; the studio only offers models the gateway lists, so it is taken as capacity.
    """

    is_capacity = True
    default_message = "No channel of the gateway serves this model right now."


class RateLimited(UpstreamError):
    code = "rate_limited"
    retryable = True
    is_capacity = True
    default_message = "The gateway is busy. Try again in a moment."

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: float | None = None,
        status_code: int | None = None,
        gateway_message: str = "",
        request_id: str | None = None,
    ) -> None:
        self.retry_after = retry_after
        super().__init__(
            message, status_code=status_code, gateway_message=gateway_message, request_id=request_id
        )


class GatewayUnavailable(UpstreamError):
    code = "gateway_unavailable"
    retryable = True
    default_message = "The gateway or its upstream provider is unavailable. Try again later."


class ProviderBusy(GatewayUnavailable):
    """The provider has no free account or worker for the job (Midjourney code 3 "no available account")."""

    code = "provider_busy"
    is_capacity = True
    default_message = "The provider has no free account for this job right now."


class BadRequest(UpstreamError):
    code = "bad_request"
    default_message = "The gateway rejected the request."


class TaskNotFound(BadRequest):
    code = "task_not_found"
    default_message = "The gateway does not know this task (wrong id, or another key's task)."


class ContentNotReady(BadRequest):
    code = "content_not_ready"
    retryable = True
    default_message = "The result is not ready to download yet."


class BannedPrompt(BadRequest):
    code = "banned_prompt"
    default_message = "The prompt contains a word the provider does not allow. Rephrase it."

    def __init__(
        self,
        message: str | None = None,
        *,
        banned_word: str | None = None,
        status_code: int | None = None,
        gateway_message: str = "",
        request_id: str | None = None,
    ) -> None:
        self.banned_word = banned_word
        super().__init__(
            message, status_code=status_code, gateway_message=gateway_message, request_id=request_id
        )


class QueueFull(UpstreamError):
    code = "queue_full"
    retryable = True
    is_capacity = True
    default_message = "The provider's queue is full. Try again in a few minutes."


class GenerationFailed(UpstreamError):
    """The gateway answered normally but reported, inside its answer, that generation failed."""

    code = "generation_failed"
    default_message = "The provider could not generate the result."


class MalformedResponse(UpstreamError):
    code = "malformed_response"
    default_message = "The gateway sent an answer the studio cannot read."


class NotSentTimeout(UpstreamError):
    """The request never reached the gateway (connect error, connect or pool timeout): retry."""

    code = "not_sent"
    retryable = True
    default_message = "Could not reach the gateway. Nothing was submitted; try again."


class OutcomeUnknown(UpstreamError):
    """The request was sent but no answer came back: the gateway may have accepted (and billed) it.

    Never resubmit automatically; `retryable` is true only for idempotent reads.
    """

    code = "outcome_unknown"
    default_message = (
        "The gateway did not answer in time after receiving the request. "
        "It may still have accepted it; check before submitting again."
    )
