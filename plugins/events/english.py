"""Optional English texts of an event: `Title_en:` and `Summary_en:` in its Markdown header.

The English pages (plugins/i18n) show them where an editor wrote them and the German text,
marked lang="de", where not. Kept apart from model.py so the parsing of the German fields
stays as it is.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

TAG = re.compile(r"<[^>]+>")


def _plain(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):  # a field written twice
        value = ", ".join(str(v) for v in value)
    return " ".join(html.unescape(TAG.sub("", str(value))).split())


def english_fields(metadata: Mapping[str, Any]) -> dict[str, str]:
    """{'title_en': ..., 'summary_en': ...}: empty strings where the editor wrote none."""
    return {"title_en": _plain(metadata.get("title_en")), "summary_en": _plain(metadata.get("summary_en"))}
