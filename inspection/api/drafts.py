"""Schemas for controlling a draft notice (services.drafts): the edit, the staff list, the history.

Each limit is the service's constant, so the API refuses what the page and the service refuse.
"""

from datetime import datetime

from ninja import Field, Schema
from pydantic import ConfigDict

from inspection.security.hygiene import SafeDateTime
from inspection.services import drafts
from inspection.notices.history import history_rows


class MeetingIn(Schema):
    model_config = ConfigDict(extra="forbid")
    start: SafeDateTime | None = Field(None, description="约谈时间（北京时间，须为将来的工作日）")
    place: str | None = Field(None, max_length=drafts.PLACE_MAX)
    host: int | None = Field(None, ge=1, le=2**31 - 1, description="约谈人：GET /api/v1/notices/staff 的 id")


class DraftEditIn(Schema):
    """Only the keys given change; the rest of the draft stays as it is."""

    model_config = ConfigDict(extra="forbid")
    title: str | None = Field(None, max_length=drafts.TITLE_MAX)
    requirements: list[str] | None = Field(None, max_length=drafts.LINES_MAX)
    warning: str | None = Field(None, max_length=drafts.PARAGRAPH_MAX)
    suggestion: str | None = Field(None, max_length=drafts.PARAGRAPH_MAX)
    findings: list[int] | None = Field(None, max_length=200, description="引用的本次暗查问题编号")
    drop_reason: str = Field("", max_length=drafts.REASON_MAX, description="删去已引用问题的理由")
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
