"""Chat completions, plain and streamed, and legacy completions."""

from __future__ import annotations

import json

import httpx
import pytest

from studio.upstream import (
    GenerationFailed,
    OutcomeUnknown,
    ProgressUpdate,
    StreamDone,
    TextDelta,
    UsageReport,
    user_message,
)
from studio.upstream.chat import ServerSentEvents
from tests.upstream.fakes import REQUEST_ID, FakeGateway, chat_answer, json_response, sse_chunks, sse_response

USAGE_CHUNK = {
    "id": "chatcmpl-7a1c0f",
    "object": "chat.completion.chunk",
    "created": 1756312400,
    "model": "gpt-4o-mini",
    "choices": [],
    "usage": {"prompt_tokens": 18, "completion_tokens": 2, "total_tokens": 20},
}


def test_chat_create_posts_messages_and_reads_answer():
    gateway = FakeGateway(chat_answer("Hi.", model="gpt-4o-mini"))

    completion = gateway.client().chat.create(
        model="gpt-4o-mini",
        messages=[{"role": "system", "content": "You are terse."}, user_message("Say hi")],
        temperature=0.7,
        max_tokens=256,
    )

    assert gateway.last.url.path == "/sandbox/v1/chat/completions"
    assert gateway.last_json() == {
        "model": "gpt-4o-mini",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "Say hi"},
        ],
        "temperature": 0.7,
        "max_tokens": 256,
        "stream": False,
    }
    assert completion.text == "Hi."
    assert completion.finish_reason == "stop"
    assert completion.usage is not None
    assert completion.usage.total_tokens == 210
    assert completion.request_id == REQUEST_ID


def test_chat_create_sends_bearer_key_and_no_other_secret_header():
    gateway = FakeGateway(chat_answer("Hi."))

    gateway.client().chat.create(model="gpt-4o-mini", messages=[user_message("hi")])

    assert gateway.last.headers["authorization"] == "Bearer sk-test-0123456789abcdef"


def test_user_message_with_images_becomes_content_array():
    message = user_message(
        "Make the sky purple", ["data:image/png;base64,iVBORw0", "https://example.com/ref2.jpg"]
    )

    assert message == {
        "role": "user",
        "content": [
            {"type": "text", "text": "Make the sky purple"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0"}},
            {"type": "image_url", "image_url": {"url": "https://example.com/ref2.jpg"}},
        ],
    }


def test_chat_stream_yields_deltas_usage_and_done():
    lines = sse_chunks("Hi", " there")
    lines[-4:-4] = [f"data: {json.dumps(USAGE_CHUNK)}", ""]
    gateway = FakeGateway(sse_response(lines))

    with gateway.client().chat.stream(model="gpt-4o-mini", messages=[user_message("hi")]) as stream:
        events = list(stream)

    assert events[:2] == [TextDelta("Hi"), TextDelta(" there")]
    assert isinstance(events[2], UsageReport)
    assert events[2].usage.total_tokens == 20
    assert isinstance(events[3], StreamDone)
    assert events[3].completion.text == "Hi there"
    assert events[3].completion.usage == events[2].usage
    assert events[3].completion.finish_reason == "stop"
    assert stream.completion == events[3].completion
    assert gateway.last_json()["stream"] is True
    assert gateway.last_json()["stream_options"] == {"include_usage": True}


def test_chat_stream_ignores_comment_lines_and_keepalives():
    lines = [": ping", "", *sse_chunks("a"), ": PROCESSING", ""]
    lines.insert(3, ": keep-alive")
    gateway = FakeGateway(sse_response(lines))

    events = list(gateway.client().chat.stream(model="m", messages=[user_message("hi")]))

    assert [event for event in events if isinstance(event, TextDelta)] == [TextDelta("a")]
    assert isinstance(events[-1], StreamDone)


def test_chat_stream_stops_at_done_marker():
    lines = [*sse_chunks("a"), *sse_chunks("ignored after done")]
    gateway = FakeGateway(sse_response(lines))

    events = list(gateway.client().chat.stream(model="m", messages=[user_message("hi")]))

    assert events[-1].completion.text == "a"


def test_chat_stream_keeps_partial_text_when_connection_drops():
    chunk = sse_chunks("partial")[:2]
    gateway = FakeGateway(sse_response(chunk))
    stream = gateway.client().chat.stream(model="m", messages=[user_message("hi")])

    with pytest.raises(OutcomeUnknown) as caught:
        list(stream)

    assert stream.text == "partial"
    assert caught.value.retryable is False


def test_chat_stream_raises_generation_failed_on_error_chunk():
    error = {"error": {"message": "upstream error: 内容违规", "type": "upstream_error"}}
    gateway = FakeGateway(
        sse_response([*sse_chunks("a")[:2], f"data: {json.dumps(error, ensure_ascii=False)}", ""])
    )

    with pytest.raises(GenerationFailed) as caught:
        list(gateway.client().chat.stream(model="m", messages=[user_message("hi")]))

    assert caught.value.gateway_message == "upstream error: 内容违规"


def test_chat_stream_accepts_json_answer_to_a_stream_request():
    gateway = FakeGateway(chat_answer("whole answer", model="m"))

    events = list(gateway.client().chat.stream(model="m", messages=[user_message("hi")]))

    assert events[0] == TextDelta("whole answer")
    assert isinstance(events[-1], StreamDone)
    assert events[-1].completion.text == "whole answer"


def test_chat_stream_does_not_report_progress_for_plain_chat():
    gateway = FakeGateway(sse_response(sse_chunks("> 进度 50%\n", "done")))

    events = list(gateway.client().chat.stream(model="m", messages=[user_message("hi")]))

    assert not any(isinstance(event, ProgressUpdate) for event in events)


def test_chat_stream_sends_nothing_until_iterated():
    gateway = FakeGateway(sse_response(sse_chunks("a")))

    gateway.client().chat.stream(model="m", messages=[user_message("hi")])

    assert gateway.requests == []


def test_server_sent_events_join_multiline_data_and_dispatch_at_blank_line():
    decoder = ServerSentEvents()

    assert decoder.feed('data: {"a":') == []
    assert decoder.feed("data: 1}") == []
    assert decoder.feed("") == ['{"a":\n1}']


def test_server_sent_events_ignore_comment_lines_inside_an_event():
    decoder = ServerSentEvents()

    assert decoder.feed('data: {"a":') == []
    assert decoder.feed(": keep-alive") == []
    assert decoder.feed("data: 1}") == []
    assert decoder.feed("") == ['{"a":\n1}']


def test_server_sent_events_dispatch_complete_json_without_blank_line():
    decoder = ServerSentEvents()

    assert decoder.feed('data:{"a":1}') == ['{"a":1}']
    assert decoder.feed("data: [DONE]") == ["[DONE]"]
    assert decoder.feed("event: message") == []


def test_completions_create_posts_prompt():
    gateway = FakeGateway(
        json_response(
            {
                "id": "cmpl-1",
                "object": "text_completion",
                "created": 1756312400,
                "model": "gpt-3.5-turbo-instruct",
                "choices": [{"text": " time", "index": 0, "logprobs": None, "finish_reason": "length"}],
                "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
            }
        )
    )

    completion = gateway.client().completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Once upon a", max_tokens=16, temperature=0
    )

    assert gateway.last.url.path == "/sandbox/v1/completions"
    assert gateway.last_json() == {
        "model": "gpt-3.5-turbo-instruct",
        "prompt": "Once upon a",
        "max_tokens": 16,
        "temperature": 0,
        "stream": False,
    }
    assert completion.text == " time"
    assert completion.finish_reason == "length"


def test_completions_stream_reads_choice_text():
    chunk = {
        "object": "text_completion",
        "choices": [{"text": " time", "index": 0, "finish_reason": "length"}],
    }
    gateway = FakeGateway(sse_response([f"data: {json.dumps(chunk)}", "", "data: [DONE]", ""]))

    events = list(gateway.client().completions.stream(model="gpt-3.5-turbo-instruct", prompt="Once upon a"))

    assert events[0] == TextDelta(" time")
    assert events[-1].completion.text == " time"


def test_chat_stream_maps_read_timeout_to_outcome_unknown():
    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("no answer", request=request)

    gateway = FakeGateway(handler)

    with pytest.raises(OutcomeUnknown):
        list(gateway.client().chat.stream(model="m", messages=[user_message("hi")]))


class DroppingStream(httpx.SyncByteStream):
    """A body that sends some lines and then loses the connection."""

    def __init__(self, first_part: bytes) -> None:
        self._first_part = first_part

    def __iter__(self):
        yield self._first_part
        raise httpx.RemoteProtocolError("peer closed connection without sending complete message")


def test_chat_stream_maps_dropped_connection_mid_stream_to_outcome_unknown():
    first_part = "".join(f"{line}\n" for line in sse_chunks("half an ans")[:2]).encode()
    gateway = FakeGateway(
        httpx.Response(200, headers={"Content-Type": "text/event-stream"}, stream=DroppingStream(first_part))
    )
    stream = gateway.client().chat.stream(model="m", messages=[user_message("hi")])

    with pytest.raises(OutcomeUnknown) as caught:
        list(stream)

    assert stream.text == "half an ans"
    assert caught.value.retryable is False
