"""What /verify/<code> checks: an issued notice, or a mandatory-report transfer letter.

A transfer letter (强制报告线索移送函) answers like a notice — number, kind, issuer, date, the
PDF's SHA-256, byte-for-byte comparison — and reveals nothing of the case: no township, no
agency, no text. Codes are drawn unique across both tables.
"""

from __future__ import annotations

from django.utils import timezone

from inspection.models import DamagedFile, MandatoryReport, Notice
from inspection.notices.snapshot import KIND_LABELS, TRANSFER
from inspection.services import notices
from inspection.services.stored_files import DamagedArchiveCopy, read_checked

Verifiable = Notice | MandatoryReport


def find_verifiable(raw: str | None) -> Verifiable | None:
    notice = notices.find_by_verify_code(raw)
    if notice is not None:
        return notice
    code = notices.normalize_verify_code(raw)
    if code is None:
        return None
    return MandatoryReport.objects.select_related("county").filter(verify_code=code).exclude(letter_number="").first()


def _letter_file(report: MandatoryReport) -> bytes:
    return read_checked(kind=DamagedFile.Kind.REPORT_LETTER, object_id=report.pk, county=report.county,
                        name=report.pdf.name, sha256=report.pdf_sha256, label=report.letter_number)


def public_facts(item: Verifiable) -> dict:
    if isinstance(item, Notice):
        return notices.public_facts(item)
    return {
        "code": notices.display_verify_code(item.verify_code),
        "number": item.letter_number,
        "kind": TRANSFER,
        "kind_label": KIND_LABELS[TRANSFER],
        "issuer": item.county.authority_name,
        "issued_on": timezone.localdate(item.letter_issued_at) if item.letter_issued_at else None,
        "township": None,
        "sha256": item.pdf_sha256,
        "status": "valid",
    }


def stored_pdf_damage(item: Verifiable) -> DamagedArchiveCopy | None:
    if isinstance(item, Notice):
        return notices.stored_pdf_damage(item)
    try:
        _letter_file(item)
    except DamagedArchiveCopy as exc:
        return exc
    return None


def matches_stored_pdf(item: Verifiable, data: bytes) -> bool:
    if isinstance(item, Notice):
        return notices.matches_stored_pdf(item, data)
    return _letter_file(item) == data


def letter_file(report: MandatoryReport) -> bytes:
    """The stored transfer letter, checked against its SHA-256 (for the officer's download)."""
    return _letter_file(report)
