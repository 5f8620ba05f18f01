"""The commission's two corrections of the schedule: a dispatched visit not carried out (未实施) and a
planned visit withdrawn (撤销). Each asks for a reason; the service checks the role and the state."""

from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import get_visible, visible_inspections
from inspection.models import Role
from inspection.services import visits as service
from inspection.web.common import refuse, role_view, run_action
from inspection.web.forms import ReasonForm


def _back(inspection):
    if inspection.draw_id and inspection.status in ("planned", "cancelled"):
        return redirect("web:draw", week=inspection.draw.week)
    return redirect("web:inspection", pk=inspection.pk)


def _act(request, pk, action, success):
    inspection = get_visible(visible_inspections(request.user).select_related("draw"), pk=pk)
    form = ReasonForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return _back(inspection)
    done = run_action(request, lambda: action(inspection=inspection, actor=request.user,
                                              reason=form.cleaned_data["reason"]), success=success)
    return _back(done or inspection)


@require_POST
@role_view(Role.COMMISSION)
def inspection_missed(request, pk):
    return _act(request, pk, service.mark_missed,
                _("已登记为未实施。该乡镇重新进入抽签范围，如期限临近，次日早间将补充抽签。"))


@require_POST
@role_view(Role.COMMISSION)
def inspection_cancel(request, pk):
    return _act(request, pk, service.cancel_inspection,
                _("已撤销。该乡镇重新进入抽签范围，如期限临近，次日早间将补充抽签。"))
