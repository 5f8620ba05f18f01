"""The only door through which a notice render may read anything.

A notice carries text typed by inspectors and officials.  That text only ever reaches the
HTML as escaped element text, so it cannot name a URL; this fetcher is the second wall: it
serves ``data:`` URLs and files inside the project's own asset folders, and refuses
everything else (``file:`` elsewhere, ``http:``, ``https:``, ``ftp:``) before any I/O.
A refusal stops the render: a template that asks for anything else is a bug to see.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import FatalURLFetchingError, URLFetcher, URLFetcherResponse


class RefusedFetch(FatalURLFetchingError):
    """Raised for any URL outside the allow-list; WeasyPrint lets it stop the render."""


class LockedURLFetcher(URLFetcher):
    def __init__(self, allowed_dirs):
        super().__init__(timeout=1, allowed_protocols=("data", "file"), allow_redirects=False,
                         fail_on_errors=True)
        self.allowed_dirs = tuple(Path(d).resolve() for d in allowed_dirs)
        self.refused: list[str] = []

    def fetch(self, url, headers=None):
        scheme = url.split(":", 1)[0].lower() if ":" in url else ""
        if scheme == "data":
            # urllib's DataHandler decodes it in memory; no other handler can be reached.
            return super().fetch(url, headers)
        if scheme == "file":
            path = self._allowed_path(url)
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
                return URLFetcherResponse(url, path.read_bytes(), {"Content-Type": content_type})
        self.refused.append(url)
        raise RefusedFetch(f"notice renderer refuses to fetch {url[:200]!r}")

    def _allowed_path(self, url: str) -> Path | None:
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            return None
        try:
            path = Path(unquote(parts.path)).resolve(strict=True)
        except (OSError, RuntimeError):
            return None
        if not path.is_file():
            return None
        # resolve() has followed symlinks and '..', so this compares real locations.
        if any(path.is_relative_to(root) for root in self.allowed_dirs):
            return path
        return None
