"""Our XSS corpus: every vector, if it ever ran, calls alert/confirm/prompt/print (the browser
test traps those) — or, for the static scan, leaves a <script>, an on* attribute or a
javascript:/data: URL behind."""

from __future__ import annotations

VECTORS: tuple[str, ...] = (
    # tags and the script element
    "<script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<svg><script>alert(1)</script></svg>",
    "<template><script>alert(1)</script></template><script>confirm(1)</script>",
    "<![CDATA[<script>alert(1)</script>]]>",
    # attribute breakouts and event handlers
    '"><img src=x onerror=alert(1)>',
    "'><svg onload=alert(1)>",
    '" onmouseover="alert(1)" autofocus onfocus="alert(1)',
    "' onfocus='alert(1)' autofocus='",
    '<img src="x" onerror="alert(1)">',
    '<a href="https://example.org" onclick="alert(1)">ok</a>',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)></video>",
    "<marquee onstart=alert(1)>x</marquee>",
    # URLs
    "javascript:alert(1)",
    '<a href="javascript:alert(1)">klick</a>',
    '<a href="jav&#x09;ascript:alert(1)">tab</a>',
    '<a href="&#106;avascript:alert(1)">entity</a>',
    '<a href=" JaVaScRiPt:alert(1)">case</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">data</a>',
    '<a href="vbscript:msgbox(1)">vb</a>',
    "[Markdown-Link](javascript:alert(1))",
    '![Markdown-Bild](x" onerror="alert(1))',
    '<img srcset="javascript:alert(1) 1x" src="data:image/svg+xml,<svg onload=alert(1)>">',
    '<svg><a xlink:href="javascript:alert(1)"><text x="20" y="20">X</text></a></svg>',
    '<a href="mailto:x@example.org?body=</a><script>alert(1)</script>">m</a>',
    # entities, encodings and double decoding
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&amp;lt;img src=x onerror=alert(1)&amp;gt;",
    "%3Cscript%3Ealert(1)%3C/script%3E",
    "\\x3cscript\\x3ealert(1)\\x3c/script\\x3e",
    "\u2028\u2029</script><script>alert(1)</script>",
    # template injection
    "{{ 7*7 }}{% if true %}<script>alert(1)</script>{% endif %}",
    # mutation XSS
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg></p><style><a id=\"</style><img src=1 onerror=alert(1)>\">",
    '<!--<img src="--><img src=x onerror=alert(1)//">',
    # unicode / right-to-left
    "\u202e<img src=x onerror=alert(1)>\u202c gnp.exe",
    # CSS, navigation and other active elements
    '<div style="background:url(javascript:alert(1));width:expression(alert(1))">css</div>',
    '<style>@import "javascript:alert(1)";body{display:none}</style>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="javascript:alert(1)//">',
    '<form action="javascript:alert(1)"><button>Senden</button></form>',
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>parent.alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
    '<link rel="stylesheet" href="data:text/css,body{display:none}">',
)


def one_line(text: str, limit: int | None = None) -> str:
    """Metadata fields are one line: no line breaks, at most `limit` characters."""
    value = text.replace("\n", " ").replace("\r", " ")
    return value[:limit] if limit else value


def no_commas(text: str) -> str:
    """For fields where a comma separates values (tags) or parts (addresses)."""
    return text.replace(",", " ")


def in_url(text: str) -> str:
    """The vector as the path of an https link (fields that must be https:// links)."""
    return "".join(text.split())
