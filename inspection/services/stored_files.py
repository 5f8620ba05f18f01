"""Stored files are checked against their recorded SHA-256 every time they are served or verified.

An issued notice's PDF and an evidence file are the record: their SHA-256 was kept when they
were stored (and, for a notice, printed on the public /verify page). `read_checked` is the one
place that opens such a file for sending or comparing: it reads the bytes, and if they are not
the recorded ones (changed on disk, or gone) it keeps a `DamagedFile` row for the commission's
dashboard and raises `DamagedArchiveCopy` (409). The callers — the notice PDF and evidence
downloads, and /verify — answer that the archive copy is damaged, never that a paper is forged;
the entry points also write it to the security log (inspection/security/log.py).
"""

import hashlib

from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from inspection.errors import Conflict
from inspection.models import County, DamagedFile, Evidence, Notice, ResponseAttachment

DAMAGED = "本系统存档的文件已损坏或缺失（与签发或上传时记录的 SHA-256 不符），已拒绝提供，并已报告县督查委员会；请联系签发机关。"


class DamagedArchiveCopy(Conflict):
    def __init__(self, damage: DamagedFile):
        super().__init__(DAMAGED)
        self.damage = damage

    def log_fields(self) -> dict:
        """What the security log keeps of it (no content of the file)."""
        d = self.damage
        return {"kind": d.kind, "object_id": d.object_id, "file": d.name, "county": d.county.code,
                "expected_sha256": d.expected_sha256, "found_sha256": d.found_sha256 or "missing"}


def _read(name: str) -> bytes | None:
    try:
        with default_storage.open(name, "rb") as handle:
            return handle.read()
    except (OSError, ValueError):  # gone, or a name the storage refuses
        return None


def _note_damage(*, kind: str, object_id: int, county: County, name: str, label: str, expected: str,
                 found: str) -> DamagedFile:
    now = timezone.now()
    fields = {"county": county, "name": name[:255], "label": label[:100], "expected_sha256": expected,
              "found_sha256": found}
    updated = DamagedFile.objects.filter(kind=kind, object_id=object_id).update(
        last_found_at=now, times=F("times") + 1, **fields
    )
    if not updated:
        try:
            with transaction.atomic():
                DamagedFile.objects.create(kind=kind, object_id=object_id, first_found_at=now, last_found_at=now,
                                           **fields)
        except IntegrityError:  # another request noted it first
            pass
    return DamagedFile.objects.select_related("county").get(kind=kind, object_id=object_id)


def read_checked(*, kind: str, object_id: int, county: County, name: str, sha256: str, label: str = "") -> bytes:
    """The stored bytes of `name`, only if their SHA-256 is the recorded `sha256`; else the
    damage is noted and DamagedArchiveCopy raised."""
    data = _read(name)
    found = hashlib.sha256(data).hexdigest() if data is not None else ""
    if data is not None and found == sha256:
        DamagedFile.objects.filter(kind=kind, object_id=object_id).delete()  # restored, or never damaged
        return data
    raise DamagedArchiveCopy(_note_damage(kind=kind, object_id=object_id, county=county, name=name, label=label,
                                          expected=sha256, found=found))


def notice_file(notice: Notice) -> bytes:
    """An issued notice's stored PDF, checked."""
    return read_checked(kind=DamagedFile.Kind.NOTICE, object_id=notice.pk, county=notice.county,
                        name=notice.pdf.name, sha256=notice.pdf_sha256, label=notice.number_text)


def evidence_file(evidence: Evidence) -> bytes:
    """An evidence file as stored on upload (cleaned), checked."""
    finding = evidence.finding
    return read_checked(kind=DamagedFile.Kind.EVIDENCE, object_id=evidence.pk,
                        county=finding.inspection.township.county, name=evidence.file.name,
                        sha256=evidence.sha256, label=f"问题 {finding.pk} 的证据 {evidence.pk}")


def attachment_file(attachment: ResponseAttachment) -> bytes:
    """A rectification report's attachment as stored on upload (cleaned), checked."""
    notice = attachment.response.notice
    return read_checked(kind=DamagedFile.Kind.ATTACHMENT, object_id=attachment.pk, county=notice.county,
                        name=attachment.file.name, sha256=attachment.sha256,
                        label=f"整改报告 {attachment.response_id} 的附件 {attachment.pk}")
