"""Responsive, metadata-free images for all content: the Jinja globals picture() and image_url().

Flow of one build:
1. ImageGenerator.__init__ (before any content is read) hashes every raster file under
   IMAGE_PATHS, serves cached ones at once and submits the rest to a process pool.
2. ImageGenerator.generate_context waits for the pool and reports bad images through
   plugins.validation (so the build stops with file + reason, never a traceback).
3. Templates call picture(src, alt, ...) which only looks results up.
4. generate_output copies the derivatives into the output; the original files are removed
   from the static files so their EXIF/GPS never reaches the site.
"""

from __future__ import annotations

import logging
from pathlib import Path

from markupsafe import Markup
from pelican import signals
from pelican.generators import Generator

from plugins import validation
from plugins.incremental import output_kept

from .derive import MAX_PIXELS, RASTER_EXTENSIONS, EncodeSettings
from .markup import missing_markup, picture_markup
from .pipeline import ImagePipeline, resolve_cache_dir

logger = logging.getLogger(__name__)
_current: ImagePipeline | None = None


def pipeline_from_settings(settings: dict) -> ImagePipeline:
    encode_settings = EncodeSettings(
        widths=tuple(settings.get("IMAGE_WIDTHS", (480, 800, 1200, 1600))),
        jpeg_quality=int(settings.get("IMAGE_JPEG_QUALITY", 82)),
        webp_quality=int(settings.get("IMAGE_WEBP_QUALITY", 80)),
        max_pixels=int(settings.get("IMAGE_MAX_PIXELS", MAX_PIXELS)),
    )
    return ImagePipeline(
        content_path=Path(settings["PATH"]),
        cache_dir=resolve_cache_dir(settings.get("IMAGE_CACHE_DIR")),
        settings=encode_settings,
        image_paths=tuple(settings.get("IMAGE_PATHS", ("images",))),
        kept=settings.get("IMAGE_KEPT_RESULTS"),  # set by the live preview (plugins/preview)
    )


class ImageGenerator(Generator):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        global _current
        _current = pipeline_from_settings(self.settings)
        _ensure_ignored(_current.cache_dir)
        if not output_kept():  # when the output is kept nothing is rendered; get() still works on demand
            _current.start()

    def generate_context(self):
        assert _current is not None
        _current.wait()
        for src, reason in sorted(_current.failures.items()):
            validation.report(str(_current.content_path / src), "image", reason)

    def generate_output(self, writer):
        del writer
        if _current is not None:
            _current.publish(Path(self.output_path))
            _current.write_stats()
            logger.info("images: %d encoded, %d from cache", _current.encoded, _current.cached)


def _ensure_ignored(cache_dir: Path) -> None:
    """The cache ignores itself, so it never ends up in Git whatever .gitignore says."""
    marker = cache_dir / ".gitignore"
    if not marker.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        marker.write_text("*\n", encoding="utf-8")


def picture(src: str, alt: str, sizes: str = "100vw", loading: str = "lazy", css_class: str = "",
            siteurl: str = "") -> Markup:
    if alt is None:
        logger.error("picture(%s): alt text missing", src)
        alt = ""
    derivatives = _current.get(src) if _current is not None else None
    if derivatives is None:
        reason = _current.failures.get(src.lstrip("/"), "image pipeline not running") if _current else "no pipeline"
        logger.error("picture(): cannot use image %s: %s", src, reason)
        return missing_markup(alt, css_class)
    return picture_markup(derivatives, alt, sizes, loading, css_class, siteurl)


def image_url(src: str, width: int = 1200, ext: str = "jpg", siteurl: str = "") -> str:
    """URL of the derivative closest to `width` (for og:image, feeds and the scheduler)."""
    derivatives = _current.get(src) if _current is not None else None
    if derivatives is None:
        logger.error("image_url(): cannot use image %s", src)
        return ""
    variants = derivatives.result.variants
    fitting = [v for v in variants if v.width <= width] or [variants[0]]
    return f"{siteurl}/{derivatives.public_name(fitting[-1].width, ext)}"


def add_globals(generator) -> None:
    siteurl = generator.settings.get("SITEURL", "")
    generator.env.globals["picture"] = lambda src, alt, sizes="100vw", loading="lazy", css_class="": picture(
        src, alt, sizes, loading, css_class, siteurl)
    generator.env.globals["image_url"] = lambda src, width=1200, ext="jpg": image_url(src, width, ext, siteurl)
    # Path without SITEURL, for templates that prefix it themselves (og:image in base.html).
    generator.env.globals["image_path"] = lambda src, width=1200, ext="jpg": image_url(src, width, ext, "")[1:]


METADATA_KEYS = ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "photoshop")


def carried_metadata(path: Path) -> list[str]:
    """The metadata blocks a raster file carries (empty for a clean file)."""
    from PIL import Image

    with Image.open(path) as image:
        found = [key for key in METADATA_KEYS if image.info.get(key)]
        return found + (["exif"] if image.getexif() and "exif" not in found else [])


def drop_original_rasters(generator) -> None:
    """Originals may carry EXIF/GPS: only the stripped derivatives are published.

    Files under IMAGE_VERBATIM_PATHS (the Instagram JPEGs in share/, which Meta fetches
    by a stable URL) are published as they are, but only when they carry no metadata.
    """
    content = Path(generator.settings["PATH"])
    verbatim = tuple(content / folder for folder in generator.settings.get("IMAGE_VERBATIM_PATHS", ["share"]))

    def keep(static) -> bool:
        path = Path(static.source_path)
        if path.suffix.lower() not in RASTER_EXTENSIONS:
            return True
        if not any(path.is_relative_to(folder) for folder in verbatim):
            return False
        blocks = carried_metadata(path)
        if blocks:
            validation.report(str(path), "image", f"published verbatim but carries metadata: {', '.join(blocks)}")
        return not blocks

    generator.staticfiles[:] = [s for s in generator.staticfiles if keep(s)]
    if generator.context.get("staticfiles") is not generator.staticfiles:
        generator.context["staticfiles"] = [s for s in generator.context.get("staticfiles", []) if keep(s)]


def get_generators(_pelican):
    return ImageGenerator


def register() -> None:
    signals.get_generators.connect(get_generators)
    signals.generator_init.connect(add_globals)
    signals.static_generator_finalized.connect(drop_original_rasters)
