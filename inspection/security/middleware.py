"""Response headers for every page, and a record of every refused access.

- Content-Security-Policy: scripts only from this site (no inline script), nothing fetched from
  elsewhere, never framed; `data:` images for QR codes. Styles may be inline (style attributes
  of Swagger UI and the admin); scripts may not.
- Cache-Control: no-store on the API and on every page a signed-in user sees, so a shared or
  lost device keeps no copy of a notice, a finding or a schedule.
- A refused access (401, 403, or 404 to a signed-in user: objects outside one's scope are reported
  as not found) is written to the security log, never to the audit chain, so that no one can
  grow the permanent record by asking for what they may not see.
"""

import logging

from django.conf import settings

from inspection.security.log import security_event

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = "camera=(self), geolocation=(self), microphone=(), payment=(), usb=()"

# Browsers ask for these on their own; a 404 for them is no one's attempt at anything.
_UNREMARKABLE = ("/favicon.ico", "/robots.txt", "/apple-touch-icon", "/.well-known/")


def _signed_in(request) -> bool:
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if request.path.startswith("/api/") or _signed_in(request):
            response.headers["Cache-Control"] = "no-store"
            response.headers.pop("Expires", None)
        if response.status_code in (401, 403, 404):
            self._refused(request, response.status_code)
        return response

    @staticmethod
    def _refused(request, status):
        path = request.path
        static = settings.STATIC_URL and path.startswith("/" + settings.STATIC_URL.lstrip("/"))
        if static or path.startswith(_UNREMARKABLE):
            return
        if status == 404 and not _signed_in(request):
            return
        # The security log only: a refusal is no change of state, and an audit row per refusal
        # would let anyone with an account grow the permanent record at will.
        security_event("access.refused", request=request, status=status, level=logging.WARNING)
