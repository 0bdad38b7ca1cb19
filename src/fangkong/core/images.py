"""Photos as the platform keeps them: a JPEG no larger than ``MAX_PHOTO_SIDE`` on its longer side, turned
upright from its EXIF orientation. Anything that is not an image is refused with a clear error."""

from __future__ import annotations

import io
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

MAX_PHOTO_SIDE = 1280
MAX_UPLOAD_BYTES = 15 * 1024 * 1024


def to_jpeg(upload: Any, *, max_side: int = MAX_PHOTO_SIDE) -> bytes:
    """The upload (a file or bytes) as a resized JPEG."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    if isinstance(upload, bytes | bytearray):
        upload = io.BytesIO(upload)
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("照片太大，请上传 15 MB 以内的图片。"))
    image: Any
    try:
        image = Image.open(upload)
        image.load()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ValidationError(_("照片无法识别，请上传 JPEG 或 PNG 图片。"))
    image = ImageOps.exif_transpose(image) or image
    image.thumbnail((max_side, max_side))
    if image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=82, optimize=True)
    return out.getvalue()
