"""The <picture> markup: escaping, eager/lazy loading, fallback size."""

from __future__ import annotations

from bs4 import BeautifulSoup

from plugins.images.derive import EncodeResult, Variant
from plugins.images.markup import picture_markup
from plugins.images.pipeline import Derivatives


def _derivatives() -> Derivatives:
    variants = tuple(Variant(w, w * 3 // 4, f"{w}.jpg", f"{w}.webp") for w in (480, 800, 1200, 1600))
    result = EncodeResult("x.jpg", "/cache/x", True, 1600, 1200, variants)
    return Derivatives("images/x.jpg", result, "images/x-0123456789")


def test_lazy_picture():
    html = picture_markup(_derivatives(), 'Ein "Bild" <b>', sizes="50vw", siteurl="https://example.org")
    img = BeautifulSoup(html, "lxml").find("img")
    assert img["alt"] == 'Ein "Bild" <b>' and "<b>" not in html
    assert img["src"] == "https://example.org/images/x-0123456789-800.jpg"
    assert (img["width"], img["height"], img["loading"], img["decoding"]) == ("1600", "1200", "lazy", "async")
    assert not img.has_attr("fetchpriority")
    webp = BeautifulSoup(html, "lxml").find("source")
    assert webp["type"] == "image/webp" and webp["srcset"].endswith("images/x-0123456789-1600.webp 1600w")


def test_eager_picture_has_high_priority():
    soup = BeautifulSoup(picture_markup(_derivatives(), "", loading="eager", css_class="hero"), "lxml")
    img = soup.find("img")
    assert img["loading"] == "eager" and img["fetchpriority"] == "high" and img["alt"] == ""
    assert soup.find("picture")["class"] == ["hero"]
