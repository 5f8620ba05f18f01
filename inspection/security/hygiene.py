"""Input hygiene at the edge: what no request may carry, checked once for every entry point.

PostgreSQL refuses a NUL in any text value (a 500 if it reaches a query), the templates and the
PDFs cannot hold lone surrogates or C0 controls, Python's `datetime` overflows when a year-1
time is moved to UTC, and `str.isdigit()` accepts digits (²) that `int()` refuses. So:

- `InputHygieneMiddleware` refuses such characters in the path, the query string, the headers and
  cookies, and every parsed value of a JSON or form body, and a JSON body over Django's own
  `DATA_UPLOAD_MAX_MEMORY_SIZE` (debug mode included, where django-ninja would answer a 500);
- the types below bound dates, times, ISO weeks and ids for the API schemas and the web forms;
- a view that parses input by hand raises `InputRefused`, answered here like the rest.

A refusal is a 4xx with a Chinese sentence: `{"detail": ...}` under /api/, the 400 page elsewhere;
it goes to the security log, never the audit chain (strangers must not write the record).
"""

import json
import logging
import re
from datetime import date, datetime, timezone
from typing import Annotated

from django import forms
from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpResponse, JsonResponse
from django.http.multipartparser import MultiPartParserError
from django.template.loader import render_to_string
from pydantic import AfterValidator

import rotation
from inspection.errors import InspectionError
from inspection.security.log import security_event
from inspection.security.middleware import CONTENT_SECURITY_POLICY

# C0 controls other than tab, LF and CR, and the surrogate code points, which UTF-8 cannot
# encode (JSON's "\ud800" escape produces one).
_UNHOLDABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff]")
_ASCII_ID = re.compile(r"[0-9]{1,19}", re.ASCII)
MAX_ID = 2**63 - 1  # PostgreSQL's bigint

# The calendar the commission's records can live in: every date, time and week outside it is a
# typing error or an attack, and both ends stay far from Python's and PostgreSQL's limits.
DATE_MIN, DATE_MAX = date(1900, 1, 1), date(2099, 12, 31)
WEEK_YEAR_MIN, WEEK_YEAR_MAX = 2000, 2099
JSON_DEPTH_MAX = 32

CHARACTERS = "含有无法处理的字符（空字符、控制字符或不成对的代理码位），请删除后重试"
DATE_RANGE = f"日期应在 {DATE_MIN.isoformat()} 至 {DATE_MAX.isoformat()} 之间"
WEEK_RANGE = f"周次应在 {WEEK_YEAR_MIN}-W01 至 {WEEK_YEAR_MAX}-W52 之间"
PAGE_FORMAT = "页码应为半角数字"


class InputRefused(InspectionError):
    """A value no part of the project can hold; raised by a view that parses input by hand."""

    status = 400


class InputTooLarge(InputRefused):
    status = 413


# ---------------------------------------------------------------------------
# The checks


def holdable(text: str) -> bool:
    return _UNHOLDABLE.search(text) is None


def strict_id(text: str | None) -> int | None:
    """An id typed as ASCII digits (not ², not ١٢), within bigint, else None."""
    if text is None or not _ASCII_ID.fullmatch(text):
        return None
    value = int(text)
    return value if 1 <= value <= MAX_ID else None


def check_date(value: date) -> date:
    day = value.date() if isinstance(value, datetime) else value
    if not DATE_MIN <= day <= DATE_MAX:
        raise ValueError(DATE_RANGE)
    return value


def check_datetime(value: datetime) -> datetime:
    check_date(value)
    if value.tzinfo is not None:
        check_date(value.astimezone(timezone.utc))  # the day it is stored under
    return value


def check_week(value: str) -> str:
    """'2026-W49' in the bounded calendar; the message names what is wrong."""
    try:
        monday = rotation.parse_week(value.strip())
    except rotation.RotationInputError as exc:
        raise ValueError(str(exc)) from None
    if not WEEK_YEAR_MIN <= monday.isocalendar()[0] <= WEEK_YEAR_MAX:
        raise ValueError(WEEK_RANGE)
    return value.strip()


def require_week(value: str) -> str:
    """`check_week` for a view that reads a week from its path: InputRefused, not ValueError."""
    try:
        return check_week(value)
    except ValueError as exc:
        raise InputRefused(str(exc)) from None


def require_page(value: str | None) -> str | None:
    """A page number as typed (None when absent): ASCII digits or refused, so that ² or ١ never
    reaches `int()`."""
    if not value:
        return None
    if not _ASCII_ID.fullmatch(value):
        raise InputRefused(PAGE_FORMAT)
    return value


# The API's schema types (pydantic): a value outside is a 422 with the sentence above.
SafeDate = Annotated[date, AfterValidator(check_date)]
SafeDateTime = Annotated[datetime, AfterValidator(check_datetime)]
Week = Annotated[str, AfterValidator(check_week)]


def _form_validator(check):
    def validate(value):
        try:
            check(value)
        except ValueError as exc:
            raise forms.ValidationError(str(exc), code="out_of_range") from None

    return validate


class WeekField(forms.CharField):
    """A web form's ISO week, bounded like the API's `Week`."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 8)  # YYYY-Www
        super().__init__(**kwargs)
        self.validators.append(_form_validator(check_week))


class StrictIdField(forms.IntegerField):
    """A web form's id: ASCII digits only (`IntegerField` takes ١٢ for 12)."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip()
        if strict_id(text) is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return int(text)


# ---------------------------------------------------------------------------
# The middleware


def _label(name: str) -> str:
    return _UNHOLDABLE.sub("", name)[:40] or "?"


def _first_unholdable(value, path: str, depth: int = 0) -> str | None:
    """The name of the first JSON value (or key) holding what cannot be held, else None."""
    if depth > JSON_DEPTH_MAX:
        return path or "?"
    if isinstance(value, str):
        return None if holdable(value) else (path or "?")
    if isinstance(value, dict):
        for key, item in value.items():
            if not holdable(key):
                return _label(key)
            found = _first_unholdable(item, key, depth + 1)
            if found:
                return found
    elif isinstance(value, list):
        for item in value:
            found = _first_unholdable(item, path, depth + 1)
            if found:
                return found
    return None


class InputHygieneMiddleware:
    """Refuse what cannot be held before any view, session or database sees it. Placed before the
    session middleware: a session cookie holding a NUL would otherwise reach a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            self._check(request)
        except InputRefused as exc:
            return refusal(request, exc)
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, InputRefused):
            return refusal(request, exception)
        return None

    def _check(self, request):
        if not holdable(request.path_info) or not holdable(request.path):
            raise InputRefused(f"网址{CHARACTERS}。")
        for name, values in request.GET.lists():
            if not holdable(name) or not all(map(holdable, values)):
                raise InputRefused(f"查询参数“{_label(name)}”{CHARACTERS}。")
        for name, value in request.META.items():
            if name.startswith("HTTP_") and isinstance(value, str) and not holdable(value):
                raise InputRefused(f"请求头“{_label(name[5:])}”{CHARACTERS}。")
        for name, value in request.COOKIES.items():  # unquoted: a quoted \000 is a NUL by now
            if not holdable(name) or not holdable(value):
                raise InputRefused(f"Cookie“{_label(name)}”{CHARACTERS}。")
        if request.method in ("POST", "PUT", "PATCH", "DELETE"):
            self._check_body(request)

    def _check_body(self, request):
        kind = (request.content_type or "").lower()
        if kind == "application/json" or kind.endswith("+json"):
            self._check_json(request)
        elif kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
            self._check_form(request)

    @staticmethod
    def _check_json(request):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        if limit is not None and declared > limit:
            raise _too_large(limit)
        try:
            body = request.body
        except RequestDataTooBig:
            raise _too_large(limit) from None
        if not body:
            return
        try:
            value = json.loads(body)
        except json.JSONDecodeError:
            return  # malformed JSON is the API's to refuse, in its own words
        except (ValueError, RecursionError):
            # Valid JSON Python will not hold: an integer of thousands of digits, nesting too deep.
            raise InputRefused("提交的 JSON 含有过长的数字或过深的嵌套，请检查后重试。") from None
        found = _first_unholdable(value, "")
        if found:
            raise InputRefused(f"提交内容的“{found}”{CHARACTERS}。")

    @staticmethod
    def _check_form(request):
        try:
            fields, files = request.POST, request.FILES
        except RequestDataTooBig:
            raise _too_large(settings.DATA_UPLOAD_MAX_MEMORY_SIZE) from None
        except TooManyFieldsSent:
            raise InputRefused("提交的字段过多，请检查后重试。") from None
        except MultiPartParserError:
            raise InputRefused("提交的表单格式无效，请重新提交。") from None
        for name, values in fields.lists():
            if not holdable(name) or not all(map(holdable, values)):
                raise InputRefused(f"表单字段“{_label(name)}”{CHARACTERS}。")
        for name, uploads in files.lists():
            if not holdable(name) or not all(holdable(upload.name or "") for upload in uploads):
                raise InputRefused(f"上传文件“{_label(name)}”的文件名{CHARACTERS}。")


def _too_large(limit: int | None) -> InputTooLarge:
    return InputTooLarge(f"提交内容过大（不得超过 {(limit or 0) // 1024} KB），请精简后重试。")


def refusal(request, exc: InputRefused) -> HttpResponse:
    security_event("input.refused", request=_loggable(request), status=exc.status, detail=exc.detail,
                   level=logging.WARNING)
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": exc.detail}, status=exc.status, json_dumps_params={"ensure_ascii": False})
    else:
        response = HttpResponse(render_to_string("400.html", {"message": exc.detail}), status=exc.status)
    response["Cache-Control"] = "no-store"
    response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY  # outside SecurityHeadersMiddleware
    return response


class _loggable:
    """The request as the security log reads it, without touching `request.user` (whose session
    cookie may be the very value refused)."""

    def __init__(self, request):
        self.META, self.method, self.path = request.META, request.method, _UNHOLDABLE.sub("�", request.path)
