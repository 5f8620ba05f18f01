"""The main menu of base.html, drawn once per process for each role, section and language (issue 14).

The menu is the same for everyone with the same role on the same section: its thirteen links were
reversed and its labels translated on every page. What it shows depends only on the key below (the
script prefix included, in case the site is mounted under a path), so every process agrees.
"""

from django import template
from django.template.loader import get_template
from django.urls import get_script_prefix
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

register = template.Library()

_DRAWN: dict[tuple, str] = {}


@register.simple_tag
def nav_tabs(role, section) -> str:
    key = (role, section, get_language(), get_script_prefix())
    found = _DRAWN.get(key)
    if found is None:
        found = _DRAWN[key] = get_template("_nav.html").render({"role": role, "section": section})
    return mark_safe(found)
