"""How an uploaded file (an inspection photo, a report's attachment) leaves the server.

The bytes were sent by a phone or an official, so the browser is told exactly what they are and
is given no reason to run them: the type comes from the stored row (set from the content at
upload, never from the name) and only the three accepted types are ever named; anything else
goes out as an opaque download. `nosniff` stops the browser guessing otherwise, the CSP sandbox
keeps even a crafted PDF or image away from the site's cookies and scripts, and no-store keeps
no copy on a shared device. The file name is built from the row's id, never the uploaded name.
"""

import io

from django.http import FileResponse

SHOWN_INLINE = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
SANDBOX_POLICY = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'"


def stored_file_response(data: bytes, *, content_type: str, stem: str) -> FileResponse:
    """A streamed reply for checked stored bytes; `stem` names the file (ASCII, no extension)."""
    extension = SHOWN_INLINE.get(content_type)
    inline = extension is not None
    response = FileResponse(
        io.BytesIO(data),
        content_type=content_type if inline else "application/octet-stream",
        as_attachment=not inline,
        filename=f"{stem}.{extension or 'bin'}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = SANDBOX_POLICY
    response["Cache-Control"] = "no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
