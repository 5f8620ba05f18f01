"""Where an official is reached outside the portal: the phone and email the commission keeps on
their profile, used by the outbox (services/outbox.py). Audited with the numbers masked."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

import privacy
from inspection.errors import Unprocessable
from inspection.models import Official
from inspection.services.audit import record_event
from inspection.services.notices import require_commission

PHONE_MAX = 32
EMAIL_MAX = 254
# A mobile or a landline with its area code: digits, optionally a leading + and - between groups.
PHONE_PATTERN = re.compile(r"^\+?\d[\d-]{5,30}\d$")
PHONE_MESSAGE = "电话号码格式不正确（只能包含数字和连字符，如 13812345678 或 0857-1234567）"
EMAIL_MESSAGE = "电子邮箱格式不正确，请填写完整的邮箱地址"


def masked_email(email: str) -> str:
    """zhangsan@example.cn → z***@example.cn, as the outbox list shows an address to the office."""
    local, _, domain = email.partition("@")
    return f"{local[:1]}***@{domain}" if domain else ("***" if email else "")


def masked_address(address: str) -> str:
    return masked_email(address) if "@" in address else privacy.mask(address) if address else ""


def clean_phone(phone: str) -> str:
    phone = "".join((phone or "").split())
    if len(phone) > PHONE_MAX:
        raise Unprocessable(f"电话号码过长（最多 {PHONE_MAX} 位）")
    if phone and not PHONE_PATTERN.match(phone):
        raise Unprocessable(PHONE_MESSAGE)
    return phone


def clean_email(email: str) -> str:
    email = (email or "").strip()
    if len(email) > EMAIL_MAX:
        raise Unprocessable(f"电子邮箱过长（最多 {EMAIL_MAX} 个字符）")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            raise Unprocessable(EMAIL_MESSAGE) from None
    return email


@transaction.atomic
def set_official_contact(*, official: Official, actor, phone: str, email: str) -> Official:
    official = Official.objects.select_for_update().select_related("county").get(pk=official.pk)
    require_commission(actor, official.county)
    phone, email = clean_phone(phone), clean_email(email)
    if (phone, email) == (official.phone, official.email):
        return official
    official.phone, official.email = phone, email
    official.save(update_fields=["phone", "email"])
    record_event("official.contact_changed", actor=actor, obj=official, county=official.county,
                 data={"official": official.name, "phone": privacy.mask(phone), "email": masked_email(email)})
    return official
