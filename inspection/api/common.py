"""What every router of the API shares: the error reply, the id bounds, the page limits and the one
pagination (`{"items": [...], "count": n}`), and the OpenAPI of a multipart upload and of a file reply."""

from typing import Annotated, Any

from django.db.models import QuerySet
from ninja import Field, Path, Schema
from ninja.pagination import PaginationBase
from ninja.throttling import AnonRateThrottle
from pydantic import BeforeValidator

from inspection.security.proxy import client_ip

# The bounded dates, times and weeks of every schema (and the largest id PostgreSQL's bigint holds:
# a bigger one is refused by the validator, 422, not by the database, 500) come from the one place
# that checks input at the edge.
from inspection.security.hygiene import MAX_ID, SafeDate, SafeDateTime, Week  # noqa: F401 (the routers' types)

PAGE_SIZE = 50
PAGE_MAX = 200
MAX_OFFSET = 10**9

# A path id, bounded so that no request reaches the database with an id it cannot hold.
Id = Annotated[int, Path(..., ge=1, le=MAX_ID)]

# A query string filter left empty (`?township=`) filters nothing, as if it were absent.
Blank = BeforeValidator(lambda value: value or None)


class ClientRateThrottle(AnonRateThrottle):
    """ninja's per-process AnonRateThrottle, keyed by the one client address (believing
    X-Forwarded-For only from ANCHA_TRUSTED_PROXIES), not by ninja's own reading of the header."""

    def get_ident(self, request):
        return client_ip(request)


class ErrorOut(Schema):
    detail: str


class PageIn(Schema):
    limit: int = Field(PAGE_SIZE, ge=1, le=PAGE_MAX)
    offset: int = Field(0, ge=0, le=MAX_OFFSET)


class LimitOffset(PaginationBase):
    """`limit` and `offset` in the query, the page and the total in the reply."""

    Input = PageIn

    def paginate_queryset(self, queryset: QuerySet, pagination: PageIn, request, **params: Any) -> dict:
        start = pagination.offset
        return {"items": list(queryset[start : start + pagination.limit]), "count": queryset.count()}


def multipart(properties: dict, required: list[str]) -> dict:
    """The `openapi_extra` of an endpoint that reads a multipart form by hand."""
    schema = {"type": "object", "properties": properties, "required": required}
    return {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": schema}}}}


def binary(description: str, *content_types: str) -> dict:
    """The `openapi_extra` of an endpoint whose 200 reply is a file."""
    content = {kind: {"schema": {"type": "string", "format": "binary"}} for kind in content_types}
    return {"responses": {"200": {"description": description, "content": content}}}
