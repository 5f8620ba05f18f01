"""Inspection photos and report attachments opened from the pages, for whoever may read them
(`access.visible_evidence`, `access.visible_attachments`; anyone else gets the 404 page).

Each file is checked against the SHA-256 recorded at upload before it is sent; a changed or lost
file is refused with a page saying so, noted for the commission's dashboard (`DamagedFile`) and
written to the security log, as the API does for the same files and for issued letters."""

from django.shortcuts import render
from django.urls import reverse

import privacy
from inspection.access import get_visible, visible_attachments, visible_evidence
from inspection.models import Role
from inspection.security.log import security_event
from inspection.security.stored_response import stored_file_response
from inspection.services.ladder_history import effective_findings
from inspection.services.stored_files import DamagedArchiveCopy, attachment_file, evidence_file
from inspection.web.common import role_view

READERS = (Role.COMMISSION, Role.OBSERVER, Role.OFFICIAL, Role.INSPECTOR)


def _send(request, read, row, *, stem):
    try:
        data = read(row)
    except DamagedArchiveCopy as exc:
        security_event("archive.damaged", request=request, **exc.log_fields())
        return render(request, "errors/damaged.html", {"detail": exc.detail}, status=exc.status)
    return stored_file_response(data, content_type=row.content_type, stem=stem)


@role_view(*READERS)
def evidence_file_view(request, pk, evidence_id):
    evidence = get_visible(
        visible_evidence(request.user).select_related("finding__inspection__township__county"),
        pk=evidence_id, finding__inspection_id=pk,
    )
    return _send(request, evidence_file, evidence, stem=f"evidence-{evidence.pk}")


@role_view(*READERS)
def attachment_file_view(request, pk, response_id, attachment_id):
    attachment = get_visible(
        visible_attachments(request.user).select_related("response__notice__county"),
        pk=attachment_id, response_id=response_id, response__notice_id=pk,
    )
    return _send(request, attachment_file, attachment, stem=f"attachment-{attachment.pk}")


def before_photos(user, notice) -> list:
    """The inspection photos of the findings a letter quotes (as they stand after corrections), for
    the 整改前 side of its reports: only those the reader may open, each captioned by its finding
    (masked as the letter masks it)."""
    if notice.inspection_id is None:
        return []
    quoted = {f.pk: n for n, f in enumerate(effective_findings(notice.inspection), start=1)}
    photos = list(
        visible_evidence(user).filter(finding_id__in=quoted).select_related("finding__item").order_by("finding_id", "id")
    )
    for photo in photos:
        finding = photo.finding
        subject = finding.item.area if finding.item_id else privacy.mask(" ".join(finding.text.split()))[:20]
        photo.caption = f"问题{quoted[finding.pk]}：{subject}"
        photo.url = reverse("web:evidence_file", args=[finding.inspection_id, photo.pk])
    return photos
