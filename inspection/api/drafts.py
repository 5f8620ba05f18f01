"""Schemas for controlling a draft notice (services.drafts): the edit, the staff list, the history.

The limits that matter are the service's (the same constants and Chinese messages as the page);
the schema only caps absurd sizes (CAP), so an ordinary overlong text is refused in the service's words.
"""

from datetime import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import ConfigDict

from inspection.security.hygiene import SafeDateTime
from inspection.notices.history import history_rows


CAP = 5000  # far above every limit of services.drafts: a size no one types


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")
    start: SafeDateTime | None = Field(None, description="约谈时间（北京时间，须为将来的工作日）")
    place: str | None = Field(None, max_length=CAP)
    host: int | None = Field(None, ge=1, le=2**31 - 1, description="约谈人：GET /api/v1/notices/staff 的 id")


class DraftEditIn(Schema):
    """Only the keys given change; the rest of the draft stays as it is."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=CAP)
    requirements: list[Annotated[str, Field(max_length=CAP)]] | None = Field(None, max_length=100)
    warning: str | None = Field(None, max_length=CAP)
    suggestion: str | None = Field(None, max_length=CAP)
    findings: list[int] | None = Field(None, max_length=200, description="引用的本次暗查问题编号")
    drop_reason: str = Field("", max_length=CAP, description="删去已引用问题的理由")
    meeting: MeetingIn | None = None


class StaffOut(Schema):
    id: int
    name: str
    title: str
    label: str


class ChangeOut(Schema):
    label: str
    before: str
    after: str


class EditOut(Schema):
    at: datetime
    who: str
    what: str
    changes: list[ChangeOut]
    dropped: str
    reason: str


def edit_history(events) -> list[dict]:
    return history_rows(events)
