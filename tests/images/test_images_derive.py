"""Unit tests of the derivative encoder: orientation, colour, metadata and every kind of bad file."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from PIL import Image, ImageCms

from demo.artwork import render_scene
from plugins.images.derive import EncodeSettings, encode, read_cached, target_widths

SMALL = EncodeSettings(widths=(200, 400, 800))


def run(tmp_path: Path, source: Path):
    entry = tmp_path / "cache" / source.name
    entry.parent.mkdir(parents=True, exist_ok=True)
    return encode(str(source), str(entry), SMALL), entry


def open_all(entry: Path):
    for path in sorted(entry.glob("*.*")):
        if path.suffix in (".jpg", ".webp"):
            with Image.open(path) as image:
                image.load()
                yield path, image


def assert_clean(entry: Path):
    found = 0
    for path, image in open_all(entry):
        found += 1
        assert not image.getexif(), path
        assert not {"exif", "xmp", "icc_profile", "XML:com.adobe.xmp"} & set(image.info), (path, image.info.keys())
        # JPEG is always RGB; WebP keeps transparency when the source had it
        assert image.mode == "RGB" or (path.suffix == ".webp" and image.mode == "RGBA"), (path, image.mode)
    assert found


def test_target_widths_never_upscale():
    assert target_widths(1600, (480, 800, 1200, 1600)) == [480, 800, 1200, 1600]
    assert target_widths(1000, (480, 800, 1200, 1600)) == [480, 800, 1000]
    assert target_widths(300, (480, 800)) == [300]


def test_exif_orientation_applied_and_gps_removed(tmp_path):
    source = tmp_path / "rotated.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise when displayed
    exif[0x010F] = "Kamera"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 46.0, 30.0), 3: "E", 4: (9.0, 10.0, 0.0)})
    render_scene(3, (800, 600)).save(source, "JPEG", exif=exif.tobytes(), quality=85)
    assert Image.open(source).getexif().get_ifd(0x8825), "fixture must carry GPS"
    result, entry = run(tmp_path, source)
    assert result.ok, result.error
    assert (result.width, result.height) == (600, 800)  # portrait after applying the orientation
    assert [v.width for v in result.variants] == [200, 400, 600]
    assert_clean(entry)
    assert b"GPS" not in (entry / "600.jpg").read_bytes() and b"Exif" not in (entry / "600.jpg").read_bytes()


def test_icc_profile_converted_and_not_embedded(tmp_path):
    source = tmp_path / "profiled.jpg"
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    render_scene(4, (500, 400)).save(source, "JPEG", icc_profile=icc)
    result, entry = run(tmp_path, source)
    assert result.ok and "colour profile converted to sRGB" in result.notes
    assert_clean(entry)


def test_cmyk_jpeg_converted(tmp_path):
    source = tmp_path / "print.jpg"
    render_scene(5, (500, 400)).convert("CMYK").save(source, "JPEG")
    result, entry = run(tmp_path, source)
    assert result.ok and any("CMYK" in n for n in result.notes)
    assert_clean(entry)


def test_16_bit_png_scaled_not_clipped(tmp_path):
    source = tmp_path / "deep.png"
    Image.new("I;16", (300, 200), 40000).save(source)
    result, entry = run(tmp_path, source)
    assert result.ok
    with Image.open(entry / "300.jpg") as image:
        red = image.getextrema()[0]
    assert 150 <= red[0] <= 160  # 40000/65535 of full scale, not clipped to 255


def test_animated_gif_first_frame(tmp_path):
    source = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (120, 80), colour) for colour in ("red", "green", "blue")]
    frames[0].save(source, save_all=True, append_images=frames[1:], duration=100, loop=0)
    result, entry = run(tmp_path, source)
    assert result.ok and any("animated" in n for n in result.notes)
    with Image.open(entry / "120.jpg") as image:
        r, g, b = image.convert("RGB").getpixel((60, 40))
    assert r > 200 and g < 60 and b < 60


def test_palette_png_with_transparency_flattened_for_jpeg(tmp_path):
    source = tmp_path / "logo.png"
    image = Image.new("RGBA", (100, 100), (0, 0, 0, 0))
    image.paste((200, 0, 0, 255), (25, 25, 75, 75))
    image.convert("P").save(source, transparency=0)
    result, entry = run(tmp_path, source)
    assert result.ok
    assert_clean(entry)


def test_wrong_extension_is_handled(tmp_path):
    source = tmp_path / "actually-png.jpg"
    render_scene(6, (300, 200)).save(source, "PNG")
    result, entry = run(tmp_path, source)
    assert result.ok and any("content is PNG" in n for n in result.notes)
    assert_clean(entry)


@pytest.mark.parametrize("name,writer,reason", [
    ("empty.jpg", lambda p: p.write_bytes(b""), "empty"),
    ("cut.jpg", lambda p: p.write_bytes(_jpeg_bytes()[:4000]), "truncated"),
    ("text.jpg", lambda p: p.write_text("kein Bild", encoding="utf-8"), "not an image"),
    ("bomb.png", lambda p: Image.new("1", (9000, 9000)).save(p), "decompression bomb"),
])
def test_bad_images_rejected_with_reason(tmp_path, name, writer, reason):
    source = tmp_path / name
    writer(source)
    result, entry = run(tmp_path, source)
    assert not result.ok
    assert reason in result.error
    assert not entry.exists()


def _jpeg_bytes() -> bytes:
    buffer = io.BytesIO()
    render_scene(7, (600, 400)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def test_cache_entry_round_trip(tmp_path):
    source = tmp_path / "scene.jpg"
    source.write_bytes(_jpeg_bytes())
    result, entry = run(tmp_path, source)
    cached = read_cached(str(source), str(entry))
    assert cached is not None and not cached.encoded and cached.variants == result.variants
    (entry / "200.webp").unlink()
    assert read_cached(str(source), str(entry)) is None  # incomplete entries are re-encoded


def test_draft_size_keeps_the_upright_width_covered():
    from plugins.images.derive import draft_size

    assert draft_size((4000, 3000), 1, 1600) == (1600, 1200)
    # Orientation 6 (rotated 90°): the stored height becomes the upright width.
    assert draft_size((4000, 3000), 6, 1600) == (2134, 1600)
    assert draft_size((800, 600), 1, 1600) == (800, 600)  # never asks for more than there is


def test_large_jpeg_derivatives_keep_full_width_and_detail(tmp_path):
    from PIL import Image, ImageDraw

    from plugins.images.derive import EncodeSettings, encode

    source = tmp_path / "big.jpg"
    image = Image.new("RGB", (4000, 3000), "white")
    draw = ImageDraw.Draw(image)
    for x in range(0, 4000, 40):
        draw.line([(x, 0), (x, 3000)], fill="black", width=8)
    image.save(source, quality=90)
    entry = tmp_path / "cache" / "entry"
    entry.parent.mkdir()
    result = encode(str(source), str(entry), EncodeSettings())
    assert result.ok, result.error
    assert [v.width for v in result.variants] == [480, 800, 1200, 1600]
    largest = Image.open(entry / "1600.jpg")
    assert largest.size == (1600, 1200)
    # The stripes survive the reduced-scale decode: strong contrast along a row.
    row = [largest.convert("L").getpixel((x, 600)) for x in range(0, 1600)]
    assert max(row) - min(row) > 150


def test_digest_memo_reads_only_new_or_changed_files(tmp_path, monkeypatch):
    from plugins.images import pipeline

    image = tmp_path / "foto.jpg"
    image.write_bytes(b"erste Fassung")
    reads: list[Path] = []
    real_digest = pipeline.file_digest
    monkeypatch.setattr(pipeline, "file_digest", lambda path: reads.append(path) or real_digest(path))
    memo = pipeline.DigestMemo(tmp_path / "digests.json")
    first = memo.digest(image)
    memo.save()
    again = pipeline.DigestMemo(tmp_path / "digests.json")  # a later build
    assert again.digest(image) == first and reads == [image]
    image.write_bytes(b"zweite Fassung")  # new bytes, new size and time
    assert again.digest(image) != first and len(reads) == 2



def test_the_digest_memo_is_one_file_per_content_folder_and_forgets_removed_images(tmp_path):
    """A cache shared by several content folders (the benchmarks' corpora, two checkouts) kept
    every folder's paths in one memo that every build loaded and held while rendering; and a
    renamed photo stayed in it for ever."""
    from plugins.images import pipeline

    cache = tmp_path / "cache"
    cache.mkdir()
    sites = []
    for name in ("erste", "zweite"):
        folder = tmp_path / name / "images"
        folder.mkdir(parents=True)
        for number in range(2):
            (folder / f"foto-{number}.jpg").write_bytes(f"{name} {number}".encode())
        sites.append(pipeline.ImagePipeline(tmp_path / name, cache, pipeline.EncodeSettings()))
    for site in sites:
        memo = site.digests()
        for path in site.sources():
            memo.digest(path)
        memo.save(map(str, site.sources()))
    files = {pipeline.digests_file(cache, site.content_path) for site in sites}
    assert len(files) == 2 and all(file.is_file() for file in files)
    first = pipeline.digests_file(cache, sites[0].content_path)
    assert sorted(Path(key).name for key in json.loads(first.read_text())) == ["foto-0.jpg", "foto-1.jpg"]
    (tmp_path / "erste" / "images" / "foto-1.jpg").rename(tmp_path / "erste" / "images" / "neu.jpg")
    memo = pipeline.DigestMemo(first)
    memo.digest(tmp_path / "erste" / "images" / "neu.jpg")
    memo.save(map(str, sites[0].sources()))
    assert sorted(Path(key).name for key in json.loads(first.read_text())) == ["foto-0.jpg", "neu.jpg"]
