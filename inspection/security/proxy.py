"""Which client sent a request, believing forwarded headers only from ANCHA_TRUSTED_PROXIES.

Anyone can write `X-Forwarded-For` and `X-Forwarded-Proto`. They are read only when the peer
(REMOTE_ADDR) is one of the trusted reverse proxies; the client is then the rightmost hop of
`X-Forwarded-For` that is not itself a trusted proxy (each proxy appends the address it saw, so
everything left of that hop was written by the client and proves nothing). `client_ip` is the one
answer used by the security log, the sign-in throttle and the audit log.
"""

import ipaddress

from django.conf import settings

_FORWARDED = ("HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_FORWARDED")


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def is_trusted_proxy(address: str) -> bool:
    ip = _address(address or "")
    return ip is not None and any(ip in network for network in settings.ANCHA_TRUSTED_PROXIES)


def _rightmost_untrusted(peer: str, forwarded_for: str) -> str:
    client = peer
    for hop in reversed(forwarded_for.split(",")):
        ip = _address(hop)
        if ip is None:
            break  # garbage a client wrote: the hop before it is the last one we can vouch for
        client = str(ip)
        if not any(ip in network for network in settings.ANCHA_TRUSTED_PROXIES):
            break
    return client


def client_ip(request) -> str:
    if request is None:
        return ""
    cached = getattr(request, "_ancha_client_ip", None)
    if cached is not None:
        return cached
    peer = request.META.get("REMOTE_ADDR") or ""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    ip = _rightmost_untrusted(peer, forwarded) if forwarded and is_trusted_proxy(peer) else peer
    try:
        request._ancha_client_ip = ip
    except AttributeError:  # a stand-in request object that takes no attributes
        pass
    return ip


class TrustedProxyMiddleware:
    """Drops the forwarded headers of peers that are not trusted proxies, before anything reads them
    (SecurityMiddleware's HTTPS redirect, request.is_secure(), CSRF's origin check)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_trusted_proxy(request.META.get("REMOTE_ADDR") or ""):
            for header in _FORWARDED:
                request.META.pop(header, None)
        return self.get_response(request)
