"""Copying a finished task's results into the studio's own storage, for good.

Ingest is idempotent: it starts with a claim (a compare-and-set with a lease), results already stored are
skipped, and a unique (generation, position) constraint stops a second run adding them again (see
`storage.py` for the checks every file passes).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studio.accounts.gateway import client_for, explain
from studio.generations.engine import enqueue
from studio.generations.engine.progress import result_candidates
from studio.generations.engine.storage import save_once, store_result_bytes, store_result_url
from studio.generations.kinds import KINDS, Family
from studio.generations.models import Asset, Character, Generation, GenerationEvent, Status
from studio.lib.downloads import DownloadError
from studio.lib.media import MediaError, MediaKind
from studio.upstream import TaskView, UpstreamError

logger = logging.getLogger(__name__)

MAX_INGEST_ATTEMPTS = 3
# Kinds whose finished task yields text or a character rather than a file to download.


def claim_ingest(generation_id: int) -> uuid.UUID | None:
    """Claims an ingest whose previous claim (if any) has lapsed; returns the claim token."""
    token = uuid.uuid4()
    now = timezone.now()
    claimed = (
        Generation.objects.filter(pk=generation_id, status=Status.INGESTING)
        .filter(Q(claim_expires_at__isnull=True) | Q(claim_expires_at__lte=now))
        .update(
            claim_token=token,
            claim_expires_at=now + timedelta(seconds=settings.GENERATION_INGEST_LEASE),
            ingest_attempts=F("ingest_attempts") + 1,
        )
    )
    return token if claimed else None


def ingest_generation(generation_id: int) -> Status | None:
    """Stores every result of a finished task as an Asset, then marks the generation succeeded.

    Side effects: downloads, files in storage, Asset rows, and the generation's status.
    """
    token = claim_ingest(generation_id)
    if token is None:
        return None
    generation = Generation.objects.select_related("team", "project").get(pk=generation_id)
    try:
        _store_results(generation)
    except DownloadError as exc:
        return _download_failed(generation, token, exc)
    except MediaError as exc:
        return _fail(
            generation,
            token,
            "bad_result",
            _("The result file could not be read: %(reason)s") % {"reason": exc},
        )
    except UpstreamError as exc:
        if exc.retryable:
            return _retry_later(generation, token, str(exc))
        return _fail(generation, token, exc.code, explain(exc), exc.gateway_message)
    generation.mark_succeeded(claim_token=None, claim_expires_at=None, progress=100)
    return Status(generation.status)


def _store_results(generation: Generation) -> None:
    stored = set(generation.assets.filter(role=Asset.Role.RESULT).values_list("position", flat=True))
    if generation.spec.has_text_result:
        if 0 not in stored:
            _store_text(generation, generation.result_text, position=0)
        return
    if generation.spec.makes_character:
        _store_character(generation)
        return
    urls: list[str] = list(generation.result_urls)
    if not urls and generation.spec.family == Family.SORA:
        _store_sora_download(generation, stored)
        return
    if not urls:
        raise DownloadError(
            _("The gateway reported success but gave no result to download."), code="no_result"
        )
    if 0 in stored:
        return
    failure: DownloadError | None = None
    for url in urls:
        try:
            _store_url(generation, url, 0)
            return
        except DownloadError as exc:
            # An alternative address of the same result may still work; the last error is reported.
            failure = exc
    assert failure is not None
    raise failure


def _caps(generation: Generation) -> tuple[int, float]:
    if KINDS[generation.kind].family == Family.MIDJOURNEY:
        return settings.DOWNLOAD_MAX_IMAGE_BYTES, settings.DOWNLOAD_IMAGE_DEADLINE
    return settings.DOWNLOAD_MAX_VIDEO_BYTES, settings.DOWNLOAD_VIDEO_DEADLINE


def _expected_kind(generation: Generation) -> MediaKind | None:
    return MediaKind.IMAGE if KINDS[generation.kind].family == Family.MIDJOURNEY else None


def _store_url(generation: Generation, url: str, position: int) -> None:
    max_bytes, deadline = _caps(generation)
    store_result_url(
        generation,
        url,
        position=position,
        max_bytes=max_bytes,
        deadline=deadline,
        expected=_expected_kind(generation),
    )


def _store_sora_download(generation: Generation, stored: set[int]) -> None:
    if 0 in stored:
        return
    content = client_for(generation.team).sora.download(
        generation.upstream_task_id, max_bytes=settings.DOWNLOAD_MAX_VIDEO_BYTES
    )
    if content.video_url:
        _store_url(generation, content.video_url, 0)
        return
    store_result_bytes(
        generation,
        content.content or b"",
        position=0,
        expected=_expected_kind(generation),
        content_type=content.content_type,
    )


def _store_text(generation: Generation, text: str, *, position: int) -> None:
    data = text.encode()
    asset = Asset(
        team_id=generation.team_id,
        project_id=generation.project_id,
        generation=generation,
        created_by_id=generation.created_by_id,
        role=Asset.Role.RESULT,
        position=position,
        kind=Asset.MediaKind.TEXT,
        mime_type="text/plain",
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        fetched_at=timezone.now(),
    )
    asset.file.save("result.txt", ContentFile(data), save=False)
    save_once(asset)


def _store_character(generation: Generation) -> None:
    username = generation.result_text.strip()
    Character.objects.update_or_create(
        generation=generation,
        defaults={
            "team_id": generation.team_id,
            "project_id": generation.project_id,
            "name": generation.params.get("name") or username or _("Character"),
            "username": username,
            "is_real_person": bool(generation.params.get("real_person")),
        },
    )


def _download_failed(generation: Generation, token: uuid.UUID, exc: DownloadError) -> Status | None:
    generation.log(GenerationEvent.Kind.ERROR, message=str(exc), payload={"code": exc.code})
    if exc.expired and not generation.params.get("refetched_after_expiry"):
        return _refetch_after_expiry(generation, token)
    if exc.expired:
        return _fail(
            generation,
            token,
            "result_expired",
            _("The result's download link expired before the studio could save it."),
        )
    if exc.retryable:
        return _retry_later(generation, token, str(exc))
    return _fail(
        generation, token, exc.code, _("The result could not be downloaded: %(reason)s") % {"reason": exc}
    )


def _refetch_after_expiry(generation: Generation, token: uuid.UUID) -> Status | None:
    """An expired link gets one fresh look at the task; its new links are tried once more."""
    client = client_for(generation.team)
    family = KINDS[generation.kind].family
    view: TaskView
    if family == Family.MIDJOURNEY:
        view = client.midjourney.fetch(generation.upstream_task_id)
    elif family == Family.SORA:
        view = client.sora.get_video(generation.upstream_task_id)
    else:
        view = client.video.get(generation.upstream_task_id)
    urls = result_candidates(view)
    params = {**generation.params, "refetched_after_expiry": True}
    Generation.objects.filter(pk=generation.pk, claim_token=token).update(
        result_urls=urls, params=params, claim_expires_at=timezone.now()
    )
    generation.log(GenerationEvent.Kind.NOTE, message=_("The result link expired; fetched the task again."))
    enqueue.ingest(generation)
    return Status.INGESTING


def _retry_later(generation: Generation, token: uuid.UUID, reason: str) -> Status | None:
    if generation.ingest_attempts + 1 >= MAX_INGEST_ATTEMPTS:
        return _fail(
            generation,
            token,
            "download_failed",
            _("The result could not be downloaded: %(reason)s") % {"reason": reason},
        )
    delay = timedelta(seconds=2 ** (generation.ingest_attempts + 2))
    # Releasing the claim in the future lets the sweeper enqueue the next attempt then.
    Generation.objects.filter(pk=generation.pk, claim_token=token).update(
        claim_expires_at=timezone.now() + delay
    )
    return Status.INGESTING


def _fail(
    generation: Generation, token: uuid.UUID, code: str, message: str, gateway_message: str = ""
) -> Status:
    generation.mark_failed(
        code,
        message,
        gateway_message,
        allowed_from=[Status.INGESTING],
        claim_token=None,
        claim_expires_at=None,
    )
    return Status(generation.status)
