from pathlib import Path

from django.utils import timezone

import rotation

from inspection.management.commands._base import AnchaCommand, county_by_code
from inspection.models import County, Inspection, Notice
from inspection.notices.renderer import NoticeDocumentSpec, get_renderer
from inspection.notices.samples import sample_snapshot
from inspection.notices.snapshot import KIND_LABELS, KINDS
from inspection.services.notices import circular_snapshot


class Command(AnchaCommand):
    help = (
        "Render one PDF of every notice kind (整改通知书, 约谈通知书, 问责建议函, 情况通报) from the demo "
        "data as a preview (草稿): no number is consumed and nothing is stored."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, type=Path, help="folder for the PDFs")
        parser.add_argument("--county", default=None, help="county code (default: the first county)")

    def handle(self, *args, out: Path, county, **options):
        target = county_by_code(county) if county else County.objects.order_by("code").first()
        out.mkdir(parents=True, exist_ok=True)
        renderer = get_renderer()
        for kind in KINDS:
            snapshot, source = self._snapshot(target, kind)
            pdf = renderer.render(NoticeDocumentSpec(snapshot, draft=True))
            path = out / f"{kind}.pdf"
            path.write_bytes(pdf)
            self.stdout.write(f"{path}  {KIND_LABELS[kind]}  {len(pdf) // 1024} KB  ({source})")

    def _snapshot(self, county, kind):
        if county is not None:
            notice = (
                Notice.objects.filter(county=county, kind=kind).exclude(state=Notice.State.VOID)
                .order_by("-created_at", "-id").first()
            )
            if notice is not None:
                return notice.snapshot, f"文书 #{notice.pk} 的内容"
            if kind == "circular":
                last = (
                    Inspection.objects.filter(county=county, status=Inspection.Status.SUBMITTED)
                    .order_by("-date").first()
                )
                if last is not None:
                    iso = rotation.week_label(last.date)
                    return circular_snapshot(county=county, week=iso, today=timezone.localdate()), f"{iso} 的检查"
        snapshot = sample_snapshot(kind)
        if county is not None:
            snapshot["authority"] = {"name": county.authority_name, "mark": f"{county.authority_name}文件"}
            snapshot["printed_by"] = county.authority_name
        return snapshot, "示例内容（演示数据中没有此类文书）"
