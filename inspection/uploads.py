"""Evidence files: recognised by their content, never by their name, and cleaned before storing.

Photos are decoded in full and re-encoded, which drops every metadata block a phone writes
(EXIF with GPS position, XMP, maker notes, comments, anything appended after the image) while
keeping the colour profile; the EXIF orientation is applied to the pixels first so the photo
still stands the right way up. PDFs are checked for their header and end marker and kept as sent.
"""

import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps

from inspection.errors import InspectionError, TooLarge, Unprocessable

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"

# A phone photo is 12–50 megapixels; far more than that is a decompression bomb, not a photo.
MAX_PIXELS = 80_000_000
JPEG_QUALITY = 90


class UnsupportedFile(InspectionError):
    status = 415


@dataclass(frozen=True)
class CleanFile:
    content_type: str
    extension: str
    data: bytes


def human_size(n: int) -> str:
    for unit, size in (("MB", 1024 * 1024), ("KB", 1024)):
        if n >= size:
            return f"{n / size:.1f}".rstrip("0").rstrip(".") + f" {unit}"
    return f"{n} 字节"


def read_limited(upload, *, max_bytes: int) -> bytes:
    """The upload's bytes, or TooLarge with the limit in the message (checked before and while reading)."""
    declared = getattr(upload, "size", None)
    if declared is not None and declared > max_bytes:
        raise TooLarge(_too_large(declared, max_bytes))
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TooLarge(_too_large(declared or len(data), max_bytes))
    if not data:
        raise Unprocessable("文件为空")
    return data


def _too_large(size: int, max_bytes: int) -> str:
    return f"文件过大：{human_size(size)}，单个文件最大 {human_size(max_bytes)}。请压缩照片或拆分文件后重新上传。"


def sniff(data: bytes) -> str | None:
    if data.startswith(JPEG_MAGIC):
        return "image/jpeg"
    if data.startswith(PNG_MAGIC):
        return "image/png"
    if data.startswith(PDF_MAGIC):
        return "application/pdf"
    return None


def clean_evidence(data: bytes) -> CleanFile:
    content_type = sniff(data)
    if content_type is None:
        raise UnsupportedFile("只接受 JPEG、PNG 照片或 PDF 文件（按文件内容识别，与文件名无关）")
    if content_type == "application/pdf":
        return CleanFile(content_type, ".pdf", _check_pdf(data))
    return _clean_image(data, content_type)


def _check_pdf(data: bytes) -> bytes:
    if b"%%EOF" not in data[-2048:]:
        raise Unprocessable("PDF 文件不完整（缺少文件结束标记），请重新导出后上传")
    return data


def _clean_image(data: bytes, content_type: str) -> CleanFile:
    expected = "JPEG" if content_type == "image/jpeg" else "PNG"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format != expected:
                    raise UnsupportedFile("文件内容与图片格式不符")
                width, height = image.size
                if width * height > MAX_PIXELS:
                    raise Unprocessable(f"图片尺寸过大（{width}×{height}），请缩小后上传")
                image.load()
                icc = image.info.get("icc_profile")
                upright = ImageOps.exif_transpose(image)
                out = io.BytesIO()
                if expected == "JPEG":
                    if upright.mode not in ("RGB", "L", "CMYK"):
                        upright = upright.convert("RGB")
                    upright.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, icc_profile=icc)
                    return CleanFile(content_type, ".jpg", out.getvalue())
                upright.save(out, "PNG", icc_profile=icc)
                return CleanFile(content_type, ".png", out.getvalue())
    except InspectionError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Unprocessable("图片尺寸过大，请缩小后上传") from None
    except (OSError, ValueError, SyntaxError, EOFError):
        # Pillow reports broken or truncated images with these.
        raise Unprocessable("图片文件已损坏或不完整，无法识别") from None
