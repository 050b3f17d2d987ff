"""Time `make_thumbnail` and `make_poster` against the budgets, and easy-thumbnails if it is installed.

Run from the repository root: `.venv/bin/python bench/thumbnails.py [--runs 30]`.

Budgets (docs: performance-and-reliability-notes, section 4), one core, p95: a 1024² image to a 512 px WebP
in 150 ms, a 2048² PNG in 400 ms, and a 1080p H.264 poster frame in 150 ms. The test files are made here
(gradients, blotches and fine grain, so PNG cannot compress them away) in a temporary directory. The last
line printed is a JSON summary for scripts.
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import av
from PIL import Image, ImageChops, ImageFilter

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from studio.lib.media import make_poster, make_thumbnail

THUMBNAIL_SIZE = 512
WARM_UP_RUNS = 2
BUDGETS_MS = {"png_1024": 150, "jpeg_1024": 150, "png_2048": 400, "jpeg_2048": 400}
POSTER_BUDGET_MS = 150


def natural_image(size: int, *, shift: int = 0) -> Image.Image:
    """Smooth gradients with soft blotches and a little grain: compresses about like a rendered picture."""
    gradient = Image.linear_gradient("L").resize((size, size))
    radial = Image.radial_gradient("L").resize((size, size))
    blotches = Image.effect_noise((max(8, size // 32), max(8, size // 32)), 70).resize(
        (size, size), Image.Resampling.BICUBIC
    )
    blotches = blotches.filter(ImageFilter.GaussianBlur(size / 128))
    channels = [
        Image.blend(gradient, blotches, 0.5),
        Image.blend(radial, ImageChops.invert(blotches), 0.4),
        Image.blend(gradient.rotate(90), blotches, 0.3),
    ]
    grain = Image.effect_noise((size, size), 8)
    image = Image.merge("RGB", [ImageChops.add(channel, grain, 1.0, -128) for channel in channels])
    return ImageChops.offset(image, shift, shift // 3) if shift else image


def write_video(
    path: Path, *, width: int = 1920, height: int = 1080, seconds: float = 3.0, fps: int = 24
) -> None:
    """An H.264 MP4 like a generated clip: a two-second keyframe interval and a slow pan."""
    base = natural_image(max(width, height)).crop((0, 0, width, height))
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.codec_context.gop_size = 2 * fps
        stream.options = {"preset": "veryfast", "crf": "20"}
        for index in range(round(seconds * fps)):
            frame = av.VideoFrame.from_image(ImageChops.offset(base, index * 6, index * 2))
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def percentile(samples: list[float], fraction: float) -> float:
    """Nearest-rank percentile: with 30 samples, p95 is the second slowest."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(action: Callable[[], object], runs: int) -> tuple[float, float]:
    """Median and p95 wall time of `action` in milliseconds, after a few warm-up runs."""
    for _ in range(WARM_UP_RUNS):
        action()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), percentile(samples, 0.95)


def easy_thumbnails_pipeline() -> Callable[[Path, Path], object] | None:
    """easy-thumbnails' default source generator, processors and saver, or None when it is not installed.

    The saver picks the format from `dest`'s extension: ".jpg" is easy-thumbnails' default (JPEG q85), and
    ".webp" gives the same pipeline with our encoder settings, to tell resizing costs from encoding costs.
    """
    try:
        import easy_thumbnails  # noqa: F401
    except ImportError:
        return None
    import django
    from django.conf import settings

    if not settings.configured:
        settings.configure(INSTALLED_APPS=["easy_thumbnails"], USE_TZ=True)
        django.setup()
    from django.core.files import File
    from easy_thumbnails.engine import generate_source_image, process_image, save_pil_image

    options = {"size": (THUMBNAIL_SIZE, THUMBNAIL_SIZE)}

    def run(source: Path, dest: Path) -> object:
        with source.open("rb") as handle:
            image = generate_source_image(File(handle, name=source.name), options, fail_silently=False)
        thumbnail = process_image(image, options)
        encoder = {"quality": 80, "method": 4} if dest.suffix == ".webp" else {"quality": 85}
        with dest.open("wb") as out:
            return save_pil_image(thumbnail, out, filename=dest.name, **encoder)

    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    easy = easy_thumbnails_pipeline()

    with tempfile.TemporaryDirectory(prefix="bench-thumbnails-") as scratch:
        folder = Path(scratch)
        sources: dict[str, Path] = {}
        for size in (1024, 2048):
            image = natural_image(size)
            sources[f"png_{size}"] = folder / f"source-{size}.png"
            image.save(sources[f"png_{size}"], format="PNG")
            sources[f"jpeg_{size}"] = folder / f"source-{size}.jpg"
            image.save(sources[f"jpeg_{size}"], format="JPEG", quality=90)
        video = folder / "clip-1080p.mp4"
        write_video(video)

        print(
            f"{runs} runs each after {WARM_UP_RUNS} warm-up runs; "
            f"Pillow {Image.__version__}, PyAV {av.__version__}"
        )
        for name, path in sources.items():
            print(f"  {name}: {path.stat().st_size / 1024:,.0f} KiB")
        print(f"  video 1920x1080 3 s H.264: {video.stat().st_size / 1024:,.0f} KiB")
        print()

        ours: dict[str, tuple[float, float]] = {}
        easy_jpeg: dict[str, tuple[float, float]] = {}
        easy_webp: dict[str, tuple[float, float]] = {}
        print(
            f"{'ms (p50 / p95)':<12}{'ours → WebP':>16}{'easy → JPEG':>16}{'easy → WebP':>16}"
            f"{'our thumbnail':>16}"
        )
        for name, path in sources.items():
            dest = folder / f"{name}.webp"
            ours[name] = measure(lambda path=path, dest=dest: make_thumbnail(path, dest), runs)
            if easy is not None:
                for results, suffix in ((easy_jpeg, "jpg"), (easy_webp, "webp")):
                    easy_dest = folder / f"{name}-easy.{suffix}"
                    results[name] = measure(lambda path=path, dest=easy_dest: easy(path, dest), runs)
            print(
                f"{name:<12}{_pair(ours[name]):>16}{_pair(easy_jpeg.get(name)):>16}{_pair(easy_webp.get(name)):>16}"
                f"{dest.stat().st_size / 1024:>12.0f} KiB"
            )
        poster = folder / "poster.webp"
        poster_p50, poster_p95 = measure(lambda: make_poster(video, poster), runs)
        print(f"{'poster 1080p':<12}{_pair((poster_p50, poster_p95)):>16}{'':>32}{'':>16}")
        print()
        if easy is None:
            print("easy-thumbnails not installed: no comparison.")
        else:
            print(
                "easy → JPEG: easy-thumbnails' default pipeline (full decode, LANCZOS, JPEG q85); "
                "easy → WebP: the same with WebP q80 method 4."
            )
        over = [name for name, budget in BUDGETS_MS.items() if ours[name][1] > budget]
        if poster_p95 > POSTER_BUDGET_MS:
            over.append("poster")
        print("Every p95 within budget." if not over else f"Over budget: {', '.join(over)}.")

    summary = {
        "thumb_ms_p95": {name: round(p95, 1) for name, (_, p95) in ours.items()},
        "thumb_ms_p50": {name: round(p50, 1) for name, (p50, _) in ours.items()},
        "poster_ms_p95": round(poster_p95, 1),
        "poster_ms_p50": round(poster_p50, 1),
        "easy_thumbnails_ms_p95": {name: round(p95, 1) for name, (_, p95) in easy_jpeg.items()}
        if easy
        else None,
        "ratio_vs_easy_thumbnails": (
            {name: round(ours[name][1] / p95, 2) for name, (_, p95) in easy_jpeg.items()} if easy else None
        ),
    }
    print(json.dumps(summary))


def _pair(timings: tuple[float, float] | None) -> str:
    return "-" if timings is None else f"{timings[0]:.0f} / {timings[1]:.0f}"


if __name__ == "__main__":
    main()
