"""The key under which the phone keeps the signed-in inspector's pages (inspection/web/offline.py),
given to static/js/offline.js on every page so that another user's page removes them."""

from django import template

from inspection.web.offline import offline_key as _offline_key

register = template.Library()


@register.simple_tag
def offline_key(user) -> str:
    return _offline_key(user)
