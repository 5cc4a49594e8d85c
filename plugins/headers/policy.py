"""The site's security headers, in one place: the Content-Security-Policy and its companions.

Every copy of the policy is made from these constants: the <meta http-equiv> element in
theme/templates/base.html, the `_headers` file written into the build (Netlify/Cloudflare
Pages style), and deploy/nginx/soists.conf (a test compares nginx's string with `header_policy()`).

Why these directives:
- nothing from third parties (privacy: no embeds, CDNs, trackers) → everything 'self';
- no inline script at all (the search page's starter is theme/static/js/search.js), so no
  'unsafe-inline' and no hash to keep in step; 'wasm-unsafe-eval' only lets Pagefind compile
  its WebAssembly search index;
- `data:` images for the small inline SVG/PNG placeholders.
A <meta> policy ignores frame-ancestors, report-uri and sandbox (CSP Level 3, §4.2), so
frame-ancestors is sent only as a real header, with the headers a meta element cannot carry.
"""

from __future__ import annotations

# (directive, sources) in the order they are printed.
DIRECTIVES: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self' 'wasm-unsafe-eval'"),
    ("style-src", "'self'"),
    ("img-src", "'self' data:"),
    ("font-src", "'self'"),
    ("connect-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)
# Ignored (with a console warning) when delivered in a <meta> element.
HEADER_ONLY = frozenset({"frame-ancestors", "report-uri", "report-to", "sandbox"})

# Headers a <meta> element cannot carry; nginx adds HSTS itself (only HTTPS knows it).
COMPANION_HEADERS: tuple[tuple[str, str], ...] = (
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ("X-Frame-Options", "DENY"),  # frame-ancestors for browsers that predate it
)


def _join(directives: tuple[tuple[str, str], ...]) -> str:
    return "; ".join(f"{name} {sources}" for name, sources in directives)


def amended(changes: dict[str, str], directives: tuple[tuple[str, str], ...] = DIRECTIVES
            ) -> tuple[tuple[str, str], ...]:
    """The policy with some directives' sources replaced (a page that needs more, e.g. the web
    editor under /admin/); every other directive stays as above."""
    unknown = set(changes) - {name for name, _sources in directives}
    if unknown:
        raise KeyError(f"no such directive in the policy: {', '.join(sorted(unknown))}")
    return tuple((name, changes.get(name, sources)) for name, sources in directives)


def header_policy(directives: tuple[tuple[str, str], ...] = DIRECTIVES) -> str:
    """The full policy, for the Content-Security-Policy response header."""
    return _join(directives)


def meta_policy(directives: tuple[tuple[str, str], ...] = DIRECTIVES) -> str:
    """The policy for <meta http-equiv>: without the directives a meta element ignores."""
    return _join(tuple(d for d in directives if d[0] not in HEADER_ONLY))


def response_headers() -> list[tuple[str, str]]:
    """Every header the static host should send with every file."""
    return [("Content-Security-Policy", header_policy()), *COMPANION_HEADERS]


def headers_file(headers: list[tuple[str, str]] | None = None) -> str:
    """The `_headers` file: one rule for every path (`/*`), each header indented below it."""
    lines = ["/*"] + [f"  {name}: {value}" for name, value in (headers or response_headers())]
    return "\n".join(lines) + "\n"


def parse_headers_file(text: str, path: str = "/*") -> list[tuple[str, str]]:
    """The headers of one path rule of a `_headers` file (the reverse of headers_file)."""
    headers: list[tuple[str, str]] = []
    current = None
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line[0].isspace():
            current = line.strip()
        elif current == path and ":" in line:
            name, value = line.strip().split(":", 1)
            headers.append((name.strip(), value.strip()))
    return headers
