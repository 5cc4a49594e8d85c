"""Photos enter the store without metadata: checked, decoded once, upright, sRGB, re-encoded.

Why: a phone photo carries the GPS position where it was taken (often someone's home), the
camera's serial number, XMP/IPTC and maker notes. The project keeps none of that — only what
the workflow needs leaves the file: the taken date (into the store) and the dimensions.

Every check says in German what is wrong, because the verdict is stored as the reason of a
rejected post and shown on the review board. The pixel limit is the build's (one number,
plugins/images/derive.py), so an accepted photo never fails the site build later.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone

from PIL import ExifTags, Image, ImageOps, UnidentifiedImageError

from plugins.images.derive import MAX_PIXELS, to_srgb
from plugins.navigation.dates import BERLIN

JPEG_QUALITY = 95  # the original is kept for later derivatives: re-encode close to lossless
LOSSY_SOURCES = ("JPEG", "MPO")  # camera JPEGs stay JPEG; everything else becomes lossless PNG
DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError)


class BadImage(ValueError):
    """The file cannot become a stored photo; the message (German) says why."""


@dataclass(frozen=True)
class CleanImage:
    image: Image.Image  # upright, 8-bit RGB or RGBA in sRGB, with an empty info dict
    data: bytes  # the metadata-free encoding the media store keeps
    taken_at: datetime | None  # EXIF DateTimeOriginal as UTC, read before it was dropped


def german_number(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def _content_hint(data: bytes) -> str:
    head = data[:64].lstrip().lower()
    if head.startswith((b"<!doctype", b"<html", b"<?xml", b"<svg", b"<")):
        return " (der Inhalt ist Text/HTML, kein Foto)"
    return ""


def open_checked(data: bytes, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Open (header only) and refuse what must never be decoded: empty files, non-images and
    decompression bombs — a few hundred bytes of PNG may claim 30000×30000 pixels."""
    if not data:
        raise BadImage("Datei ist leer (0 Bytes)")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            opened = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise BadImage("kein lesbares Bild" + (_content_hint(data) or " (Format unbekannt oder Datei beschädigt)")) from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(f"zu groß: mehr als {german_number(max_pixels)} Pixel (mögliche Dekompressionsbombe)") from None
    except DECODE_ERRORS as exc:
        raise BadImage(f"Bild beschädigt: {exc}") from None
    pixels = opened.width * opened.height
    if pixels > max_pixels:
        opened.close()
        raise BadImage(f"zu groß: {german_number(opened.width)}×{german_number(opened.height)} Pixel, erlaubt sind "
                       f"höchstens {german_number(max_pixels)} (mögliche Dekompressionsbombe)")
    return opened


def exif_taken_at(exif: Image.Exif) -> datetime | None:
    """DateTimeOriginal (with OffsetTimeOriginal when the camera wrote one, else Berlin time) as UTC."""
    details = exif.get_ifd(ExifTags.IFD.Exif)
    raw = details.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
    if not isinstance(raw, str):
        return None
    try:
        local = datetime.strptime(raw.strip().rstrip("\x00"), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    offset = details.get(ExifTags.Base.OffsetTimeOriginal)
    if isinstance(offset, str):
        try:
            return datetime.fromisoformat(local.isoformat() + offset.strip()).astimezone(timezone.utc)
        except ValueError:
            pass
    return local.replace(tzinfo=BERLIN).astimezone(timezone.utc)


def taken_at_of(data: bytes) -> datetime | None:
    """The taken date of an image file, or None (never raises: the caller has a fallback)."""
    try:
        with open_checked(data) as opened:
            return exif_taken_at(opened.getexif())
    except (BadImage, *DECODE_ERRORS):
        return None


METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop", "iptc")


def carries_metadata(data: bytes) -> bool:
    """True when a kept file still has anything besides pixels (stored before this module existed)."""
    try:
        with open_checked(data) as opened:
            text_chunks = getattr(opened, "text", {}) if opened.format == "PNG" else {}
            return bool(opened.getexif()) or any(key in opened.info for key in METADATA_KEYS) or bool(text_chunks) \
                or b"Exif" in data[:65536]
    except (BadImage, *DECODE_ERRORS):
        return False


def _pixels_only(image: Image.Image) -> Image.Image:
    """A copy without the info dict: no EXIF, XMP, ICC, comments or text chunks can be saved."""
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    fresh.info = {}
    return fresh


def flatten(image: Image.Image) -> Image.Image:
    """RGB for JPEG and hashing: transparent areas on white."""
    if image.mode != "RGBA":
        return image.convert("RGB")
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def encode(image: Image.Image, source_format: str) -> bytes:
    buffer = io.BytesIO()
    if source_format in LOSSY_SOURCES and image.mode == "RGB":
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=0, optimize=True)
    else:
        image.save(buffer, "PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def clean(data: bytes, max_pixels: int = MAX_PIXELS) -> CleanImage:
    """Check, decode, turn upright (EXIF orientation), convert to 8-bit sRGB, strip all metadata.

    High-bit-depth and unusual modes (16-bit PNG, I;16, CMYK, palette, alpha) go through the
    build's own to_srgb(), which scales 16 bit instead of clipping it to white."""
    with open_checked(data, max_pixels) as opened:
        try:
            taken = exif_taken_at(opened.getexif())
        except DECODE_ERRORS:
            taken = None
        source_format = opened.format or ""
        try:
            if getattr(opened, "is_animated", False):
                opened.seek(0)
            opened.load()
            upright = ImageOps.exif_transpose(opened)  # keeps the ICC profile to_srgb still needs
            converted = to_srgb(upright, [])
        except DECODE_ERRORS as exc:
            raise BadImage(f"Bild beschädigt oder abgeschnitten: {exc}") from None
    image = _pixels_only(converted)
    return CleanImage(image=image, data=encode(image, source_format), taken_at=taken)
