"""KeptResults (plugins/images/pipeline.py): a long-lived process that keeps the pipeline's
results between builds publishes exactly what a fresh pipeline publishes."""

from __future__ import annotations

import os
from pathlib import Path

from demo.artwork import render_scene
from plugins.images.derive import EncodeSettings
from plugins.images.pipeline import ImagePipeline, KeptResults

SETTINGS = EncodeSettings(widths=(160, 320), jpeg_quality=80, webp_quality=75, max_pixels=10_000_000)


def _save(path: Path, seed: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    render_scene(seed, (400, 300)).save(path, "JPEG", quality=80)


def _build(content: Path, cache: Path, output: Path, kept: KeptResults | None) -> ImagePipeline:
    pipeline = ImagePipeline(content_path=content, cache_dir=cache, settings=SETTINGS, kept=kept)
    pipeline.start()
    pipeline.wait()
    pipeline.publish(output)
    return pipeline


def _files(output: Path) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()}


def test_kept_results_publish_what_a_fresh_pipeline_publishes(tmp_path):
    content, cache = tmp_path / "content", tmp_path / "cache"
    for number in range(3):
        _save(content / "images" / "community" / f"post-{number}.jpg", number)
    kept, served = KeptResults(), tmp_path / "served"
    _build(content, cache, served, kept)
    # an editor replaces one photo and deletes another; the process keeps running
    _save(content / "images" / "community" / "post-0.jpg", 40)
    stamp = os.stat(content / "images" / "community" / "post-0.jpg").st_mtime_ns + 10**9
    os.utime(content / "images" / "community" / "post-0.jpg", ns=(stamp, stamp))
    (content / "images" / "community" / "post-2.jpg").unlink()
    again = _build(content, cache, served, kept)
    assert again.cached == 1 and sorted(again.results) == ["images/community/post-0.jpg",
                                                           "images/community/post-1.jpg"]
    fresh = tmp_path / "fresh"
    _build(content, cache, fresh, None)
    assert _files(served) == _files(fresh)  # old derivatives of post-0 and all of post-2 are gone
    assert len(_files(fresh)) == 2 * 2 * 2  # two photos, two widths, JPEG and WebP
