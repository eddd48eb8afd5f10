"""The BagIt layout (RFC 8493) of an evidence pack, so that anyone can check it with standard tools.

    bagit.txt                the declaration
    bag-info.txt             what the pack is: scope, dates, who made it, its entry in the history
    manifest-sha256.txt      the SHA-256 of every file under data/ (``sha256sum -c`` reads it as it is)
    tagmanifest-sha256.txt   the SHA-256 of the three files above
    data/...                 the payload

Paths are generated ASCII (see ``contents.safe_part``), so no percent-encoding is ever needed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

BAGIT_TXT = "BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
MANIFEST = "manifest-sha256.txt"
TAG_MANIFEST = "tagmanifest-sha256.txt"
TAG_FILES = ("bagit.txt", "bag-info.txt", MANIFEST)


@dataclass(frozen=True)
class Listed:
    path: str
    sha256: str
    size: int


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest(entries: list[Listed]) -> bytes:
    # Two spaces between hash and path: the form both BagIt tools and ``sha256sum -c`` read.
    return "".join(f"{entry.sha256}  {entry.path}\n" for entry in entries).encode("ascii")


def _one_line(value) -> str:
    return " ".join(str(value).split())


def bag_info(fields: list[tuple[str, object]], payload: list[Listed]) -> bytes:
    """bag-info.txt: the given labels and values (each on one line), then the Payload-Oxum (bytes.files)."""
    octets = sum(entry.size for entry in payload)
    lines = [f"{label}: {_one_line(value)}" for label, value in fields if value not in (None, "")]
    lines.append(f"Payload-Oxum: {octets}.{len(payload)}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def tag_files(info: bytes, payload: list[Listed]) -> list[tuple[str, bytes]]:
    """bagit.txt, bag-info.txt, manifest-sha256.txt and the tag manifest over them, in that order."""
    made = [("bagit.txt", BAGIT_TXT.encode("utf-8")), ("bag-info.txt", info), (MANIFEST, manifest(payload))]
    tags = [Listed(name, sha256_of(data), len(data)) for name, data in made]
    return [*made, (TAG_MANIFEST, manifest(tags))]


def parse_manifest(text: str) -> list[tuple[str, str]]:
    """(path, sha256) for each line of a manifest; raises ValueError on a line that is not one."""
    listed = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        digest, _, path = line.partition(" ")
        path = path.strip().lstrip("*")
        if len(digest) != 64 or not path or any(ch not in "0123456789abcdef" for ch in digest.lower()):
            raise ValueError(f"line {number} is not a SHA-256 and a path")
        listed.append((path, digest.lower()))
    return listed
