"""The OpenAI-compatible endpoints of the sandbox gateway: chat, completions, images, audio, embeddings,
models, and new-api's answers for routes it does not implement or know."""

from __future__ import annotations

import secrets
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from studio.sandbox import catalogue, chat, images, lifecycle, media, pricing, speech, texts
from studio.sandbox.catalogue import Endpoint
from studio.sandbox.gateway import (
    GatewayCall,
    GatewayError,
    Surface,
    gateway_endpoint,
    invalid_request,
    json_response,
)


def _stream_response(events: Any) -> StreamingHttpResponse:
    response = StreamingHttpResponse(events, content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"
    return response


def _messages(body: dict[str, Any]) -> list[dict[str, Any]]:
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise invalid_request("'messages' is a required property", param="messages")
    if not all(isinstance(message, dict) and "role" in message for message in messages):
        raise invalid_request("Each message needs a 'role' and 'content'.", param="messages")
    return messages


@require_POST
@gateway_endpoint(Surface.OPENAI)
def chat_completions(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/chat/completions`: plain chat echoes; media models speak their templates."""
    body = call.read_json(request)
    card = catalogue.require_model(body.get("model"), Endpoint.CHAT)
    messages = _messages(body)
    prompt_tokens = sum(texts.count_tokens(texts.message_text(m.get("content"))) for m in messages)
    kind = chat.media_kind(card.id)
    finish_reason = "stop"
    if kind is None:
        text, finish_reason = texts.truncate_words(
            texts.chat_reply(card.id, messages), body.get("max_tokens")
        )
        script = chat.plain_script(text)
    else:
        prompt, image_urls = chat.last_user_message(messages)
        if not prompt.strip() and not image_urls:
            raise invalid_request("The last user message has no prompt.", param="messages")
        request_chat = chat.ChatRequest(card.id, prompt, image_urls, call.faults)
        try:
            script = chat.media_script(request, request_chat, kind)
        except media.MediaError as error:
            raise invalid_request(f"Invalid image in messages: {error}", param="messages") from None
    completion_id = f"chatcmpl-{secrets.token_hex(12)}"
    created = int(timezone.now().timestamp())
    if body.get("stream"):
        return _stream_response(
            chat.stream_events(
                script,
                completion_id=completion_id,
                model=card.id,
                created=created,
                prompt_tokens=prompt_tokens,
                finish_reason=finish_reason,
            )
        )
    lifecycle.sleep_scaled(script.duration)
    return json_response(
        chat.completion_payload(
            completion_id=completion_id,
            model=card.id,
            created=created,
            text=script.text,
            finish_reason=finish_reason,
            prompt_tokens=prompt_tokens,
        )
    )


@require_POST
@gateway_endpoint(Surface.OPENAI)
def completions(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/completions`: the legacy text completion, streamed or not."""
    body = call.read_json(request)
    card = catalogue.require_model(body.get("model"), Endpoint.COMPLETIONS)
    prompt = body.get("prompt")
    if isinstance(prompt, list):
        prompt = " ".join(str(part) for part in prompt)
    if not isinstance(prompt, str):
        raise invalid_request("'prompt' is a required property", param="prompt")
    text, finish_reason = texts.truncate_words(texts.completion_text(prompt), body.get("max_tokens", 16))
    completion_id = f"cmpl-{secrets.token_hex(12)}"
    created = int(timezone.now().timestamp())
    prompt_tokens = texts.count_tokens(prompt)
    if body.get("stream"):
        return _stream_response(
            chat.stream_events(
                chat.plain_script(text),
                completion_id=completion_id,
                model=card.id,
                created=created,
                prompt_tokens=prompt_tokens,
                finish_reason=finish_reason,
                is_legacy=True,
            )
        )
    completion_tokens = texts.count_tokens(text)
    return json_response(
        {
            "id": completion_id,
            "object": "text_completion",
            "created": created,
            "model": card.id,
            "choices": [{"text": text, "index": 0, "logprobs": None, "finish_reason": finish_reason}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }
    )


@require_POST
@gateway_endpoint(Surface.OPENAI)
def images_generations(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/images/generations`: DALL·E 3, gpt-image-1, Flux and Gemini text-to-image."""
    body = call.read_json(request)
    card = catalogue.require_model(body.get("model") or "dall-e-3", Endpoint.IMAGES)
    job = images.parse_job(body, model=card.id)
    return json_response(images.images_payload(request, job, images.render_job(job)))


@require_POST
@gateway_endpoint(Surface.OPENAI)
def images_edits(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/images/edits` (multipart): image-to-image over the uploaded `image` files and `mask`."""
    card = catalogue.require_model(request.POST.get("model") or "gpt-image-1", Endpoint.IMAGES)
    uploads = request.FILES.getlist("image") + request.FILES.getlist("image[]")
    if not uploads:
        raise invalid_request("'image' is a required property", param="image")
    try:
        sources = [media.decode_image(upload.read()) for upload in uploads]
        mask_upload = request.FILES.get("mask")
        mask = media.decode_image(mask_upload.read()) if mask_upload else None
    except media.MediaError:
        raise invalid_request(
            "Invalid image file: must be a PNG, JPEG or WEBP image.", param="image"
        ) from None
    fields: dict[str, Any] = {key: request.POST.get(key) for key in request.POST}
    if "n" in fields:
        fields["n"] = int(fields["n"]) if str(fields["n"]).isdigit() else fields["n"]
    job = images.parse_job(fields, model=card.id, sources=sources, mask=mask)
    return json_response(images.images_payload(request, job, images.render_job(job)))


@require_POST
@gateway_endpoint(Surface.OPENAI)
def audio_speech(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/audio/speech`: audio bytes that play for as long as the text takes to say."""
    body = call.read_json(request)
    catalogue.require_model(body.get("model"), Endpoint.SPEECH)
    text = body.get("input")
    if not isinstance(text, str) or not text.strip():
        raise invalid_request("'input' is a required property", param="input")
    if len(text) > speech.MAX_INPUT_CHARACTERS:
        raise invalid_request(
            f"'input' is longer than {speech.MAX_INPUT_CHARACTERS} characters.", param="input"
        )
    if body.get("voice") not in speech.VOICES:
        raise invalid_request(f"'voice' must be one of {sorted(speech.VOICES)}.", param="voice")
    response_format = body.get("response_format") or "mp3"
    if response_format not in media.AUDIO_FORMATS:
        raise invalid_request(
            f"'response_format' must be one of {sorted(media.AUDIO_FORMATS)}.", param="response_format"
        )
    speed = body.get("speed", 1.0)
    if not isinstance(speed, int | float) or not 0.25 <= speed <= 4.0:
        raise invalid_request("'speed' must be between 0.25 and 4.0.", param="speed")
    audio = speech.speak(text=text, response_format=response_format, speed=float(speed))
    response = HttpResponse(audio, content_type=media.AUDIO_FORMATS[response_format].content_type)
    response["Content-Length"] = str(len(audio))
    return response


def _transcription(request: HttpRequest, *, is_translation: bool) -> HttpResponse:
    catalogue.require_model(request.POST.get("model"), Endpoint.TRANSCRIPTION)
    upload = request.FILES.get("file")
    if upload is None:
        raise invalid_request("'file' is a required property", param="file")
    response_format = request.POST.get("response_format") or "json"
    if response_format not in speech.TRANSCRIPT_FORMATS:
        raise invalid_request(
            f"'response_format' must be one of {sorted(speech.TRANSCRIPT_FORMATS)}.", param="response_format"
        )
    try:
        transcript = speech.transcribe(upload.read(), is_translation=is_translation)
    except media.MediaError:
        raise invalid_request(
            "Invalid file format. Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm",
            param="file",
        ) from None
    body, content_type = speech.render_transcript(
        transcript, response_format, task="translate" if is_translation else "transcribe"
    )
    return HttpResponse(body, content_type=content_type)


@require_POST
@gateway_endpoint(Surface.OPENAI)
def audio_transcriptions(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/audio/transcriptions` (multipart): the text of the audio in the asked format."""
    return _transcription(request, is_translation=False)


@require_POST
@gateway_endpoint(Surface.OPENAI)
def audio_translations(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/audio/translations` (multipart): the audio's text in English."""
    return _transcription(request, is_translation=True)


@require_POST
@gateway_endpoint(Surface.OPENAI)
def embeddings(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`POST /v1/embeddings`: deterministic unit vectors from the input texts."""
    body = call.read_json(request)
    card = catalogue.require_model(body.get("model"), Endpoint.EMBEDDINGS)
    raw = body.get("input")
    inputs = [raw] if isinstance(raw, str) else raw
    if not isinstance(inputs, list) or not inputs:
        raise invalid_request("'input' is a required property", param="input")
    dimensions = body.get("dimensions") or texts.EMBEDDING_DIMENSIONS[card.id]
    if not isinstance(dimensions, int) or not 1 <= dimensions <= texts.EMBEDDING_DIMENSIONS[card.id]:
        raise invalid_request("'dimensions' is out of range for this model.", param="dimensions")
    if body.get("dimensions") and card.id == "text-embedding-ada-002":
        raise invalid_request("This model does not support specifying dimensions.", param="dimensions")
    encoding_format = body.get("encoding_format") or "float"
    if encoding_format not in {"float", "base64"}:
        raise invalid_request("'encoding_format' must be float or base64.", param="encoding_format")
    items = [str(item) for item in inputs]
    tokens = sum(texts.count_tokens(item) for item in items)
    data = [
        {
            "object": "embedding",
            "index": index,
            "embedding": texts.encode_embedding(texts.embedding(item, dimensions), encoding_format),
        }
        for index, item in enumerate(items)
    ]
    return json_response(
        {
            "object": "list",
            "data": data,
            "model": card.id,
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }
    )


@require_GET
@gateway_endpoint(Surface.OPENAI)
def models_list(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """`GET /v1/models`: every model of the catalogue, in new-api's list shape."""
    data = [catalogue.model_object(card) for card in catalogue.MODELS.values()]
    return json_response({"success": True, "object": "list", "data": data})


@require_GET
@gateway_endpoint(Surface.OPENAI)
def model_detail(request: HttpRequest, call: GatewayCall, model_id: str) -> HttpResponseBase:
    """`GET /v1/models/{id}`: one model, or OpenAI's 404."""
    card = catalogue.MODELS.get(model_id)
    if card is None:
        raise GatewayError(
            404,
            f"The model '{model_id}' does not exist",
            code="model_not_found",
            error_type="invalid_request_error",
            param="model",
        )
    return json_response(catalogue.model_object(card))


@gateway_endpoint(Surface.OPENAI)
def not_implemented(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """Routes new-api answers with 501: image variations, files, fine-tunes."""
    raise GatewayError(501, "API not implemented", code="api_not_implemented", error_type="new_api_error")


@gateway_endpoint(Surface.OPENAI, is_public=True)
def unknown_route(request: HttpRequest, call: GatewayCall) -> HttpResponseBase:
    """Any other `/v1/...` path: new-api's 404 `Invalid URL`."""
    path = "/" + request.path.split("/sandbox/", 1)[-1]
    raise GatewayError(
        404, f"Invalid URL ({request.method} {path})", error_type="invalid_request_error", code=""
    )


@require_GET
def api_pricing(request: HttpRequest) -> HttpResponseBase:
    """`GET /api/pricing`: new-api's public price list (no key needed on default installs)."""
    return json_response(pricing.price_list())
