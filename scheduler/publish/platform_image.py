"""The Instagram derivative of a photo: 1080 px wide, 4:5 … 1.91:1, sRGB baseline JPEG, no EXIF.

Instagram fetches the image itself from a public URL and rejects anything outside these
limits (error 36003 aspect ratio, 36001 resolution, 2207004 size), so the derivative is made
to fit before it is deployed rather than hoping Meta accepts the original.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageCms, ImageOps

from scheduler.store.private import make_public

WIDTH = 1080
MIN_ASPECT = 4 / 5  # width / height: tallest allowed (portrait)
MAX_ASPECT = 1.91  # widest allowed (landscape)
MAX_BYTES = 8 * 1024 * 1024
PAD_COLOUR = (255, 255, 255)


@dataclass(frozen=True)
class Derivative:
    path: Path
    width: int
    height: int
    bytes: int


def fit_aspect(image: Image.Image, mode: str = "crop") -> Image.Image:
    """Bring the aspect ratio into 4:5 … 1.91:1 by a centred crop or by padding."""
    width, height = image.size
    aspect = width / height
    if MIN_ASPECT <= aspect <= MAX_ASPECT:
        return image
    target = MIN_ASPECT if aspect < MIN_ASPECT else MAX_ASPECT
    if mode == "pad":
        if aspect < target:  # too tall: widen the canvas
            size = (math.ceil(height * target), height)
        else:  # too wide: heighten the canvas
            size = (width, math.ceil(width / target))
        canvas = Image.new("RGB", size, PAD_COLOUR)
        canvas.paste(image, ((size[0] - width) // 2, (size[1] - height) // 2))
        return canvas
    if aspect < target:  # too tall: crop height
        new_height = math.floor(width / target)
        top = (height - new_height) // 2
        return image.crop((0, top, width, top + new_height))
    new_width = math.floor(height * target)
    left = (width - new_width) // 2
    return image.crop((left, 0, left + new_width, height))


def to_srgb(image: Image.Image) -> Image.Image:
    """Convert an embedded ICC profile to sRGB (Meta assumes sRGB); drop alpha onto white."""
    profile = image.info.get("icc_profile")
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, PAD_COLOUR)
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"),
                                              outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: keep the pixels as they are
    return image


def make_derivative(source: Path, target: Path, mode: str = "crop") -> Derivative:
    """Write the Instagram JPEG for `source` to `target` (atomically) and describe it."""
    with Image.open(source) as opened:
        opened.load()
        image = ImageOps.exif_transpose(opened)  # honour the camera's orientation before EXIF goes
        image.info["icc_profile"] = opened.info.get("icc_profile")
    image = fit_aspect(to_srgb(image), mode)
    # Clamp by a pixel at most, so rounding can never leave the allowed aspect range.
    height = min(max(round(image.height * WIDTH / image.width), math.ceil(WIDTH / MAX_ASPECT)),
                 math.floor(WIDTH / MIN_ASPECT))
    image = image.resize((WIDTH, height), Image.Resampling.LANCZOS)
    data = b""
    for quality in (90, 85, 80, 70, 60, 50):
        buffer = io.BytesIO()
        # No exif= and no icc_profile=: the file carries no metadata; baseline, not progressive.
        image.save(buffer, "JPEG", quality=quality, optimize=True, progressive=False)
        data = buffer.getvalue()
        if len(data) <= MAX_BYTES:
            break
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(target.suffix + ".part")
    partial.write_bytes(data)
    make_public(partial)  # published verbatim by the site: readable by the web server despite the umask
    partial.replace(target)
    return Derivative(target, WIDTH, height, len(data))
