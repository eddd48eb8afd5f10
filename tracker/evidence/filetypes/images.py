"""PNG and JPEG: decoded to the last pixel with Pillow, after its decompression-bomb limit is checked.

A file that starts with the right signature but does not decode (the signature followed by a web page, a
truncated or corrupt image) is refused, and so is a PNG with anything after its end chunk.
"""

from __future__ import annotations

import warnings
from typing import BinaryIO

from PIL import Image, UnidentifiedImageError

from tracker.evidence.filetypes.checks import FileTypeRefused, expect, html_anywhere

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
JPEG_MAGIC = b"\xff\xd8\xff"
PNG_END = b"IEND\xaeB`\x82"
FORMATS = {".png": ("PNG", PNG_MAGIC, "a PNG image"), ".jpg": ("JPEG", JPEG_MAGIC, "a JPEG image")}
FORMATS[".jpeg"] = FORMATS[".jpg"]
TAIL_BYTES = 64 * 1024


def max_pixels() -> int:
    # Pillow's own limit (about 89 million pixels, a 9,500 x 9,500 image): larger is treated as a bomb.
    return int(Image.MAX_IMAGE_PIXELS or 89_478_485)


def check(ext: str, head: bytes, stream: BinaryIO) -> list[str]:
    expected_format, magic, kind = FORMATS[ext]
    not_image = f"The selected file is not {kind}, although its name ends in {ext}"
    expect(head.startswith(magic), not_image)
    stream.seek(0)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(stream, formats=[expected_format]) as image:
                width, height = image.size
                if width * height > max_pixels():
                    raise FileTypeRefused(_too_big(width, height))
                image.load()  # decodes every pixel: a broken or disguised file fails here
    except FileTypeRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise FileTypeRefused(_too_big(None, None)) from None
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, MemoryError):
        raise FileTypeRefused(not_image + ", or it is damaged") from None
    if ext == ".png":
        _nothing_after_the_end(stream, not_image)
    return [f"decoded as {kind} ({width} x {height} pixels)", "within the decompression-bomb limit"]


def _too_big(width, height) -> str:
    size = f" ({width} x {height} pixels)" if width else ""
    return f"The selected image is too large to check{size}. Make it smaller than 89 million pixels and upload it again"


def _nothing_after_the_end(stream: BinaryIO, not_image: str) -> None:
    stream.seek(0, 2)
    length = stream.tell()
    stream.seek(max(0, length - TAIL_BYTES))
    tail = stream.read()
    end = tail.rfind(PNG_END)
    expect(end >= 0, not_image)
    after = tail[end + len(PNG_END) :]
    if after.strip() or html_anywhere(after):
        raise FileTypeRefused(
            "The selected PNG image has other data after the picture, which can hide a web page or program. "
            "Save the image again and upload it"
        )
