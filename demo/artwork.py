"""Generated stand-in photos: layered hills, sky and sun, seeded for reproducibility.

The demo site must not ship photos copied from anywhere, so every demo image is drawn
here with Pillow. Same seed, same picture.
"""

from __future__ import annotations

import colorsys
import random
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter


def _colour(hue: float, sat: float, light: float) -> tuple[int, int, int]:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, light, sat)
    return int(r * 255), int(g * 255), int(b * 255)


def render_scene(seed: int, size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """A landscape-like picture: sky gradient, sun, rolling hills and a few houses."""
    rng = random.Random(seed)
    width, height = size
    hue = rng.random()
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    top, bottom = _colour(hue, 0.55, 0.75), _colour(hue + 0.08, 0.6, 0.92)
    for y in range(height):
        t = y / height
        draw.line([(0, y), (width, y)], fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom)))
    sun_x, sun_y, sun_r = rng.uniform(0.15, 0.85) * width, rng.uniform(0.12, 0.35) * height, width * 0.06
    draw.ellipse([sun_x - sun_r, sun_y - sun_r, sun_x + sun_r, sun_y + sun_r], fill=_colour(0.12, 0.9, 0.75))
    for layer in range(4):
        base = height * (0.45 + 0.13 * layer)
        amplitude = height * rng.uniform(0.04, 0.1)
        phase, freq = rng.uniform(0, 6.3), rng.uniform(1.0, 2.5)
        import math

        points = [(x, base - amplitude * math.sin(phase + freq * x / width * math.pi)) for x in range(0, width + 40, 40)]
        colour = _colour(0.25 + rng.uniform(-0.08, 0.08) + layer * 0.02, 0.45, 0.5 - layer * 0.09)
        draw.polygon([(0, height), *points, (width, height)], fill=colour)
        if layer == 2:
            for _ in range(rng.randint(3, 9)):
                hx = rng.uniform(0.05, 0.9) * width
                hy = base - amplitude * math.sin(phase + freq * hx / width * math.pi) + height * 0.02
                hw = width * rng.uniform(0.025, 0.05)
                draw.rectangle([hx, hy - hw, hx + hw, hy], fill=_colour(rng.random() * 0.1, 0.3, 0.9))
                draw.polygon([(hx - hw * 0.1, hy - hw), (hx + hw / 2, hy - hw * 1.6), (hx + hw * 1.1, hy - hw)],
                             fill=_colour(0.02, 0.6, 0.4))
    return image.filter(ImageFilter.GaussianBlur(0.6))


def render_portrait(seed: int, size: tuple[int, int] = (1200, 1500)) -> Image.Image:
    """An abstract head-and-shoulders silhouette on a coloured wall."""
    rng = random.Random(seed)
    width, height = size
    image = Image.new("RGB", size, _colour(rng.random(), 0.35, 0.7))
    draw = ImageDraw.Draw(image)
    cx = width * rng.uniform(0.4, 0.6)
    draw.ellipse([cx - width * 0.4, height * 0.62, cx + width * 0.4, height * 1.3], fill=_colour(rng.random(), 0.5, 0.35))
    draw.ellipse([cx - width * 0.16, height * 0.25, cx + width * 0.16, height * 0.62], fill=_colour(0.07, 0.4, 0.6))
    draw.pieslice([cx - width * 0.18, height * 0.2, cx + width * 0.18, height * 0.5], 180, 360,
                  fill=_colour(rng.random() * 0.1, 0.4, 0.25))
    return image.filter(ImageFilter.GaussianBlur(1.0))


def save_jpeg(image: Image.Image, path: Path, quality: int = 82) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, "JPEG", quality=quality, optimize=True, progressive=True)
    return path
