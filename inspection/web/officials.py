"""负责人任职与调任 for the commission: who holds each township's post, and an official's transfer (调任)
with their record (问责台账), which follows the person. Writes go through inspection.services.officials.
"""

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import get_visible, visible_officials, visible_townships
from inspection.errors import InspectionError, NotFound
from inspection.models import Notice, Post, Role
from inspection.services import officials as service
from inspection.services.ledger import ledger_entries
from inspection.web.admin_forms import TransferForm
from inspection.web.common import Page, refuse, role_view, today
from scoring import cn_date


@role_view(Role.COMMISSION)
def official_list(request):
    current = Prefetch("posts", queryset=Post.objects.filter(ended_on__isnull=True).select_related("township"),
                       to_attr="current_posts")
    officials = visible_officials(request.user).prefetch_related(current).select_related("user").order_by("name", "pk")
    vacant = visible_townships(request.user).exclude(posts__ended_on__isnull=True).order_by("code")
    context = {"section": "accounts", "page": Page(request, officials), "vacant": list(vacant)}
    return render(request, "web/officials.html", context)


def _detail(request, official, form):
    posts = official.posts.select_related("township").order_by("-started_on", "-pk")
    current = next((p for p in posts if p.ended_on is None), None)
    pending = (Notice.objects.filter(official=official, state__in=(Notice.State.ISSUED, Notice.State.ACKNOWLEDGED))
               .select_related("township").order_by("-issued_at"))
    context = {
        "section": "accounts", "official": official, "posts": posts, "current": current,
        "page": Page(request, list(reversed(ledger_entries(county=request.profile.county, official=official))),
                     param="lp", per_page=10),
        "pending": pending, "form": form, "townships": visible_townships(request.user).order_by("code"),
        "today": today(),
    }
    return render(request, "web/official.html", context)


@role_view(Role.COMMISSION)
def official_detail(request, pk):
    official = get_visible(visible_officials(request.user), pk=pk)
    return _detail(request, official, TransferForm(townships=visible_townships(request.user)))


@require_POST
@role_view(Role.COMMISSION)
def official_transfer(request, pk):
    official = get_visible(visible_officials(request.user), pk=pk)
    form = TransferForm(request.POST, townships=visible_townships(request.user))
    if not form.is_valid():
        refuse(request, form)
        return _detail(request, official, form)
    data = form.cleaned_data
    try:
        post = service.transfer_official(actor=request.user, official=official, on=data["on"], township=data["township"],
                                         title=data["title"] or service.DEFAULT_TITLE, note=data["note"])
    except NotFound:
        raise Http404 from None
    except InspectionError as exc:
        messages.error(request, exc.detail)
        return _detail(request, official, form)  # what was chosen stays in the form
    day = cn_date(data["on"])
    if post is None:
        messages.success(request, _("已办理离任：%(name)s自%(day)s起不再担任本县乡镇（街道）职务。") % {"name": official.name, "day": day})
    else:
        messages.success(request, _("已办理调任：%(name)s自%(day)s起任%(township)s%(title)s。") % {
            "name": official.name, "day": day, "township": post.township.name, "title": post.title})
    return redirect("web:official", pk=pk)
