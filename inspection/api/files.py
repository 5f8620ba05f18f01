"""A rectification report's attachments, served to those who may read the report (the inspection
photos are served beside their finding in `inspections`). Every file is checked against the
SHA-256 recorded at upload before a byte is sent: a changed file is a 409 (DamagedArchiveCopy)."""

from ninja import Router

from inspection.access import get_visible, visible_attachments
from inspection.api.common import ErrorOut, Id, binary
from inspection.security.stored_response import stored_file_response
from inspection.services.stored_files import attachment_file

router = Router(tags=["notices"])


@router.get(
    "/{notice_id}/responses/{response_id}/attachments/{attachment_id}",
    url_name="response_attachment",
    response={404: ErrorOut, 409: ErrorOut},
    openapi_extra=binary("整改报告的附件（照片已去除位置等元数据）", "image/jpeg", "image/png", "application/pdf"),
)
def get_attachment(request, notice_id: Id, response_id: Id, attachment_id: Id):
    """The stored attachment (as cleaned on upload): the commission, the observer and the official
    the letter is addressed to."""
    attachment = get_visible(
        visible_attachments(request.auth).select_related("response__notice__county"),
        pk=attachment_id, response_id=response_id, response__notice_id=notice_id,
    )
    data = attachment_file(attachment)
    return stored_file_response(data, content_type=attachment.content_type, stem=f"attachment-{attachment.pk}")
