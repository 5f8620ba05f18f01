"""Error responses that tell nothing: JSON `{"detail": ...}` under /api/, plain Chinese pages elsewhere."""

from django.http import JsonResponse
from django.views import defaults

MESSAGES = {
    400: "请求无效",
    403: "无权访问",
    404: "未找到",
    500: "服务器内部错误，请稍后再试",
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


def server_error(request):
    return _json(500) if _api(request) else defaults.server_error(request)
