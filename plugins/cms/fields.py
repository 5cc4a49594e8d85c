"""The declarative field schema of a content type: what the web editor shows and checks.

A Field says what a metadata line of a content file means to an editor (German label and
hint), whether the project's validator requires it, what it accepts (a pattern taken from the
validator's own constant, or the options of a registry) and an example the validator accepts.
The tests build a file from the examples and run the project's validators on it, so a
required flag or a pattern that drifts from the validator makes a test fail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

BODY = "body"  # Decap's name for the Markdown body below the header


@dataclass(frozen=True)
class Option:
    label: str
    value: str
    district: str = ""  # municipalities: shown beside the name in the editor, not searched


@dataclass(frozen=True)
class Field:
    name: str  # the metadata key in the file (lower case, as Pelican reads it)
    label: str  # German, shown above the input
    widget: str = "string"  # a Decap widget (string, text, markdown, select, image, hidden) or the
    # project's own from static/soists-editor.js: kommune (municipalities), zeitpunkt (date, optional time)
    required: bool = False
    required_with: str = ""  # required as soon as this other field has a value (alt with image)
    alternative: str = ""  # this or that other field is needed (end or duration)
    hint: str = ""
    pattern: str = ""  # a JavaScript regular expression (converted from the validator's)
    pattern_message: str = ""
    options: tuple[Option, ...] = ()
    multiple: bool = False  # select: several values, written comma-separated
    max_items: int = 0  # select with multiple: at most this many (0: no limit)
    default: str = ""
    example: str = ""  # a value the project's validator accepts
    system: bool = False  # kept by static/soists-editor.js (uid, revision): not shown, never typed


@dataclass(frozen=True)
class ContentType:
    name: str  # collection name, also in the editor's URLs
    label: str  # plural, German
    label_singular: str
    folder: str  # below content/, e.g. "events"
    fields: tuple[Field, ...]
    slug: str = "{{slug}}"  # Decap's template for a new file's name
    media: str = ""  # the folder below content/images/ its images live in ("articles")
    description: str = ""
    extra_metadata: dict = field(default_factory=dict)  # fixed values every file carries

    def field(self, name: str) -> Field:
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        raise KeyError(f"{self.name} has no field {name!r}")

    @property
    def metadata_names(self) -> set[str]:
        """The header keys a file of this type may carry (the body is not one)."""
        return {f.name for f in self.fields if f.name != BODY}


def js_pattern(python_pattern: str) -> str:
    """A Python regular expression as JavaScript reads it: named groups are spelled (?<name>)."""
    return re.sub(r"\(\?P<", "(?<", python_pattern)


DATE_OR_TIME = r"^\d{4}-\d{2}-\d{2}( \d{1,2}:\d{2})?$"
DATE_LIST = r"^\d{4}-\d{2}-\d{2}(\s*,\s*\d{4}-\d{2}-\d{2})*$"
HTTPS = r"^https://\S+$"
WHOLE_NUMBER = r"^\d+$"
DATE_MESSAGE = "Datum als JJJJ-MM-TT, mit Uhrzeit als JJJJ-MM-TT HH:MM (Stuttgarter Zeit)"
