"""The page frame's top bar and main menu (base.html), drawn once per process for each content (issue 14).

Every page drew them again: a dozen links reversed and labels translated for each request. What they
show depends only on the keys below (the script prefix included, in case the site is mounted under
a path), so they are kept per process (web/pieces.py). The two values that change with each
request, the CSRF token of the bar's two forms and the path the language switch returns to, are
put into the kept bar for each request.
"""

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from inspection.templatetags.reports import unread_notifications
from inspection.web.pieces import Pieces

register = template.Library()

_MENUS = Pieces(kept=256)  # roles x sections x languages
_BARS = Pieces(kept=4096)  # one or a few per signed-in user
TOKEN, PATH = "\x00csrf\x00", "\x00path\x00"  # the request's values go here (NUL never reaches a page)


@register.simple_tag
def nav_tabs(role, section) -> str:
    return mark_safe(_MENUS.get(
        (role, section, get_language(), get_script_prefix()),
        lambda: get_template("_nav.html").render({"role": role, "section": section}),
    ))


@register.simple_tag(takes_context=True)
def top_bar(context) -> str:
    """templates/_top.html for this request: the viewer's name, role, county and unread count (the
    page may pass `unread`, counted in its own statement; otherwise it is counted here), the
    language, the section."""
    user, request = context.get("user"), context.get("request")
    signed_in = bool(user is not None and user.is_authenticated)
    profile = getattr(user, "profile", None) if signed_in else None
    unread = context.get("unread")
    if signed_in and unread is None:
        unread = unread_notifications(user)
    token = context.get("csrf_token")
    section = context.get("section")
    key = (signed_in, signed_in and (user.pk, user.get_username(), user.get_full_name()),
           profile and (profile.role, profile.county.name if profile.county_id else None), unread,
           get_language(), section, get_script_prefix(), bool(token and token != "NOTPROVIDED"))
    bar = _BARS.get(key, lambda: get_template("_top.html").render({
        "user": user, "unread": unread, "section": section, "LANG": get_language(),
        "csrf_token": TOKEN if key[-1] else token, "next_path": PATH,
    }))
    path = request.get_full_path() if request is not None else ""
    return mark_safe(bar.replace(TOKEN, conditional_escape(str(token)) if key[-1] else "")
                     .replace(PATH, conditional_escape(path)))
