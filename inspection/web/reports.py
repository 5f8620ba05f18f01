"""The mandatory-report pages (强制报告): file a case, the list, one case, the receipt, the roles,
and the notifications in the header. Who sees what is `inspection.access`."""

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from inspection.access import (
    get_visible,
    report_counts,
    report_is_late,
    sees_child_identity,
    sees_report_details,
    visible_inspections,
    visible_notifications,
    visible_reports,
)
from inspection.models import Profile, Role
from inspection.security.hygiene import strict_id
from inspection.services.inspections import is_team_member
from inspection.services.report_jobs import escalate_late_reports, mark_notifications_read
from inspection.services.reports import (
    FILED_MESSAGE,
    file_and_transfer,
    issue_transfer_letter,
    record_receipt,
    set_report_roles,
)
from inspection.services.verification import letter_file
from inspection.web.common import refuse, role_view, run_action
from inspection.web.forms import ReceiptForm, ReportForm, ReportRolesForm


def _visit(request):
    """The visit a report is filed from (`?inspection=`): for an inspector, one of their team's."""
    pk = strict_id(request.GET.get("inspection") or request.POST.get("inspection"))
    if pk is None:
        if request.profile.role == Role.INSPECTOR:
            raise Http404
        return None
    inspection = get_visible(visible_inspections(request.user).select_related("township"), pk=pk)
    if request.profile.role == Role.INSPECTOR and not is_team_member(inspection, request.user):
        raise Http404
    return inspection


@role_view(Role.COMMISSION, Role.INSPECTOR)
def report_new(request):
    inspection = _visit(request)
    form = ReportForm(request.POST or None, initial={
        "discovered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "location": inspection.township.name if inspection else ""})
    if request.method == "POST":
        if form.is_valid():
            report = run_action(request, lambda: file_and_transfer(actor=request.user, inspection=inspection, **form.cleaned_data),
                                success=FILED_MESSAGE)
            if report is not None:  # an inspector goes back to the visit (they have no menu)
                if request.profile.role == Role.INSPECTOR:
                    return redirect("inspector:inspection", pk=inspection.pk)
                return redirect("web:reports")
        else:
            refuse(request, form)
    return render(request, "web/report_new.html", {"form": form, "inspection": inspection, "section": "reports"})


def _office(request):
    return (Profile.objects.filter(county=request.profile.county, role=Role.COMMISSION, user__is_active=True)
            .select_related("user").order_by("user__username"))


@role_view(Role.COMMISSION, Role.OBSERVER, Role.INSPECTOR)
def report_list(request):
    user = request.user
    details = sees_report_details(user)
    if details:
        escalate_late_reports(county=request.profile.county)  # the clock is checked on read, too
    now = timezone.now()
    reports = list(visible_reports(user).select_related("inspection__township").order_by("-discovered_at", "-id")[:200])
    context = {
        "section": "reports",
        "details": details,
        "rows": [(r, report_is_late(r, now)) for r in reports],
        "counts": report_counts(user, now),
        "office": list(_office(request)) if request.profile.role == Role.COMMISSION else [],
    }
    return render(request, "web/reports.html", context)


def _case(request, pk):
    if not sees_report_details(request.user):
        raise Http404
    return get_visible(visible_reports(request.user).select_related("county", "inspection__township"), pk=pk)


@role_view(Role.COMMISSION, Role.OBSERVER)
def report_detail(request, pk):
    report = _case(request, pk)
    officer = sees_child_identity(request.user)
    if request.method == "POST":
        if not officer:
            raise Http404
        form = ReceiptForm(request.POST)
        if form.is_valid():
            run_action(request, lambda: record_receipt(report=report, actor=request.user, **form.cleaned_data),
                       success="已记录接收单位确认接收，线索结案")
        else:
            refuse(request, form)
        return redirect("web:report", pk=pk)
    context = {
        "section": "reports", "report": report, "late": report_is_late(report), "officer": officer,
        "events": list(report.events.all()),
        "form": ReceiptForm(initial={"received_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")}),
    }
    return render(request, "web/report.html", context)


@role_view(Role.COMMISSION)
@require_POST
def report_letter_issue(request, pk):
    report = _case(request, pk)
    run_action(request, lambda: issue_transfer_letter(report=report, actor=request.user), success="移送函已印发")
    return redirect("web:report", pk=pk)


@role_view(Role.COMMISSION, Role.OBSERVER)
def report_letter(request, pk):
    report = _case(request, pk)
    if not report.letter_number:
        raise Http404
    response = HttpResponse(letter_file(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="transfer-{report.pk}.pdf"'
    return response


@role_view(Role.COMMISSION)
@require_POST
def report_roles(request):
    form = ReportRolesForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:reports")
    profile = _office(request).filter(pk=form.cleaned_data["profile"]).first()
    if profile is None:
        raise Http404
    run_action(request, lambda: set_report_roles(
        actor=request.user, profile=profile, report_officer=form.cleaned_data["report_officer"],
        commission_head=form.cleaned_data["commission_head"]), success="已更新强制报告专员设置")
    return redirect("web:reports")


@role_view(Role.COMMISSION, Role.OBSERVER, Role.INSPECTOR, Role.OFFICIAL)
def notifications(request):
    if request.method == "POST":
        mark_notifications_read(user=request.user)
        messages.success(request, "已全部标记为已读")
        return redirect("web:notifications")
    items = list(visible_notifications(request.user)[:100])
    return render(request, "web/notifications.html", {"items": items, "section": ""})
