"""Checking uploaded files by content: shared by case attachments and visit photos.

A file's type is decided by its first bytes (magic numbers), never by the name or the
browser's Content-Type; the name's extension, when it names a known type, must agree. The
caller decides which types it accepts and how many files a record may hold; this module
reads each file once (at most `limit` + 1 bytes) and returns every problem in Chinese.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.utils.translation import gettext as _

IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})
# Extensions a client may use for each sniffed type.
EXTENSIONS = {
    "image/jpeg": {"jpg", "jpeg", "jfif"},
    "image/png": {"png"},
    "image/webp": {"webp"},
    "application/pdf": {"pdf"},
}
# The extension a stored file gets on disk (the client's name never reaches the disk).
STORED_EXTENSION = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
KNOWN_EXTENSIONS = set().union(*EXTENSIONS.values()) | {
    "gif",
    "bmp",
    "heic",
    "heif",
    "tif",
    "tiff",
    "svg",
    "exe",
    "html",
    "htm",
    "js",
    "doc",
    "docx",
    "zip",
}
TYPE_NAMES = {
    "image/jpeg": "JPEG",
    "image/png": "PNG",
    "image/webp": "WebP",
    "application/pdf": "PDF",
}


def sniff_type(head: bytes) -> str | None:
    """The content type for the file's first bytes, or None when not a known type."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


@dataclass
class CheckedFile:
    name: str
    content: bytes
    content_type: str
    sha256: str


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.3g} MB"
    if size >= 1024:
        return f"{size / 1024:.3g} KB"
    return f"{size} B"


def file_label(index: int, name: str) -> str:
    return _("第 %(n)d 个文件（%(name)s）") % {"n": index, "name": name or _("未命名")}


def upload_name(upload: Any) -> str:
    # Browsers may send a path ("C:\\fakepath\\x.jpg"): keep the last part only.
    return PurePath(str(getattr(upload, "name", "") or "").replace("\\", "/")).name[:200]


def _types_message(allowed: Iterable[str]) -> str:
    allowed = set(allowed)
    images = [TYPE_NAMES[t] for t in ("image/jpeg", "image/png", "image/webp") if t in allowed]
    if "application/pdf" in allowed:
        return _("只能上传 %(images)s 图片或 PDF 文件。") % {"images": "、".join(images)}
    return _("只能上传 %(images)s 图片。") % {"images": "、".join(images)}


def check_uploads(
    files: Sequence[Any], *, limit: int, allowed: Iterable[str] = frozenset(EXTENSIONS)
) -> tuple[list[CheckedFile], list[str]]:
    """Read and check uploaded files: (the good files, a Chinese message per bad one).

    Each file must be non-empty, at most `limit` bytes, of an `allowed` type by content, and
    its extension (when it names a known type) must match that content.
    """
    allowed = frozenset(allowed)
    errors: list[str] = []
    checked: list[CheckedFile] = []
    for index, upload in enumerate(files, start=1):
        name = upload_name(upload)
        label = file_label(index, name)
        size = getattr(upload, "size", None)
        too_big = _("%(file)s超过大小上限 %(limit)s。") % {
            "file": label,
            "limit": human_size(limit),
        }
        if size is not None and size > limit:
            errors.append(too_big)
            continue
        content = upload.read(limit + 1)
        if len(content) > limit:
            errors.append(too_big)
            continue
        if not content:
            errors.append(_("%(file)s是空文件。") % {"file": label})
            continue
        content_type = sniff_type(content[:16])
        if content_type is None or content_type not in allowed:
            errors.append(
                _("%(file)s不是允许的文件类型，") % {"file": label} + _types_message(allowed)
            )
            continue
        ext = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if ext in KNOWN_EXTENSIONS and ext not in EXTENSIONS[content_type]:
            errors.append(_("%(file)s的扩展名与文件内容不符。") % {"file": label})
            continue
        checked.append(
            CheckedFile(name, content, content_type, hashlib.sha256(content).hexdigest())
        )
    return checked, errors
