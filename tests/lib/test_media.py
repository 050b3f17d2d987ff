"""Sniffing, decoding, thumbnails and posters, on real files that the tests make with Pillow and PyAV."""

from __future__ import annotations

import io
import struct
import zlib
from fractions import Fraction
from pathlib import Path

import av
import pytest
from PIL import Image, ImageDraw

from studio.lib.media import (
    MediaError,
    MediaKind,
    make_poster,
    make_thumbnail,
    probe_file,
    sniff,
    sniff_text,
    validate_upload,
)

# Builders ------------------------------------------------------------------------------------------


def write_image(
    path: Path, size: tuple[int, int] = (64, 48), *, image_format: str = "PNG", **options
) -> Path:
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    image.save(path, format=image_format, **options)
    return path


def write_noisy_png(path: Path, size: tuple[int, int]) -> Path:
    """A PNG that zlib cannot shrink much, so cutting it in half cuts into its pixel data."""
    Image.merge("RGB", [Image.effect_noise(size, 64).convert("L")] * 3).save(path, format="PNG")
    return path


def png_header_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose IHDR claims the given size: what a decompression bomb looks like to a decoder."""
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, format="PNG")
    data = buffer.getvalue()
    ihdr_start = 8 + 4  # signature, then the chunk's length field
    fields = struct.pack(">II", width, height) + data[ihdr_start + 12 : ihdr_start + 17]
    body = b"IHDR" + fields
    return data[:ihdr_start] + body + struct.pack(">I", zlib.crc32(body)) + data[ihdr_start + 4 + 13 + 4 :]


def write_video(
    path: Path,
    size: tuple[int, int],
    *,
    seconds: float = 1.0,
    fps: int = 12,
    black_until: float = 0.0,
    gop: int | None = None,
) -> Path:
    width, height = size
    with av.open(str(path), mode="w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        if gop:
            stream.codec_context.gop_size = gop
        for index in range(round(seconds * fps)):
            if index / fps < black_until:
                picture = Image.new("RGB", size)
            else:
                picture = Image.new("RGB", size, (40, 90, 200))
                ImageDraw.Draw(picture).ellipse(
                    (width // 4, height // 4, width // 2, height // 2), fill="yellow"
                )
            for packet in stream.encode(av.VideoFrame.from_image(picture)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def write_audio(path: Path, *, container_format: str, codec: str, seconds: float = 1.0) -> Path:
    rate = 22_050 if codec == "libmp3lame" else 16_000
    with av.open(str(path), mode="w", format=container_format) as container:
        stream = container.add_stream(codec, rate=rate, layout="mono")
        samples_per_frame = stream.codec_context.frame_size or 1024
        total = round(seconds * rate)
        for start in range(0, total, samples_per_frame):
            count = min(samples_per_frame, total - start)
            frame = av.AudioFrame(format=stream.codec_context.format.name, layout="mono", samples=count)
            for plane in frame.planes:
                plane.update(bytes(plane.buffer_size))
            frame.sample_rate = rate
            frame.pts = start
            frame.time_base = Fraction(1, rate)
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.fixture(scope="module")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("media")


@pytest.fixture(scope="module")
def landscape_video(media_dir: Path) -> Path:
    return write_video(media_dir / "landscape.mp4", (320, 180))


@pytest.fixture(scope="module")
def portrait_video(media_dir: Path) -> Path:
    return write_video(media_dir / "portrait.mp4", (180, 320))


@pytest.fixture(scope="module")
def wav_file(media_dir: Path) -> Path:
    return write_audio(media_dir / "speech.wav", container_format="wav", codec="pcm_s16le")


@pytest.fixture(scope="module")
def mp3_file(media_dir: Path) -> Path:
    return write_audio(media_dir / "speech.mp3", container_format="mp3", codec="libmp3lame")


@pytest.fixture
def text_file(tmp_path: Path) -> Path:
    path = tmp_path / "speech.mp3"
    path.write_text("This is a transcript, not a recording.\n")
    return path


# Sniffing ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "mime", "kind", "extension"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "image/png", MediaKind.IMAGE, "png"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg", MediaKind.IMAGE, "jpg"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", MediaKind.IMAGE, "webp"),
        (b"GIF89a\x01\x00\x01\x00", "image/gif", MediaKind.IMAGE, "gif"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf", "image/avif", MediaKind.IMAGE, "avif"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00isomiso2avc1mp41", "video/mp4", MediaKind.VIDEO, "mp4"),
        (b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  ", "video/quicktime", MediaKind.VIDEO, "mov"),
        (b"\x00\x00\x00\x1cftypM4A \x00\x00\x00\x00M4A isommp42", "audio/mp4", MediaKind.AUDIO, "m4a"),
        (b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm", MediaKind.VIDEO, "webm"),
        (
            b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska",
            "video/x-matroska",
            MediaKind.VIDEO,
            "mkv",
        ),
        (b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", MediaKind.AUDIO, "mp3"),
        (b"\xff\xfb\x90\x64\x00\x00", "audio/mpeg", MediaKind.AUDIO, "mp3"),
        (b"RIFF\x24\x08\x00\x00WAVEfmt ", "audio/wav", MediaKind.AUDIO, "wav"),
        (b"OggS\x00\x02" + bytes(22) + b"\x01\x13OpusHead", "audio/ogg", MediaKind.AUDIO, "opus"),
        (b"OggS\x00\x02" + bytes(22) + b"\x01\x1e\x01vorbis", "audio/ogg", MediaKind.AUDIO, "ogg"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac", MediaKind.AUDIO, "flac"),
        (b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac", MediaKind.AUDIO, "aac"),
    ],
)
def test_sniff_recognises_magic_bytes(head, mime, kind, extension):
    result = sniff(head)

    assert result is not None
    assert (result.mime, result.kind, result.extension) == (mime, kind, extension)


@pytest.mark.parametrize(
    "head",
    [
        b"",
        b"hello world",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
        b"\xff\xfe\x00\x00",
        b"PK\x03\x04",
    ],
)
def test_sniff_returns_none_for_other_bytes(head):
    assert sniff(head) is None


@pytest.mark.parametrize(
    ("data", "mime", "kind"),
    [
        (b"A quiet harbour at dawn.\n", "text/plain", MediaKind.TEXT),
        (b'{"prompt": "fox", "seed": 7}', "application/json", MediaKind.JSON),
        (b"\xef\xbb\xbf[1, 2, 3]", "application/json", MediaKind.JSON),
        (b"[not json", "text/plain", MediaKind.TEXT),
        (b"WEBVTT\n\n00:00.000 --> 00:01.000\nHello\n", "text/vtt", MediaKind.TEXT),
        (b"1\n00:00:00,000 --> 00:00:01,000\nHello\n", "application/x-subrip", MediaKind.TEXT),
        ("Füchse im Schnee 雪の狐".encode(), "text/plain", MediaKind.TEXT),
    ],
)
def test_sniff_text_recognises_text(data, mime, kind):
    result = sniff_text(data)

    assert result is not None
    assert (result.mime, result.kind) == (mime, kind)


@pytest.mark.parametrize("data", [b"", b"  \n", b"\xff\xfe\xfa", b"text\x00with a NUL", b"\x89PNG\r\n\x1a\n"])
def test_sniff_text_returns_none_for_binary_or_empty_data(data):
    assert sniff_text(data) is None


# Probing images ------------------------------------------------------------------------------------


def test_probe_file_reports_png_size(tmp_path):
    probe = probe_file(write_image(tmp_path / "a.png", (64, 48)), expected=MediaKind.IMAGE)

    assert (probe.kind, probe.mime, probe.width, probe.height, probe.frames) == (
        MediaKind.IMAGE,
        "image/png",
        64,
        48,
        1,
    )
    assert probe.duration is None


def test_probe_file_reports_displayed_size_when_jpeg_has_exif_rotation(tmp_path):
    exif = Image.Exif()
    exif[0x0112] = 6
    path = write_image(tmp_path / "rotated.jpg", (80, 40), image_format="JPEG", exif=exif)

    probe = probe_file(path)

    assert (probe.mime, probe.width, probe.height) == ("image/jpeg", 40, 80)


def test_probe_file_trusts_content_not_name_when_jpeg_is_named_png(tmp_path):
    path = write_image(tmp_path / "photo.png", image_format="JPEG")

    assert probe_file(path, expected=MediaKind.IMAGE).mime == "image/jpeg"


def test_probe_file_refuses_garbage_named_png(tmp_path):
    path = tmp_path / "picture.png"
    path.write_bytes(b"\x13\x37" * 500)

    with pytest.raises(MediaError) as caught:
        probe_file(path)

    assert caught.value.code == "unsupported_type"
    assert str(caught.value) == "This file is not an image, video or audio file."


def test_probe_file_refuses_wrong_kind_when_image_expected(tmp_path, wav_file):
    with pytest.raises(MediaError) as caught:
        probe_file(wav_file, expected=MediaKind.IMAGE)

    assert caught.value.code == "not_image"
    assert str(caught.value) == "This file is not an image."


def test_probe_file_refuses_truncated_png_as_corrupt(tmp_path):
    data = write_noisy_png(tmp_path / "whole.png", (128, 128)).read_bytes()
    path = tmp_path / "truncated.png"
    path.write_bytes(data[: len(data) // 2])

    with pytest.raises(MediaError) as caught:
        probe_file(path, expected=MediaKind.IMAGE)

    assert caught.value.code == "corrupt"


def test_probe_file_refuses_empty_file(tmp_path):
    path = tmp_path / "empty.png"
    path.touch()

    with pytest.raises(MediaError) as caught:
        probe_file(path)

    assert caught.value.code == "empty"


@pytest.mark.parametrize(
    ("width", "height"),
    [
        (20_000, 20_000),  # Past Pillow's own hard limit: it raises while reading the header.
        (12_000, 8_000),  # Past Pillow's warning threshold, which must count as an error too.
        (10_000, 8_000),  # Under both of Pillow's limits, over ours.
    ],
)
def test_probe_file_refuses_decompression_bomb_before_decoding(tmp_path, width, height):
    path = tmp_path / "bomb.png"
    path.write_bytes(png_header_claiming(width, height))

    with pytest.raises(MediaError) as caught:
        probe_file(path, expected=MediaKind.IMAGE)

    assert caught.value.code == "decompression_bomb"


def test_probe_file_refuses_real_image_over_pixel_cap(tmp_path):
    path = write_image(tmp_path / "big.png", (200, 200))

    with pytest.raises(MediaError) as caught:
        probe_file(path, max_pixels=10_000)

    assert caught.value.code == "decompression_bomb"
    assert str(caught.value) == "The image is too large (0.04 megapixels; the limit is 0.01)."


# Probing video and audio ---------------------------------------------------------------------------


def test_probe_file_reports_video_duration_size_and_frames(landscape_video):
    probe = probe_file(landscape_video, expected=MediaKind.VIDEO)

    assert (probe.kind, probe.mime, probe.width, probe.height, probe.frames) == (
        MediaKind.VIDEO,
        "video/mp4",
        320,
        180,
        12,
    )
    assert probe.duration == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(("fixture", "mime"), [("wav_file", "audio/wav"), ("mp3_file", "audio/mpeg")])
def test_probe_file_reports_audio_duration(request, fixture, mime):
    probe = probe_file(request.getfixturevalue(fixture), expected=MediaKind.AUDIO)

    assert (probe.kind, probe.mime, probe.width, probe.height) == (MediaKind.AUDIO, mime, None, None)
    assert probe.duration == pytest.approx(1.0, abs=0.1)


def test_probe_file_reports_audio_when_mp4_holds_only_sound(tmp_path):
    path = write_audio(tmp_path / "song.mp4", container_format="mp4", codec="aac")

    probe = probe_file(path)

    assert (probe.kind, probe.mime, probe.extension) == (MediaKind.AUDIO, "audio/mp4", "m4a")
    with pytest.raises(MediaError) as caught:
        probe_file(path, expected=MediaKind.VIDEO)
    assert caught.value.code == "not_video"


def test_probe_file_refuses_text_when_audio_expected(text_file):
    with pytest.raises(MediaError) as caught:
        probe_file(text_file, expected=MediaKind.AUDIO)

    assert caught.value.code == "not_audio"
    assert str(caught.value) == "This file is not an audio file."


def test_probe_file_refuses_truncated_video_as_corrupt(tmp_path, landscape_video):
    path = tmp_path / "cut.mp4"
    path.write_bytes(landscape_video.read_bytes()[:2000])

    with pytest.raises(MediaError) as caught:
        probe_file(path, expected=MediaKind.VIDEO)

    assert caught.value.code == "corrupt"


def test_probe_file_reads_json_when_json_expected(tmp_path):
    path = tmp_path / "result.json"
    path.write_text('{"url": "https://example.com/a.png"}')

    probe = probe_file(path, expected=MediaKind.JSON)

    assert (probe.kind, probe.mime) == (MediaKind.JSON, "application/json")


# Uploads -------------------------------------------------------------------------------------------


def test_validate_upload_accepts_allowed_image(tmp_path):
    probe = validate_upload(write_image(tmp_path / "a.png"), allowed={MediaKind.IMAGE}, max_bytes=1024 * 1024)

    assert (probe.kind, probe.width) == (MediaKind.IMAGE, 64)


def test_validate_upload_refuses_file_over_byte_cap(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(2 * 1024 * 1024))

    with pytest.raises(MediaError) as caught:
        validate_upload(path, allowed={MediaKind.IMAGE}, max_bytes=1024 * 1024)

    assert caught.value.code == "too_large"
    assert str(caught.value) == "The file is larger than the 1 MB limit."


def test_validate_upload_refuses_kind_not_allowed(tmp_path):
    with pytest.raises(MediaError) as caught:
        validate_upload(
            write_image(tmp_path / "a.png"), allowed={MediaKind.VIDEO, MediaKind.AUDIO}, max_bytes=1024 * 1024
        )

    assert caught.value.code == "unsupported_type"
    assert str(caught.value) == "This file is not a video or audio file."


def test_validate_upload_refuses_text_when_audio_allowed(text_file):
    with pytest.raises(MediaError) as caught:
        validate_upload(text_file, allowed={MediaKind.AUDIO}, max_bytes=1024 * 1024)

    assert caught.value.code == "unsupported_type"
    assert str(caught.value) == "This file is not an audio file."


def test_validate_upload_refuses_video_over_duration_cap(landscape_video):
    with pytest.raises(MediaError) as caught:
        validate_upload(
            landscape_video, allowed={MediaKind.VIDEO}, max_bytes=10 * 1024 * 1024, max_duration=0.5
        )

    assert caught.value.code == "too_long"
    assert str(caught.value) == "The video is too long (1 s; the limit is 0.5 s)."


def test_validate_upload_refuses_empty_file(tmp_path):
    path = tmp_path / "empty.wav"
    path.touch()

    with pytest.raises(MediaError) as caught:
        validate_upload(path, allowed={MediaKind.AUDIO}, max_bytes=1024)

    assert caught.value.code == "empty"


# Thumbnails ----------------------------------------------------------------------------------------


def test_make_thumbnail_writes_webp_within_size(tmp_path):
    dest = tmp_path / "thumb.webp"

    size = make_thumbnail(write_image(tmp_path / "wide.jpg", (600, 300), image_format="JPEG"), dest, size=128)

    assert size == (128, 64)
    with Image.open(dest) as thumbnail:
        assert (thumbnail.format, thumbnail.size) == ("WEBP", (128, 64))


def test_make_thumbnail_never_enlarges_small_image(tmp_path):
    dest = tmp_path / "thumb.webp"

    assert make_thumbnail(write_image(tmp_path / "small.png", (40, 30)), dest, size=128) == (40, 30)


def test_make_thumbnail_turns_image_upright_when_exif_says_rotated(tmp_path):
    # Stored sideways: red on the left, blue on the right. Orientation 6 means "turn 90° clockwise to
    # show", which brings the left edge to the top.
    picture = Image.new("RGB", (200, 100), "blue")
    ImageDraw.Draw(picture).rectangle((0, 0, 99, 99), fill="red")
    exif = Image.Exif()
    exif[0x0112] = 6
    source = tmp_path / "sideways.jpg"
    picture.save(source, format="JPEG", exif=exif)
    dest = tmp_path / "thumb.webp"

    size = make_thumbnail(source, dest, size=64)

    assert size == (32, 64)
    with Image.open(dest) as thumbnail:
        rgb = thumbnail.convert("RGB")
        top_red, _, top_blue = rgb.getpixel((16, 8))
        bottom_red, _, bottom_blue = rgb.getpixel((16, 56))
    assert top_red > 200 > top_blue
    assert bottom_blue > 200 > bottom_red


def test_make_thumbnail_keeps_transparency(tmp_path):
    source = tmp_path / "cutout.png"
    Image.new("RGBA", (100, 100), (255, 0, 0, 0)).save(source)
    dest = tmp_path / "thumb.webp"

    make_thumbnail(source, dest, size=50)

    with Image.open(dest) as thumbnail:
        assert thumbnail.mode == "RGBA"
        assert thumbnail.getpixel((25, 25))[3] == 0


def test_make_thumbnail_reads_palette_gif(tmp_path):
    source = tmp_path / "anim.gif"
    Image.linear_gradient("L").resize((80, 80)).convert("P").save(source)

    assert make_thumbnail(source, tmp_path / "thumb.webp", size=40) == (40, 40)


def test_make_thumbnail_refuses_decompression_bomb(tmp_path):
    source = tmp_path / "bomb.png"
    source.write_bytes(png_header_claiming(20_000, 20_000))
    dest = tmp_path / "thumb.webp"

    with pytest.raises(MediaError) as caught:
        make_thumbnail(source, dest)

    assert caught.value.code == "decompression_bomb"
    assert not dest.exists()


def test_make_thumbnail_refuses_truncated_image_and_leaves_no_file(tmp_path):
    data = write_noisy_png(tmp_path / "whole.png", (128, 128)).read_bytes()
    source = tmp_path / "truncated.png"
    source.write_bytes(data[: len(data) // 2])
    dest = tmp_path / "thumb.webp"

    with pytest.raises(MediaError) as caught:
        make_thumbnail(source, dest)

    assert caught.value.code == "corrupt"
    assert not dest.exists()


def test_make_thumbnail_refuses_video(tmp_path, landscape_video):
    with pytest.raises(MediaError) as caught:
        make_thumbnail(landscape_video, tmp_path / "thumb.webp")

    assert caught.value.code == "not_image"


# Posters -------------------------------------------------------------------------------------------


def test_make_poster_writes_webp_within_size(tmp_path, landscape_video):
    dest = tmp_path / "poster.webp"

    size = make_poster(landscape_video, dest, size=160)

    assert size == (160, 90)
    with Image.open(dest) as poster:
        assert (poster.format, poster.size) == ("WEBP", (160, 90))


def test_make_poster_keeps_portrait_video_portrait(tmp_path, portrait_video):
    assert make_poster(portrait_video, tmp_path / "poster.webp", size=160) == (90, 160)


def test_make_poster_skips_black_keyframes_when_video_fades_in(tmp_path):
    video = write_video(tmp_path / "fade.mp4", (160, 90), seconds=2.0, fps=24, black_until=1.0, gop=6)
    dest = tmp_path / "poster.webp"

    make_poster(video, dest)

    with Image.open(dest) as poster:
        darkest, brightest = poster.convert("L").getextrema()
    assert brightest - darkest > 50


def test_make_poster_refuses_audio(tmp_path, mp3_file):
    with pytest.raises(MediaError) as caught:
        make_poster(mp3_file, tmp_path / "poster.webp")

    assert caught.value.code == "not_video"


def test_make_poster_refuses_truncated_video_and_leaves_no_file(tmp_path, landscape_video):
    video = tmp_path / "cut.mp4"
    video.write_bytes(landscape_video.read_bytes()[:2000])
    dest = tmp_path / "poster.webp"

    with pytest.raises(MediaError) as caught:
        make_poster(video, dest)

    assert caught.value.code == "corrupt"
    assert not dest.exists()
