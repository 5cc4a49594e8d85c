"""Process-wide logging for the CLI and the runner: stderr, and no token ever in a line.

install_token_redaction (scheduler/publish/graph_errors.py) filters the handlers it finds; a
process without a handler would print warnings through logging's last-resort handler, which
no filter reaches. So a handler is made first, then every known secret (environment and the
secrets file) is redacted from every record, whichever library logs it.
"""

from __future__ import annotations

import logging
import os

from scheduler.publish.graph_errors import RedactTokens, install_token_redaction

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(default_level: str = "WARNING") -> RedactTokens:
    """SOISTS_LOG_LEVEL (DEBUG, INFO, WARNING, …) overrides the default level."""
    root = logging.getLogger()
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter(FORMAT))
        root.addHandler(handler)
        level = os.environ.get("SOISTS_LOG_LEVEL", default_level).upper()
        root.setLevel(level if level in logging.getLevelNamesMapping() else default_level)
    return install_token_redaction()
