"""The working-day calendar (工作日历), for the commission: the coming months' holidays, make-up days and the
county's days off, and the form that adds or removes the commission's own entries.

Every change goes through inspection.services.calendar, which validates and audits it.
"""

from datetime import date, timedelta

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import get_visible, visible_calendar_days
from inspection.models import CalendarDay, Role
from inspection.services import calendar as service
from inspection.web.common import refuse, role_view, run_action, today
from inspection.web.forms import CalendarDayForm

MONTHS_SHOWN = 12


def _months_ahead(first: date, months: int) -> date:
    """The last day of the `months`-th month counted from `first`'s month (its own month is the first)."""
    month = first.month - 1 + months
    return date(first.year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


@role_view(Role.COMMISSION)
def calendar_page(request):
    county = request.profile.county
    now = today()
    first = now.replace(day=1)
    last = _months_ahead(first, MONTHS_SHOWN)
    provisional = set(service.provisional_years(county=county, first=first, last=last))
    years = [
        {"year": y, "provisional": y in provisional}
        for y in range(first.year, last.year + 1)
    ]
    context = {
        "section": "calendar",
        "county": county,
        "first": first,
        "last": last,
        "years": years,
        "days": service.calendar_listing(county=county, first=first, last=last),
        "form": CalendarDayForm(),
        "kinds": CalendarDay.Kind.choices,
        "sources": CalendarDay.Source.choices,
        "today": now,
    }
    return render(request, "web/calendar.html", context)


@require_POST
@role_view(Role.COMMISSION)
def calendar_add(request):
    form = CalendarDayForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:calendar")
    data = form.cleaned_data
    run_action(
        request,
        lambda: service.add_calendar_day(
            county=request.profile.county, day=data["date"], kind=data["kind"], source=data["source"],
            name=data["name"], actor=request.user,
        ),
        success=lambda entry: _("已登记：%(day)s %(kind)s（%(name)s）。")
        % {"day": entry.date.isoformat(), "kind": entry.get_kind_display(), "name": entry.name},
    )
    return redirect("web:calendar")


@require_POST
@role_view(Role.COMMISSION)
def calendar_remove(request, pk):
    entry = get_visible(visible_calendar_days(request.user), pk=pk)
    run_action(
        request,
        lambda: service.remove_calendar_day(entry=entry, actor=request.user),
        success=_("已删除 %(day)s 的登记。") % {"day": entry.date.isoformat()},
    )
    return redirect("web:calendar")
