"""季度情况汇总 (commission, observer): problems by checklist area, by township and by month, and the
county-wide compliance estimate for the quarter. The numbers come from `inspection.summaries`."""

from django.shortcuts import render

from inspection.errors import Unprocessable
from inspection.models import Role
from inspection.summaries import quarter_of, quarter_summary, shift_quarter
from inspection.web.common import role_view, today


@role_view(Role.COMMISSION, Role.OBSERVER)
def summary_page(request):
    day = today()
    current = quarter_of(day)
    quarter = request.GET.get("quarter") or current
    try:
        summary = quarter_summary(user=request.user, county=request.profile.county, quarter=quarter, today=day)
    except Unprocessable as exc:
        context = {"section": "summary", "error": exc.detail, "current": current}
        return render(request, "web/summary.html", context, status=400)
    context = {
        "section": "summary",
        "summary": summary,
        "current": current,
        "previous": shift_quarter(quarter, -1),
        "next": shift_quarter(quarter, 1) if quarter < current else None,
    }
    return render(request, "web/summary.html", context)
