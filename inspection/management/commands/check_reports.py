from django.utils import timezone

from inspection.management.commands._base import AnchaCommand
from inspection.services.locks import Busy, exclusive
from inspection.services.report_jobs import check_reports


class Command(AnchaCommand):
    help = (
        "The mandatory-report clock (强制报告), run every few minutes: cases whose receipt by the agency is "
        "not recorded in time notify the commission's head; transfer letters whose first render failed are "
        "issued; closed cases past the county's retention have their text purged (audited). Idempotent."
    )

    def handle(self, *args, **options):
        try:
            with exclusive("check_reports"):
                result = check_reports(now=timezone.now())
        except Busy as exc:  # another server is running it: stand down, exit 0
            self.stdout.write(exc.detail)
            return
        self.stdout.write(
            f"强制报告检查：超时未确认接收并已提醒 {result.escalated} 件，补发移送函 {result.letters} 份，"
            f"清除期满结案线索全文 {result.purged} 件"
        )
