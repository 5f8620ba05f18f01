"""The error replies every operation can give, written into the OpenAPI schema.

Errors are turned into `{"detail": ...}` once, for every endpoint, by the API's exception
handlers (inspection/api/__init__.py), so they are documented once here too, where they apply:
- 401 on every operation that needs a signed-in caller;
- 403 on those that change something (a session without its CSRF token);
- 404 on every signed-in operation (an object outside one's scope, or a role that may not use
  the endpoint at all, is "not found");
- 400 and 422 on every operation with parameters or a body (a domain rule or the validator
  refused them);
- 401 and 429 on sign-in (wrong credentials, throttled);
- 503 on every operation (the database busy or restarting: send the same request again).
An operation's own documentation of a status wins.
"""

from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import ABS_TPL_PATH

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"description": "原因（文字），或校验错误的列表"}},
    "required": ["detail"],
}
DESCRIPTIONS = {
    "400": "请求无效",
    "401": "未登录或令牌无效",
    "403": "无权操作（如缺少 CSRF 令牌）",
    "404": "未找到（或不在您的权限范围内）",
    "422": "请求内容未通过校验",
    "429": "请求过于频繁",
    "503": "数据库繁忙或暂不可用，请稍后用同一请求重试",
}
UNSAFE = {"post", "put", "patch", "delete"}


def _error(status: str) -> dict:
    return {"description": DESCRIPTIONS[status], "content": {"application/json": {"schema": ERROR_SCHEMA}}}


def document_errors(schema: dict) -> dict:
    for methods in schema.get("paths", {}).values():
        for method, operation in methods.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            statuses = {"503"}
            secured = bool(operation.get("security"))
            if secured:
                statuses |= {"401", "404"}
                if method in UNSAFE:
                    statuses.add("403")
            if operation.get("parameters") or operation.get("requestBody"):
                statuses |= {"400", "422"}
                if not secured and method in UNSAFE:
                    statuses |= {"401", "429"}
            responses = operation["responses"]
            for status in sorted(statuses):
                responses.setdefault(status, _error(status))
    return schema


class DocumentedErrorsAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        return document_errors(super().get_openapi_schema(*args, **kwargs))


class LocalSwagger(Swagger):
    """ninja's Swagger UI page from its own template and static files, as when ninja is an
    installed app (ancha/settings.py says why it is not). Without the app ninja renders the file
    at `template_cdn`, which loads the UI from a CDN: here that is the local-files template."""

    template_cdn = str(ABS_TPL_PATH / "swagger.html")
