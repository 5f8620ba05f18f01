"""Visit codes (无扰督查): the public check at the door, and the township official's confirmation.

The check page needs no sign-in and writes nothing a township can read (see
inspection/services/visit_codes.py); the QR code the team shows opens it with the code filled in.
"""

import segno
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from inspection.access import official_township
from inspection.errors import Conflict
from inspection.models import Role
from inspection.security.visit_check import CheckThrottled, check_address, check_url, checked
from inspection.services.visit_codes import code_for, confirm_visit
from inspection.web.common import refuse, role_view, run_action
from inspection.web.forms import VisitCodeForm


@require_http_methods(["GET", "POST"])
def check_page(request):
    """GET without a code: the form; GET ?code= (the QR) or POST: the answer."""
    data = request.POST if request.method == "POST" else (request.GET if "code" in request.GET else None)
    context = {"form_max": VisitCodeForm.base_fields["code"].max_length, "result": None, "error": None, "code": ""}
    status = 200
    if data is not None:
        form = VisitCodeForm(data)
        if not form.is_valid():
            context["error"] = next(iter(form.errors.get("code", [_("请输入督查组出示的核验码")])))
            status = 400
        else:
            context["code"] = form.cleaned_data["code"]
            try:
                context["result"] = checked(request, form.cleaned_data["code"])
            except CheckThrottled as exc:
                context["error"], status = exc.detail, exc.status
    return render(request, "verify/visit_check.html", context, status=status)


def code_context(request, inspection) -> dict:
    """What the team's phone shows at the door: the code, its QR and where to check it; nothing
    before dispatch or on another day."""
    try:
        code = code_for(inspection)
    except Conflict:
        return {"visit_code": None}
    url = check_url(request, code)
    qr = segno.make(url, error="m", micro=False).svg_inline(
        scale=5, border=4, svgclass="visit-qr", title=_("核验二维码：扫码核验督查组身份"))
    return {"visit_code": code, "visit_qr": qr, "check_url": url,
            "check_address": check_address(request)}


def _confirmed(result) -> str:
    confirmation, newly = result
    at = timezone.localtime(confirmation.confirmed_at).strftime("%H:%M")
    if newly:
        return _("已确认督查组于今天来访（确认时间 %(at)s）。") % {"at": at}
    return _("这次检查此前已经确认过（确认时间 %(at)s），无需重复确认。") % {"at": at}


@require_POST
@role_view(Role.OFFICIAL)
def confirm_form(request):
    form = VisitCodeForm(request.POST)
    if form.is_valid():
        code = form.cleaned_data["code"]
        run_action(request, lambda: confirm_visit(user=request.user, code=code, township=official_township(request.user)),
                   success=_confirmed)
    else:
        refuse(request, form)
    return redirect("home")

