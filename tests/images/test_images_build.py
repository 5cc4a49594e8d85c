"""Real builds of a small site: stripped derivatives only, complete <picture> markup, cache, bad files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from PIL import Image

from demo.artwork import render_scene
from tests.community.smallsite import add_post, build, image_stats, make_content, sample_post

OUTPUT_IMAGE = re.compile(r"^.+-[0-9a-f]{10}-\d+\.(jpg|webp)$")


def _gps_jpeg(path: Path) -> None:
    exif = Image.Exif()
    exif[0x010F] = "Kamera"
    exif.get_ifd(0x8825).update({1: "N", 2: (48.0, 46.0, 30.0), 3: "E", 4: (9.0, 10.0, 0.0)})
    path.parent.mkdir(parents=True, exist_ok=True)
    render_scene(11, (1000, 700)).save(path, "JPEG", exif=exif.tobytes(), quality=80)


@pytest.fixture(scope="module")
def image_site(tmp_path_factory):
    root = tmp_path_factory.mktemp("image-site")
    content = make_content(root)
    post = sample_post("gps-probe")
    _gps_jpeg(content / post.image)  # the community photo itself carries GPS
    add_post(content, post)
    add_post(content, sample_post("second-probe", municipality="stuttgart"), seed=2, size=(1700, 1100))
    extra = content / "images" / "misc"
    extra.mkdir()
    render_scene(12, (640, 480)).convert("CMYK").save(extra / "cmyk.jpg", "JPEG")
    Image.new("I;16", (320, 240), 30000).save(extra / "deep.png")
    frames = [Image.new("RGB", (100, 60), c) for c in ("red", "blue")]
    frames[0].save(extra / "anim.gif", save_all=True, append_images=frames[1:], duration=100)
    render_scene(13, (300, 200)).save(extra / "png-named.jpg", "PNG")
    cache = root / "cache"
    first = build(content, root / "out1", cache)
    assert first.returncode == 0, first.stdout + first.stderr
    first_stats = image_stats(cache)
    second = build(content, root / "out2", cache)
    assert second.returncode == 0, second.stdout + second.stderr
    return {"root": root, "out": root / "out1", "out2": root / "out2", "first": first_stats,
            "second": image_stats(cache)}


def _output_images(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".gif", ".tif")
            and "theme" not in p.relative_to(out).parts]


def test_no_exif_or_gps_in_any_output_image(image_site):
    images = _output_images(image_site["out"])
    assert len(images) >= 20
    for path in images:
        with Image.open(path) as image:
            assert not image.getexif(), path
            assert "exif" not in image.info and "xmp" not in image.info, path
        assert b"GPS" not in path.read_bytes(), path


def test_originals_are_not_published(image_site):
    for path in _output_images(image_site["out"]):
        assert OUTPUT_IMAGE.match(path.name), f"{path} is not a derivative"
    assert not list(image_site["out"].rglob("gps-probe.jpg"))


def test_every_img_has_alt_srcset_and_dimensions(image_site):
    pages = list(image_site["out"].rglob("*.html"))
    checked = 0
    for page in pages:
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml")
        for img in soup.find_all("img"):
            assert img.has_attr("alt"), f"{page}: {img}"
            if img.find_parent("picture"):
                checked += 1
                assert img.get("srcset") and img.get("width") and img.get("height"), f"{page}: {img}"
                assert img.get("decoding") == "async" and img.get("loading") in ("lazy", "eager")
                source = img.find_parent("picture").find("source", type="image/webp")
                assert source and source.get("srcset"), f"{page}: {img}"
    assert checked >= 4


def test_widths_never_upscaled_and_dimensions_match(image_site):
    page = image_site["out"] / "wall" / "second-probe" / "index.html"
    img = BeautifulSoup(page.read_text(encoding="utf-8"), "lxml").find("picture").find("img")
    widths = [int(part.split()[1][:-1]) for part in img["srcset"].split(",")]
    assert widths == [480, 800, 1200, 1600]
    largest = image_site["out"] / img["srcset"].split(",")[-1].split()[0].lstrip("/")
    with Image.open(largest) as image:
        assert (image.width, image.height) == (int(img["width"]), int(img["height"])) == (1600, 1035)
    probe = BeautifulSoup((image_site["out"] / "wall" / "gps-probe" / "index.html").read_text(encoding="utf-8"),
                          "lxml").find("picture").find("img")
    assert [int(p.split()[1][:-1]) for p in probe["srcset"].split(",")] == [480, 800, 1000]


def test_second_build_encodes_nothing(image_site):
    assert image_site["first"]["encoded"] == 6 and image_site["first"]["failed"] == 0
    assert image_site["second"] == {"encoded": 0, "cached": 6, "failed": 0, "images": 6}
    first = sorted(p.relative_to(image_site["out"]) for p in _output_images(image_site["out"]))
    second = sorted(p.relative_to(image_site["out2"]) for p in _output_images(image_site["out2"]))
    assert first == second


def test_bad_images_stop_the_build_with_path_and_reason(tmp_path):
    content = make_content(tmp_path)
    add_post(content, sample_post())
    bad = content / "images" / "bad"
    bad.mkdir()
    (bad / "empty.jpg").write_bytes(b"")
    (bad / "text.jpg").write_text("kein Bild", encoding="utf-8")
    whole = (content / "images" / "community" / "probe-1.jpg").read_bytes()
    (bad / "cut.jpg").write_bytes(whole[: len(whole) // 3])
    Image.new("1", (9000, 9000)).save(bad / "bomb.png")
    result = build(content, tmp_path / "out", tmp_path / "cache")
    log = result.stdout + result.stderr
    assert result.returncode != 0
    assert "Traceback" not in log
    for name, reason in (("empty.jpg", "empty"), ("text.jpg", "not an image"), ("cut.jpg", "truncated"),
                         ("bomb.png", "decompression bomb")):
        line = next((line for line in log.splitlines() if name in line), "")
        assert reason in line or reason in log.split(name, 1)[1][:300], f"{name}: {log}"


def test_share_images_are_published_verbatim_only_without_metadata(tmp_path):
    """share/ holds the Instagram JPEGs Meta fetches by URL: served as they are, never with EXIF."""
    content = make_content(tmp_path)
    (content / "share").mkdir()
    render_scene(21, (1080, 1080)).save(content / "share" / "clean.jpg", "JPEG", quality=85)
    result = build(content, tmp_path / "out", tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr
    published = tmp_path / "out" / "share" / "clean.jpg"
    assert published.read_bytes() == (content / "share" / "clean.jpg").read_bytes()

    _gps_jpeg(content / "share" / "with-gps.jpg")
    result = build(content, tmp_path / "out2", tmp_path / "cache")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "share/with-gps.jpg" in output and "exif" in output
    assert not (tmp_path / "out2" / "share" / "with-gps.jpg").exists()
