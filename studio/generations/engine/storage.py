"""Storing a generation's result files for good: checked, decoded, with a thumbnail or a poster frame.

Downloads are SSRF-checked, size-capped and deadline-bounded; every file is sniffed and fully decoded
before it is stored. A unique (generation, position) constraint keeps a second run from adding a result
again.
"""

from __future__ import annotations

import hashlib
import logging
import shutil
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.utils import timezone

from studio.generations.models import Asset, Generation
from studio.lib.downloads import Downloaded, download_to_file
from studio.lib.media import MediaError, MediaKind, make_poster, make_thumbnail, probe_file

logger = logging.getLogger(__name__)


def work_dir() -> Path:
    """A fresh scratch folder under MEDIA_WORK_DIR; the caller removes it."""
    base = Path(settings.MEDIA_WORK_DIR)
    base.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(dir=base))


def store_result_url(
    generation: Generation,
    url: str,
    *,
    position: int,
    max_bytes: int,
    deadline: float,
    expected: MediaKind | None,
) -> Asset | None:
    """Downloads one result (SSRF-checked, capped) and stores it as the generation's asset at `position`.

    Side effects: a download, files in storage and an Asset row; returns None if a concurrent run won.
    """
    work = work_dir()
    try:
        downloaded = download_to_file(
            url,
            work,
            max_bytes=max_bytes,
            deadline_s=deadline,
            allowed_private_hosts=settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS,
            allow_http_hosts=settings.DOWNLOAD_ALLOWED_PRIVATE_HOSTS,
        )
        return store_result_file(generation, downloaded, position=position, source_url=url, expected=expected)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def store_result_bytes(
    generation: Generation,
    content: bytes,
    *,
    position: int,
    expected: MediaKind | None,
    content_type: str = "",
    source_url: str = "",
) -> Asset | None:
    """Stores bytes the gateway answered with (audio, decoded images, text) like a downloaded result."""
    work = work_dir()
    try:
        path = work / "result.bin"
        path.write_bytes(content)
        downloaded = Downloaded(
            path=path,
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            content_type_header=content_type,
            final_url="",
        )
        return store_result_file(
            generation, downloaded, position=position, source_url=source_url, expected=expected
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)


def store_result_file(
    generation: Generation,
    downloaded: Downloaded,
    *,
    position: int,
    source_url: str,
    expected: MediaKind | None,
) -> Asset | None:
    """Sniffs and fully decodes a fetched file, then stores it with its thumbnail or poster.

    Raises MediaError when the file is not sound (or not of the `expected` kind). Returns the Asset, or
    None when a concurrent run stored this position first.
    """
    probe = probe_file(downloaded.path, expected=expected, max_pixels=settings.IMAGE_MAX_PIXELS)
    asset = Asset(
        team_id=generation.team_id,
        project_id=generation.project_id,
        generation=generation,
        created_by_id=generation.created_by_id,
        role=Asset.Role.RESULT,
        position=position,
        kind=probe.kind.value,
        mime_type=probe.mime,
        size=downloaded.size,
        sha256=downloaded.sha256,
        width=probe.width,
        height=probe.height,
        duration=probe.duration,
        source_url=source_url[:2000] if not source_url.startswith("data:") else "",
        fetched_at=timezone.now(),
    )
    with downloaded.path.open("rb") as handle:
        asset.file.save(f"result.{probe.extension}", File(handle), save=False)
    attach_previews(asset, downloaded.path)
    return asset if save_once(asset) else None


def attach_previews(asset: Asset, path: Path) -> None:
    """Adds the thumbnail (images) or poster frame (video); a failure here never loses the result."""
    preview = path.with_suffix(".preview.webp")
    try:
        if asset.kind == Asset.MediaKind.IMAGE:
            make_thumbnail(path, preview)
            with preview.open("rb") as handle:
                asset.thumbnail.save("thumb.webp", File(handle), save=False)
        elif asset.kind == Asset.MediaKind.VIDEO:
            make_poster(path, preview)
            with preview.open("rb") as handle:
                asset.poster.save("poster.webp", File(handle), save=False)
    except MediaError:
        logger.warning("Could not make a preview for %s", asset.file.name, exc_info=True)


def save_once(asset: Asset) -> bool:
    """Saves a result asset unless a concurrent run stored its position first (then drops our files)."""
    try:
        with transaction.atomic():
            asset.save()
    except IntegrityError:
        # A concurrent ingest stored this position first; keep theirs and drop our copy.
        for field in (asset.file, asset.thumbnail, asset.poster):
            if field:
                field.delete(save=False)
        return False
    return True
