"""Error responses that tell nothing: JSON `{"detail": ...}` under /api/, plain Chinese pages elsewhere.

A database that cannot be reached, or is busy beyond its wait (SQLite "database is locked", a
PostgreSQL restart), is not a bug in the request: it is answered 503 with Retry-After, so the
field app keeps the request and sends it again (with the same Idempotency-Key) instead of
reporting a failure.
"""

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.views import defaults

logger = logging.getLogger("ancha.errors")
RETRY_AFTER_SECONDS = 5

MESSAGES = {
    400: "请求无效",
    403: "无权访问",
    404: "未找到",
    500: "服务器内部错误，请稍后再试",
    503: "服务暂时繁忙或不可用，请稍后重试",
}


def _api(request) -> bool:
    return request.path.startswith("/api/")


def _json(status):
    return JsonResponse({"detail": MESSAGES[status]}, status=status, json_dumps_params={"ensure_ascii": False})


def bad_request(request, exception):
    return _json(400) if _api(request) else defaults.bad_request(request, exception)


def permission_denied(request, exception):
    return _json(403) if _api(request) else defaults.permission_denied(request, exception)


def page_not_found(request, exception):
    return _json(404) if _api(request) else defaults.page_not_found(request, exception)


def _database_unavailable(exc) -> bool:
    return isinstance(exc, (OperationalError, InterfaceError))


def server_error(request):
    # Django calls this inside its `except` block: the exception is still the current one.
    if _database_unavailable(sys.exc_info()[1]):
        logger.warning("database unavailable: %s", sys.exc_info()[1])
        if _api(request):
            response = _json(503)
        else:
            response = defaults.server_error(request, template_name="503.html")
            response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    return _json(500) if _api(request) else defaults.server_error(request)
