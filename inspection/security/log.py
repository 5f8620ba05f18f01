"""Security events, one line each, on the `ancha.security` logger.

The fields are JSON-encoded, so a newline (or any other line separator) in user input stays
inside its record instead of forging a second one.
"""

import json
import logging

from django.utils.crypto import salted_hmac

from inspection.security.proxy import client_ip

__all__ = ["client_ip", "keyed_hash", "one_line", "security_event"]

logger = logging.getLogger("ancha.security")

# json.dumps escapes the C0 controls (\n, \r, \x1c-\x1f); these other line breaks it leaves
# alone with ensure_ascii=False, and log viewers and str.splitlines() honour them.
_LINE_BREAKS = {"\x85": "\\u0085", "\u2028": "\\u2028", "\u2029": "\\u2029"}


def one_line(fields: dict) -> str:
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)
    for char, escaped in _LINE_BREAKS.items():
        text = text.replace(char, escaped)
    return text


def keyed_hash(username: str) -> str:
    """An attempted username as the logs and the throttle keep it: an HMAC keyed from SECRET_KEY.

    A bare SHA-256 of what was typed could be reversed by trying a dictionary of passwords (people
    type their password into the username box); without the server's key it cannot."""
    return salted_hmac("ancha.security.username", username.strip().casefold(), algorithm="sha256").hexdigest()


def security_event(event: str, *, request=None, level=logging.WARNING, **fields) -> None:
    record = {"event": event, **fields}
    if request is not None:
        record.setdefault("ip", client_ip(request))
        if request.method:  # a request made up by force_login has none
            record.setdefault("method", request.method)
            record.setdefault("path", request.path[:300])
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            record.setdefault("user", user.get_username())
    logger.log(level, one_line(record))
