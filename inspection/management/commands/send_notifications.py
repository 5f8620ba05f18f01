from django.core.management.base import CommandError
from django.utils import timezone

from inspection.management.commands._base import AnchaCommand
from inspection.services.outbox import channels_on
from inspection.services.outbox_delivery import send_due


class Command(AnchaCommand):
    help = (
        "Send the notification outbox (email through SMTP, SMS through the gateway webhook), run every "
        "minute. Failed sends are retried after 1, 5, 30 minutes, 2 and 12 hours, then marked failed. "
        "Several senders may run at once: each takes different rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=200, help="at most this many deliveries in one run")

    def handle(self, *args, **options):
        if options["limit"] < 1:
            raise CommandError("--limit 须为正整数")
        if not channels_on():
            self.stdout.write("未配置邮件或短信渠道：通知仅在平台内显示")
        report = send_due(now=timezone.now(), limit=options["limit"])
        self.stdout.write(f"外发通知：送达 {report.sent} 条，待重试 {report.retried} 条，最终失败 {report.failed} 条")
