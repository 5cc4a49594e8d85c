"""Portraits "Menschen in der Region": an article type with first name, quote and photo.

A portrait is an article in the category PORTRAIT_CATEGORY; it must name a first name,
a quote, a municipality, an image and the image's alt text, and it is rendered with the
portrait template.
"""

from __future__ import annotations

from pelican import signals

from .. import validation

REQUIRED_FIELDS = ("firstname", "quote", "municipality", "image", "alt")


def is_portrait(content, category_name: str) -> bool:
    category = getattr(content, "category", None)
    return type(content).__name__ == "Article" and category is not None and category.name == category_name


def check_portrait(content) -> None:
    category_name = content.settings.get("PORTRAIT_CATEGORY", "Menschen in der Region")
    content.is_portrait = is_portrait(content, category_name)
    if not content.is_portrait:
        return
    for field in REQUIRED_FIELDS:
        if not str(content.metadata.get(field, "")).strip():
            validation.report(content.source_path, field, "required for a portrait (see README: Portraits)")
    content.template = "portrait"


def register() -> None:
    signals.content_object_init.connect(check_portrait)
