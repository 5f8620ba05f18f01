"""The header's notification count (强制报告 reminders and, with issue 15, other channels' messages)."""

from django import template

from inspection.access import visible_notifications

register = template.Library()


@register.simple_tag
def unread_notifications(user) -> int:
    return visible_notifications(user).filter(read_at__isnull=True).count()
