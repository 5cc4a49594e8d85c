"""Instagram derivative (Pillow) and caption rules."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image, ImageCms

from scheduler.publish.caption import MAX_CHARS, CaptionInput, build_caption, count_hashtags
from scheduler.publish.platform_image import MAX_ASPECT, MIN_ASPECT, make_derivative


def photo(path, size, exif=True, profile=False, mode="RGB"):
    image = Image.new(mode, size, (200, 120, 40) if mode == "RGB" else (200, 120, 40, 128))
    kwargs = {}
    if exif:
        data = Image.Exif()
        data[0x010F] = "CameraMaker"  # Make
        data[0x8825] = {1: "N", 2: (48.0, 46.0, 0.0)}  # GPS IFD
        kwargs["exif"] = data.tobytes()
    if profile:
        kwargs["icc_profile"] = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    image.save(path, "PNG" if mode == "RGBA" else "JPEG", **kwargs)
    return path


def check(derivative):
    with Image.open(derivative.path) as image:
        assert image.format == "JPEG" and image.mode == "RGB"
        assert image.width == 1080
        assert MIN_ASPECT <= image.width / image.height <= MAX_ASPECT
        assert not image.info.get("progressive") and not image.info.get("progression")
        assert not image.getexif() and "exif" not in image.info
        assert "icc_profile" not in image.info
    assert derivative.path.stat().st_size <= 8 * 1024 * 1024


def test_tall_photo_is_cropped_to_4_5(tmp_path):
    d = make_derivative(photo(tmp_path / "tall.jpg", (900, 2000)), tmp_path / "out.jpg")
    check(d)
    assert d.height == 1350


def test_wide_panorama_is_padded_to_1_91(tmp_path):
    d = make_derivative(photo(tmp_path / "wide.jpg", (4000, 1000)), tmp_path / "out.jpg", mode="pad")
    check(d)
    assert abs(1080 / d.height - 1.91) < 0.01


def test_in_range_photo_keeps_its_aspect_and_small_ones_are_upscaled(tmp_path):
    d = make_derivative(photo(tmp_path / "ok.jpg", (640, 480)), tmp_path / "out.jpg")
    check(d)
    assert d.height == 810


def test_transparent_png_and_foreign_profile_become_srgb_jpeg(tmp_path):
    check(make_derivative(photo(tmp_path / "a.png", (1200, 1200), exif=False, mode="RGBA"), tmp_path / "a.jpg"))


@settings(max_examples=40, deadline=None)
@given(w=st.integers(4, 3000), h=st.integers(4, 3000), mode=st.sampled_from(["crop", "pad"]))
def test_any_size_fits(tmp_path_factory, w, h, mode):
    folder = tmp_path_factory.mktemp("img")
    check(make_derivative(photo(folder / "in.jpg", (w, h), exif=False), folder / "out.jpg", mode))


def test_caption_has_credit_and_at_most_five_hashtags():
    caption = build_caption(CaptionInput("Plochingen", "anna.knipst", "Abendlicht am #Neckar #fluss",
                                         hashtags=("#Neckar", "Hundertwasserhaus", "#Fachwerk", "#extra")))
    assert "📷 @anna.knipst" in caption and "📍 Plochingen" in caption
    assert count_hashtags(caption) == 5
    # "#Neckar" is also an extra tag: it keeps its sign in the text and leaves the tag line;
    # "#fluss" would be a sixth hashtag, so only the word stays.
    assert caption.startswith("Abendlicht am #Neckar fluss\n")


@settings(max_examples=200)
@given(text=st.text(max_size=5000), handle=st.from_regex(r"[a-z0-9._]{1,30}", fullmatch=True),
       tags=st.lists(st.text(min_size=1, max_size=30), max_size=10))
def test_truncation_never_cuts_the_credit_or_a_hashtag(text, handle, tags):
    data = CaptionInput("Esslingen am Neckar", handle, text, tuple(tags), "https://example.org/x/")
    for include_link in (False, True):
        caption = build_caption(data, include_link)
        assert len(caption) <= MAX_CHARS
        assert count_hashtags(caption) <= 5
        assert f"📷 @{handle}" in caption
        assert caption.rstrip().endswith("#SoistS #RegionStuttgart #EsslingenamNeckar"
                                         ) or "#EsslingenamNeckar #" in caption


def test_rounding_at_the_aspect_limits(tmp_path):
    for size in ((30, 38), (1000, 523), (1911, 1000), (799, 1000), (4, 5)):
        check(make_derivative(photo(tmp_path / "in.jpg", size, exif=False), tmp_path / "out.jpg"))
        check(make_derivative(photo(tmp_path / "in.jpg", size, exif=False), tmp_path / "pad.jpg", mode="pad"))
