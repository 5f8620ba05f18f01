"""Shared base for Ancha's commands: domain errors become one line on stderr and exit 1."""

from collections.abc import Callable
from datetime import date

from django.core.management.base import BaseCommand, CommandError

from inspection.errors import InspectionError
from inspection.models import County


class AnchaCommand(BaseCommand):
    # Ancha's commands are cron and operator jobs (the draw, the sweep, backups, verify_audit...).
    # Django's system checks belong to deploy time (`manage.py check --deploy`, docs/deploy.md):
    # run before each job they imported the URL configuration and so the whole API (~0.8 s of a
    # ~2 s start) and found nothing a deploy had not already found.
    requires_system_checks = []

    def execute(self, *args, **options):
        try:
            return super().execute(*args, **options)
        except InspectionError as exc:
            raise CommandError(exc.detail) from None


def iso_day(flag: str) -> Callable[[str], date]:
    """An argparse `type` for a YYYY-MM-DD option, whose error names the option."""

    def parse(value: str) -> date:
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"{flag} 应为 YYYY-MM-DD：{value!r}") from None

    return parse


def county_by_code(code: str) -> County:
    county = County.objects.filter(code=code).first()
    if county is None:
        raise CommandError(f"没有代码为 {code} 的县（市）")
    return county
