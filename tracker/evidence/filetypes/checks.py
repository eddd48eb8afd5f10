"""What every file-type checker shares: the refusal, and the test for HTML where a browser would sniff it."""

from __future__ import annotations

import re

from tracker.errors_domain import DomainError

# Browsers that sniff (when a download is opened outside the service, or nosniff is lost on the way) look
# at the first bytes; any of these there could be run as a web page or image with script.
_HTML_MARKERS = re.compile(
    rb"<\s*(?:!doctype\s+html|html|head|body|script|iframe|object|embed|svg|img|a\s|meta|link|style|form|frame"
    rb"|base|\?xml-stylesheet)[\s>/]",
    re.IGNORECASE,
)
SNIFF_BYTES = 4096


class FileTypeRefused(DomainError):
    """The file is not one of the types the service accepts, or its content does not match its name."""

    def __init__(self, message: str):
        super().__init__(message, field="files")


def html_in_head(head: bytes) -> bool:
    return _HTML_MARKERS.search(head[:SNIFF_BYTES]) is not None


def html_anywhere(data: bytes) -> bool:
    return _HTML_MARKERS.search(data) is not None


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise FileTypeRefused(message)
