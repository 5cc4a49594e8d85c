"""What Meta checks when it downloads an image for the local Graph API fake (documented limits:
JPEG, at most 8 MB, aspect 4:5 … 1.91:1; widths outside 320–1440 are scaled, not refused)."""

from __future__ import annotations

import io
from urllib.request import urlopen

MAX_BYTES = 8 * 1024 * 1024


def image_problem(url: str) -> str:
    """Why Meta would refuse the image at `url` ("" when it is fine)."""
    from PIL import Image

    try:
        with urlopen(url, timeout=5) as response:
            data = response.read(MAX_BYTES + 1)
    except OSError as exc:
        return f"download failed: {exc}"
    if len(data) > MAX_BYTES:
        return "larger than 8 MiB"
    try:
        with Image.open(io.BytesIO(data)) as image:
            kind, (width, height) = image.format, image.size
    except OSError:
        return "not an image"
    if kind != "JPEG":
        return f"{kind} instead of JPEG"
    if not 0.8 <= width / height <= 1.91:
        return f"aspect {width / height:.3f} outside 4:5 … 1.91:1"
    return ""
