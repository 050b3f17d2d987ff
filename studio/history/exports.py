"""ZIP downloads of a selection: streamed at once when small, built in the background when large.

Media files are already compressed, so entries are stored, not deflated; the ZIP is written to a
non-seekable sink and handed out chunk by chunk, never held in memory. Each ZIP carries a manifest with
every prompt and parameter, so what was made can be understood (and made again) from the ZIP alone.
"""

from __future__ import annotations

import io
import json
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from datetime import timedelta

from django.core.files.base import File
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from studio import queue
from studio.accounts.audit import record_audit
from studio.accounts.models import AuditEvent, Team, User
from studio.generations.models import Asset, Generation
from studio.history.models import ZipExport

CHUNK = 1024 * 1024
STALE_BUILD = timedelta(minutes=30)


class _Sink(io.RawIOBase):
    """A write-only, non-seekable target that hands out what was written since the last drain."""

    def __init__(self) -> None:
        self._buffer = bytearray()
        self._offset = 0

    def writable(self) -> bool:
        return True

    def write(self, data: object) -> int:
        chunk = bytes(data)  # type: ignore[call-overload]
        self._buffer += chunk
        self._offset += len(chunk)
        return len(chunk)

    def tell(self) -> int:
        return self._offset

    def drain(self) -> bytes:
        data = bytes(self._buffer)
        self._buffer.clear()
        return data


def _entries(generations: Sequence[Generation]) -> list[tuple[str, Asset]]:
    assets = Asset.objects.filter(generation__in=generations, role=Asset.Role.RESULT).order_by(
        "generation_id", "position"
    )
    return [(f"{asset.generation_id}/{asset.download_name}", asset) for asset in assets]


def _manifest(generations: Sequence[Generation], entries: list[tuple[str, Asset]]) -> bytes:
    files: dict[int, list[str]] = {}
    for name, asset in entries:
        files.setdefault(asset.generation_id or 0, []).append(name)
    records = [
        {
            "id": generation.pk,
            "kind": generation.kind,
            "model": generation.model,
            "prompt": generation.prompt,
            "parameters": generation.params,
            "status": generation.status,
            "created_at": generation.created_at.isoformat(),
            "author": generation.created_by.name if generation.created_by else None,
            "parent": generation.parent_id,
            "files": files.get(generation.pk, []),
        }
        for generation in generations
    ]
    return json.dumps(records, ensure_ascii=False, indent=2).encode()


def total_size(generations: Sequence[Generation]) -> int:
    return sum(asset.size for _name, asset in _entries(generations))


def stream_zip(generations: Sequence[Generation], *, progress: list[int] | None = None) -> Iterator[bytes]:
    """The ZIP's bytes, chunk by chunk; `progress`, if given, receives how many files are written."""
    entries = _entries(generations)
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        archive.writestr("manifest.json", _manifest(generations, entries))
        yield sink.drain()
        for done, (name, asset) in enumerate(entries, start=1):
            with asset.file.open("rb") as source, archive.open(name, "w", force_zip64=True) as target:
                while chunk := source.read(CHUNK):
                    target.write(chunk)
                    yield sink.drain()
            if progress is not None:
                progress.append(done)
    yield sink.drain()


def record_zip_download(*, team: Team, user: User, generations: Sequence[Generation]) -> None:
    record_audit(
        team=team,
        actor=user,
        action=AuditEvent.Action.DOWNLOADED,
        summary=_("Downloaded %(count)d generations as a ZIP") % {"count": len(generations)},
        generations=[g.pk for g in generations],
    )


def build_zip_export(export_id: int) -> None:
    """Writes a queued export's ZIP into storage, updating its progress as files are added.

    Side effects: a file in storage and the export's status; running it twice builds it once.
    """
    # A build whose worker died (BUILDING for longer than any build takes) may be taken over.
    stale = timezone.now() - STALE_BUILD
    claimed = (
        ZipExport.objects.filter(pk=export_id)
        .filter(Q(status=ZipExport.Status.QUEUED) | Q(status=ZipExport.Status.BUILDING, started_at__lt=stale))
        .update(status=ZipExport.Status.BUILDING, started_at=timezone.now())
    )
    if not claimed:
        return
    export = ZipExport.objects.get(pk=export_id)
    generations = list(
        Generation.objects.filter(pk__in=export.generation_ids, team_id=export.team_id).select_related(
            "created_by"
        )
    )
    count = max(1, len(_entries(generations)))
    written: list[int] = []
    try:
        with tempfile.SpooledTemporaryFile(max_size=8 * CHUNK) as buffer:
            for chunk in stream_zip(generations, progress=written):
                buffer.write(chunk)
                if written:
                    ZipExport.objects.filter(pk=export_id).update(
                        progress=min(99, written[-1] * 100 // count)
                    )
            buffer.seek(0)
            export.file.save(f"aitre-{export_id}.zip", File(buffer), save=False)
        ZipExport.objects.filter(pk=export_id).update(
            file=export.file.name, status=ZipExport.Status.READY, progress=100, finished_at=timezone.now()
        )
    except OSError as exc:
        ZipExport.objects.filter(pk=export_id).update(
            status=ZipExport.Status.FAILED, error_message=str(exc), finished_at=timezone.now()
        )


def queue_zip_export(*, team: Team, user: User, generations: Sequence[Generation]) -> ZipExport:
    """Records an export of the selection and queues its building (after commit)."""
    export = ZipExport.objects.create(
        team=team, requested_by=user, generation_ids=[g.pk for g in generations]
    )
    queue.enqueue("studio.history.tasks.build_zip_export", export.pk, task_name=f"zip-{export.pk}")
    record_zip_download(team=team, user=user, generations=generations)
    return export
