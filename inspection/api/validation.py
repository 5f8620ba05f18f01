"""The API's refusals of malformed input, in Chinese: the field app shows them to the inspector as they come.

pydantic writes "String should have at most 2000 characters" about `text`; the inspector reads
"问题描述过长（最多 2000 字）". Each error keeps its `type`, `loc` and `ctx` for programs, and its
`msg` becomes one Chinese sentence that names the field as the page does.
"""

# Field names as the pages and the forms call them. A field not listed is called 该字段.
FIELD_LABELS = {
    "text": "问题描述", "severity": "严重程度", "item_id": "检查项", "observed_at": "发现时间", "location": "地点",
    "corrects": "更正的问题", "correction_reason": "更正原因", "username": "用户名", "password": "密码",
    "label": "名称", "name": "名称", "full_name": "姓名", "role": "角色", "week": "周", "date": "日期",
    "date_from": "起始日期", "date_to": "截止日期", "limit": "每页条数", "offset": "起始位置", "reason": "原因",
    "comment": "意见", "township": "乡镇（街道）", "official": "负责人", "status": "状态", "kind": "类别",
    "state": "状态", "format": "格式", "code": "编码", "accept_shortfall": "接受不足的说明", "public_value": "公开随机值",
    "effective_on": "施行日期", "area": "领域", "items": "检查项", "on": "日期", "title": "职务", "note": "说明",
    "active": "启用状态", "home_township": "户籍或工作所在乡镇", "child_description": "儿童情况",
    "agency": "接收单位", "received_at": "接收时间", "receipt_number": "回执编号", "discovered_at": "发现时间",
}
SEVERITY_CHOICES = "一般、较重或严重"
# Parts of a path that are not the field: ninja nests a body as ("body", "body", field).
_WRAPPERS = {"body", "query", "path", "header", "form", "file", "cookie"}


def _field(loc) -> str:
    names = [str(part) for part in (loc or ()) if str(part) not in _WRAPPERS and not isinstance(part, int)]
    return FIELD_LABELS.get(names[-1], "该字段") if names else "请求内容"


def _sentence(error: dict) -> str:
    kind, ctx, field = error.get("type", ""), error.get("ctx") or {}, _field(error.get("loc"))
    if kind == "missing":
        return f"缺少{field}"
    if kind in ("string_too_long", "too_long"):
        return f"{field}过长（最多 {ctx.get('max_length', '')} 字）"
    if kind in ("string_too_short", "too_short"):
        return f"{field}不能为空" if ctx.get("min_length") in (1, None) else f"{field}过短（至少 {ctx['min_length']} 字）"
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"{field}应为整数"
    if kind in ("greater_than_equal", "greater_than"):
        return f"{field}不能小于 {ctx.get('ge', ctx.get('gt', ''))}"
    if kind in ("less_than_equal", "less_than"):
        return f"{field}不能大于 {ctx.get('le', ctx.get('lt', ''))}"
    if kind in ("literal_error", "enum"):
        if field == "严重程度":
            return f"严重程度应为{SEVERITY_CHOICES}"
        return f"{field}的取值无效，可选：{ctx.get('expected', '')}"
    if kind.startswith(("date", "datetime", "time")):
        return f"{field}格式不正确，应为 年-月-日（时间为 年-月-日T时:分）"
    if kind in ("bool_parsing", "bool_type"):
        return f"{field}应为 true 或 false"
    if kind in ("string_type", "string_unicode"):
        return f"{field}应为文字"
    if kind in ("list_type", "tuple_type", "set_type"):
        return f"{field}应为列表"
    if kind in ("dict_type", "model_type", "model_attributes_type", "json_invalid", "json_type"):
        return "请求内容格式不正确，应为 JSON 对象"
    if kind in ("value_error", "assertion_error"):
        # The project's own validators (inspection/security/hygiene.py) already speak Chinese.
        message = str(error.get("msg", ""))
        for prefix in ("Value error, ", "Assertion failed, "):
            message = message.removeprefix(prefix)
        return message if message and not message.isascii() else f"{field}的值无效"
    if kind == "extra_forbidden":
        return f"不接受的字段：{'.'.join(str(p) for p in error.get('loc', ())[-1:])}"
    return f"{field}的值无效"


def chinese_errors(errors) -> list[dict]:
    """ninja's validation errors with each `msg` a Chinese sentence; `type`, `loc` and `ctx` kept."""
    out = []
    for error in errors or ():
        error = dict(error)
        error["msg"] = _sentence(error)
        out.append(error)
    return out


# The few refusals ninja words itself before any schema is read.
HTTP_MESSAGES = {
    "Cannot parse request body": "请求内容无法解析，应为 JSON",
    "Not Found": "未找到",
    "Method not allowed": "不支持该请求方法",
}


def chinese_http_message(message: str) -> str:
    return HTTP_MESSAGES.get(message, message)
