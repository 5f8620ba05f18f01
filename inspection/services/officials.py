"""An official's posts: appointment and transfer (调任), without the Django admin.

    appoint(official=, township=, on=, title=)                      a post at a township with none
    transfer_official(actor=, official=, on=, township=None, title=, note=)
        ends the current post on `on`; with a township, starts the new post there the same day;
        without one, the official has left the county's townships (调离本县 / 退休).

The record follows the person: every decision names the `Official` who held the post on its day
(`Decision.official`), so the ledger of a transferred official still shows what was decided against
them at the old post, and the township page of their new post shows it as their history.

Letters already sent stay addressed to the official who received them (`Notice.official`): they can
still 签收 them and file the 整改报告 from their new post. Letters for the old township's visits from the
transfer day on go to whoever then holds its post, or to nobody by name while it is vacant; a visit made
before the transfer and filed late stays the record (and the letter) of the official in post on its day
(`ladder_writer.current_post(township, visit day)`; the successor wins on the transfer day itself).
"""

from datetime import date

from django.db import transaction

from inspection.errors import Conflict, InspectionError, NotFound
from inspection.models import Official, Post, Township
from inspection.services.audit import record_event

TITLE_MAX = 64
DEFAULT_TITLE = "分管负责人"


def _title(title: str) -> str:
    title = (title or "").strip() or DEFAULT_TITLE
    if len(title) > TITLE_MAX:
        raise InspectionError(f"职务不能超过{TITLE_MAX}个字")
    return title


def appoint(*, official: Official, township: Township, on: date, title: str = DEFAULT_TITLE) -> Post:
    """Called inside a caller's transaction (account creation, a transfer)."""
    if township.county_id != official.county_id:
        raise NotFound("本县没有该乡镇（街道）")
    holder = Post.objects.select_for_update().filter(township=township, ended_on__isnull=True).select_related("official").first()
    if holder is not None:
        raise Conflict(f"{township.name}现任{holder.title}为{holder.official.name}，请先为其办理调任或离任")
    return Post.objects.create(official=official, township=township, title=_title(title), started_on=on)


@transaction.atomic
def transfer_official(*, actor, official: Official, on: date, township: Township | None = None,
                      title: str = DEFAULT_TITLE, note: str = "") -> Post | None:
    official = Official.objects.select_for_update().get(pk=official.pk)
    note = (note or "").strip()
    if len(note) > 500:
        raise InspectionError("说明不能超过500个字")
    current = Post.objects.select_for_update().filter(official=official, ended_on__isnull=True).select_related("township").first()
    if current is None and township is None:
        raise InspectionError(f"{official.name}目前没有任职，请选择新任职的乡镇（街道）")
    if current is not None:
        if township is not None and township.pk == current.township_id:
            raise InspectionError(f"{official.name}已在{township.name}任职")
        if on < current.started_on:
            raise InspectionError(f"调任日期不能早于{official.name}在{current.township.name}的任职日期")
        current.ended_on = on
        current.save(update_fields=["ended_on"])
    post = appoint(official=official, township=township, on=on, title=title) if township is not None else None
    record_event("official.transferred", actor=actor, county=official.county, obj=official, data={
        "official": official.name,
        "from": current.township.code if current else None,
        "to": township.code if township else None,
        "on": on.isoformat(),
        "post_title": post.title if post else "",
        "note": note,
    })
    return post
