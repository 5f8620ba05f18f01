"""API tokens on the web: each user's own (我的 API 令牌), and the commission's view of its county's.

Either may revoke: the user a token of a lost phone, the commission any token of its county's
accounts (a device handed in, a person moved). Revocation is audited by the service.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import county_tokens, get_visible, own_tokens
from inspection.models import ApiToken, Role
from inspection.services import tokens as service
from inspection.web.common import Page, role_view, run_action


def _rows(request, queryset):
    page = Page(request, queryset)
    now = timezone.now()
    for row in page:
        row.live = row.revoked_at is None and row.expires_at > now
    return page


@login_required
def my_tokens(request):
    context = {
        "section": "tokens",
        "page": _rows(request, own_tokens(request.user)),
        "county_view": False,
        "token_days": settings.ANCHA_TOKEN_DAYS,
        "is_commission": getattr(getattr(request.user, "profile", None), "role", None) == Role.COMMISSION,
    }
    return render(request, "web/tokens.html", context)


@require_POST
@login_required
def revoke_my_token(request, pk):
    row = get_visible(own_tokens(request.user), pk=pk)
    run_action(request, lambda: service.revoke_token(token=row, actor=request.user, reason=ApiToken.Revoked.USER),
               success=_("令牌已撤销，使用它的设备须重新登录。"))
    return redirect("web:tokens")


@role_view(Role.COMMISSION)
def county_token_list(request):
    context = {"section": "tokens", "page": _rows(request, county_tokens(request.user)), "county_view": True,
               "token_days": settings.ANCHA_TOKEN_DAYS}
    return render(request, "web/tokens.html", context)


@require_POST
@role_view(Role.COMMISSION)
def revoke_county_token(request, pk):
    row = get_visible(county_tokens(request.user), pk=pk)
    run_action(
        request, lambda: service.revoke_token(token=row, actor=request.user, reason=ApiToken.Revoked.COMMISSION),
        success=_("令牌已撤销，使用它的设备须重新登录。"),
    )
    return redirect("web:county_tokens")
