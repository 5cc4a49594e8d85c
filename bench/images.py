"""Image derivatives: the site's pipeline against a naive Pillow loop on 12-megapixel JPEGs.

    .venv/bin/python bench/images.py [--count 12]

Both produce the same files (JPEG and WebP at every configured width) from the same
sources, in the same script. The naive loop is what one would write first: open,
exif_transpose, resize with LANCZOS from the full image, save. Similarity is PSNR and a
global SSIM of our largest JPEG against the naive one. Also measured: the image stage on
a cache hit against its cold time.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from demo.artwork import render_scene  # noqa: E402
from plugins.images.derive import EncodeSettings, target_widths  # noqa: E402
from plugins.images.pipeline import ImagePipeline  # noqa: E402

SIZE = (4000, 3000)  # 12 megapixels


def make_sources(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    base = render_scene(11, SIZE)
    sources = []
    for index in range(count):
        image = base.rotate(index * 3, resample=Image.Resampling.BILINEAR, fillcolor=(200, 220, 240))
        path = folder / f"photo-{index:02d}.jpg"
        image.save(path, "JPEG", quality=90)
        sources.append(path)
    return sources


def naive(sources: list[Path], out: Path, settings: EncodeSettings) -> float:
    out.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    for source in sources:
        image = ImageOps.exif_transpose(Image.open(source))
        for width in target_widths(image.width, settings.widths):
            height = round(image.height * width / image.width)
            resized = image.resize((width, height), Image.Resampling.LANCZOS)
            resized.save(out / f"{source.stem}-{width}.jpg", "JPEG", quality=settings.jpeg_quality,
                         optimize=True, progressive=True)
            resized.save(out / f"{source.stem}-{width}.webp", "WEBP", quality=settings.webp_quality, method=4)
    return time.perf_counter() - start


def pipeline_run(content: Path, cache: Path, settings: EncodeSettings) -> tuple[float, ImagePipeline]:
    start = time.perf_counter()
    pipeline = ImagePipeline(content_path=content, image_paths=["images"], cache_dir=cache, settings=settings)
    pipeline.start()
    pipeline.wait()
    return time.perf_counter() - start, pipeline


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if mse == 0 else 10 * np.log10(255.0**2 / mse)


def global_ssim(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a.astype(np.float64), b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    mu_a, mu_b = a.mean(), b.mean()
    cov = ((a - mu_a) * (b - mu_b)).mean()
    return float(((2 * mu_a * mu_b + c1) * (2 * cov + c2)) / ((mu_a**2 + mu_b**2 + c1) * (a.var() + b.var() + c2)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=12)
    args = parser.parse_args()
    settings = EncodeSettings()
    with tempfile.TemporaryDirectory(prefix="soists-bench-images-") as tmp:
        work = Path(tmp)
        sources = make_sources(work / "content" / "images", args.count)
        naive_time = naive(sources, work / "naive", settings)
        cold_time, pipeline = pipeline_run(work / "content", work / "cache", settings)
        warm_time, _ = pipeline_run(work / "content", work / "cache", settings)
        scores = []
        for source in sources:
            result = pipeline.get(pipeline.relative(source)).result
            largest = max(result.variants, key=lambda variant: variant.width)
            reference = np.asarray(Image.open(work / "naive" / f"{source.stem}-{largest.width}.jpg").convert("L"))
            mine = np.asarray(Image.open(Path(result.entry) / largest.jpg).convert("L"))
            scores.append((psnr(mine, reference), global_ssim(mine, reference)))
        shutil.rmtree(work / "naive")
    count = len(sources)
    print(f"{count} JPEGs of {SIZE[0]}x{SIZE[1]} px -> widths {settings.widths}, JPEG + WebP each")
    print(f"  naive Pillow loop      {naive_time:7.2f} s  {count / naive_time:6.2f} images/s")
    print(f"  So ist S pipeline      {cold_time:7.2f} s  {count / cold_time:6.2f} images/s")
    print(f"  ratio throughput ours/naive   {naive_time / cold_time:5.2f}x  (floor >= 3.00x)")
    print(f"  similarity of 1600-px JPEGs  PSNR {min(s[0] for s in scores):.1f} dB (min), "
          f"SSIM {min(s[1] for s in scores):.4f} (min)")
    print(f"  image stage on cache hit      {warm_time:7.3f} s = {warm_time / cold_time:6.2%} of cold (floor <= 2%)")


if __name__ == "__main__":
    main()
