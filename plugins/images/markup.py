"""The <picture> markup templates get from picture(): WebP srcset, JPEG fallback, fixed size."""

from __future__ import annotations

from markupsafe import Markup, escape

from .pipeline import Derivatives

FALLBACK_WIDTH = 800  # the <img src> for browsers without srcset support


def srcset(derivatives: Derivatives, ext: str, siteurl: str) -> str:
    return ", ".join(f"{siteurl}/{derivatives.public_name(v.width, ext)} {v.width}w"
                     for v in derivatives.result.variants)


def fallback_variant(derivatives: Derivatives):
    variants = derivatives.result.variants
    fitting = [v for v in variants if v.width <= FALLBACK_WIDTH]
    return fitting[-1] if fitting else variants[0]


def picture_markup(derivatives: Derivatives, alt: str, sizes: str = "100vw", loading: str = "lazy",
                   css_class: str = "", siteurl: str = "") -> Markup:
    largest = derivatives.result.variants[-1]
    fallback = fallback_variant(derivatives)
    eager = loading == "eager"
    attributes = [
        f'src="{escape(siteurl)}/{escape(derivatives.public_name(fallback.width, "jpg"))}"',
        f'srcset="{escape(srcset(derivatives, "jpg", siteurl))}"',
        f'sizes="{escape(sizes)}"',
        f'width="{largest.width}"',
        f'height="{largest.height}"',
        f'alt="{escape(alt or "")}"',
        f'loading="{"eager" if eager else "lazy"}"',
        'decoding="async"',
    ]
    if eager:
        attributes.append('fetchpriority="high"')
    class_attr = f' class="{escape(css_class)}"' if css_class else ""
    return Markup(
        f"<picture{class_attr}>"
        f'<source type="image/webp" srcset="{escape(srcset(derivatives, "webp", siteurl))}" sizes="{escape(sizes)}">'
        f"<img {' '.join(attributes)}>"
        "</picture>"
    )


def missing_markup(alt: str, css_class: str = "") -> Markup:
    """Shown only when the build continues despite a missing image (never in a --fatal build)."""
    class_attr = f' class="{escape(css_class)} image-missing"' if css_class else ' class="image-missing"'
    return Markup(f"<span{class_attr} role=\"img\" aria-label=\"{escape(alt or '')}\"></span>")
