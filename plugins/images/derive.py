"""Turn one source image into metadata-free sRGB derivatives (runs inside worker processes).

Everything here is a pure function of (source file, settings): no Pelican imports, so the
module is cheap to import in a process pool and easy to test on its own.
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import tempfile
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

# Bump when the pixels produced for the same settings change: it invalidates the cache.
PIPELINE_VERSION = 2
# The largest image (width × height) any part of the project decodes: the build here, the
# scheduler's import (scheduler/collect/image_clean.py) too. One number, so a photo the import
# accepts never fails the build. A 40-megapixel RGB image decodes to about 120 MB.
MAX_PIXELS = 40_000_000
RASTER_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".tif", ".tiff", ".bmp"})


@dataclass(frozen=True)
class EncodeSettings:
    widths: tuple[int, ...] = (480, 800, 1200, 1600)
    jpeg_quality: int = 82
    webp_quality: int = 80
    max_pixels: int = MAX_PIXELS

    def fingerprint(self) -> str:
        return json.dumps({**asdict(self), "version": PIPELINE_VERSION}, sort_keys=True)


@dataclass(frozen=True)
class Variant:
    width: int
    height: int
    jpg: str  # file name inside the cache entry
    webp: str


@dataclass(frozen=True)
class EncodeResult:
    source: str
    entry: str  # cache entry folder holding the derivative files
    ok: bool
    width: int = 0
    height: int = 0
    variants: tuple[Variant, ...] = ()
    error: str = ""
    encoded: bool = False  # False when served from the cache
    notes: tuple[str, ...] = field(default_factory=tuple)


class BadImage(Exception):
    """The source cannot be turned into a derivative; the message says why."""


def target_widths(original_width: int, widths: tuple[int, ...]) -> list[int]:
    """Requested widths that do not upscale, plus the original width if it is smaller than the largest."""
    chosen = sorted({w for w in widths if w <= original_width})
    if original_width < max(widths) and original_width not in chosen:
        chosen.append(original_width)
    return chosen or [original_width]


def _first_frame(image: Image.Image, notes: list[str]) -> None:
    if getattr(image, "is_animated", False):
        notes.append(f"animated ({image.n_frames} frames): using the first frame")
        image.seek(0)


def _to_8bit(image: Image.Image, notes: list[str]) -> Image.Image:
    """16-bit and float greyscale modes: scale to 0..255 instead of clipping."""
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N"):
        notes.append(f"16-bit ({image.mode}) scaled to 8-bit")
        return image.convert("I").point(lambda value: value * (1 / 257)).convert("L")
    if image.mode == "I":
        notes.append("32-bit integer greyscale scaled to 8-bit")
        low, high = image.getextrema()
        scale = 255 / max(high, 255)
        return image.point(lambda value: value * scale).convert("L")
    if image.mode == "F":
        return image.convert("L")
    return image


def to_srgb(image: Image.Image, notes: list[str]) -> Image.Image:
    """Convert any mode/colour space to 8-bit RGB or RGBA in sRGB."""
    image = _to_8bit(image, notes)
    icc = image.info.get("icc_profile")
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info) \
        or (image.mode in ("RGB", "L") and "transparency" in image.info)
    if image.mode == "P" or (has_alpha and image.mode not in ("RGBA",)):
        image = image.convert("RGBA" if has_alpha else "RGB")
    if icc:
        try:
            source_profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            target_mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source_profile, ImageCms.createProfile("sRGB"),
                                                  outputMode=target_mode)
            if converted is not None:
                image = converted
            notes.append("colour profile converted to sRGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError) as exc:
            notes.append(f"embedded colour profile unusable ({exc}); converted without it")
    if image.mode == "CMYK":
        notes.append("CMYK converted to RGB")
    if image.mode not in ("RGB", "RGBA"):
        image = image.convert("RGB")
    return image


def _flatten(image: Image.Image) -> Image.Image:
    """JPEG has no alpha: put transparent areas on white."""
    if image.mode != "RGBA":
        return image
    background = Image.new("RGB", image.size, (255, 255, 255))
    background.paste(image, mask=image.getchannel("A"))
    return background


def _clean_copy(image: Image.Image) -> Image.Image:
    """A pixel-only copy: no info dict, hence no EXIF/XMP/ICC can be written by save()."""
    fresh = Image.frombytes(image.mode, image.size, image.tobytes())
    fresh.info = {}
    return fresh


def draft_size(size: tuple[int, int], orientation: int, largest_width: int) -> tuple[int, int]:
    """The stored-orientation size a JPEG must keep so its upright width still covers largest_width."""
    width, height = size
    upright_width = height if orientation in (5, 6, 7, 8) else width
    scale = min(1.0, largest_width / upright_width)
    return math.ceil(width * scale), math.ceil(height * scale)


def load_normalised(source: Path, max_pixels: int, notes: list[str], largest_width: int | None = None) -> Image.Image:
    """Open, validate, orient and colour-convert a source image, or raise BadImage.

    With largest_width, a JPEG is decoded at a reduced DCT scale that still covers that
    width: a 12-megapixel photo for 1600-px derivatives decodes at a quarter of the pixels.
    """
    size = source.stat().st_size
    if size == 0:
        raise BadImage("file is empty (0 bytes)")
    Image.MAX_IMAGE_PIXELS = max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(source) as opened:
                pixels = opened.width * opened.height
                if pixels > max_pixels:
                    raise BadImage(f"{opened.width}x{opened.height} = {pixels} pixels exceeds the limit of "
                                   f"{max_pixels} (possible decompression bomb)")
                expected = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG", ".gif": "GIF", ".webp": "WEBP",
                            ".tif": "TIFF", ".tiff": "TIFF", ".bmp": "BMP"}.get(source.suffix.lower())
                if expected and opened.format != expected:
                    notes.append(f"file extension {source.suffix} but content is {opened.format}")
                _first_frame(opened, notes)
                if largest_width and opened.format == "JPEG":
                    opened.draft(opened.mode, draft_size(opened.size, opened.getexif().get(0x0112, 1), largest_width))
                opened.load()
                # exif_transpose returns an upright copy that keeps info (the ICC profile we still need)
                image = ImageOps.exif_transpose(opened)
                return to_srgb(image, notes)
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise BadImage(f"possible decompression bomb: {exc}") from None
    except UnidentifiedImageError:
        raise BadImage("not an image file Pillow can read (unknown or corrupt format)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise BadImage(f"cannot decode image (truncated or corrupt): {exc}") from None


def encode(source: str, entry: str, settings: EncodeSettings) -> EncodeResult:
    """Write every derivative of `source` into cache folder `entry`; never raises."""
    notes: list[str] = []
    try:
        image = load_normalised(Path(source), settings.max_pixels, notes, largest_width=max(settings.widths))
        width, height = image.size
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=Path(entry).parent))
        variants: list[Variant] = []
        # Largest first, each smaller one resized from the previous: fewer pixels to filter.
        resized = image
        for target in sorted(target_widths(width, settings.widths), reverse=True):
            target_height = max(1, round(height * target / width))
            if target != resized.width:
                resized = resized.resize((target, target_height), Image.Resampling.LANCZOS)
            webp = _clean_copy(resized)
            webp.save(staging / f"{target}.webp", "WEBP", quality=settings.webp_quality, method=4)
            _clean_copy(_flatten(resized)).save(staging / f"{target}.jpg", "JPEG", quality=settings.jpeg_quality,
                                                optimize=True, progressive=True)
            variants.append(Variant(target, target_height, f"{target}.jpg", f"{target}.webp"))
        variants.sort(key=lambda variant: variant.width)
        result = EncodeResult(source, entry, True, width, height, tuple(variants), encoded=True, notes=tuple(notes))
        (staging / "meta.json").write_text(json.dumps(_result_to_json(result)), encoding="utf-8")
        try:
            os.replace(staging, entry)
        except OSError:  # another build finished the same entry first: theirs is identical
            shutil.rmtree(staging, ignore_errors=True)
        return result
    except BadImage as exc:
        return EncodeResult(source, entry, False, error=str(exc), notes=tuple(notes))
    except Exception as exc:  # noqa: BLE001 - a worker must report, never crash the build
        return EncodeResult(source, entry, False, error=f"unexpected {type(exc).__name__}: {exc}", notes=tuple(notes))


def _result_to_json(result: EncodeResult) -> dict:
    return {"width": result.width, "height": result.height, "notes": list(result.notes),
            "variants": [asdict(v) for v in result.variants]}


def read_cached(source: str, entry: str) -> EncodeResult | None:
    """The result stored in a complete cache entry, or None."""
    meta = Path(entry) / "meta.json"
    try:
        data = json.loads(meta.read_text(encoding="utf-8"))
        variants = tuple(Variant(**v) for v in data["variants"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    try:
        present = set(os.listdir(entry))  # one directory read instead of a stat per file
    except OSError:
        return None
    if not all(v.jpg in present and v.webp in present for v in variants):
        return None
    return EncodeResult(source, entry, True, data["width"], data["height"], variants, encoded=False,
                        notes=tuple(data.get("notes", ())))
