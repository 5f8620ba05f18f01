"""账号管理 for the commission: the county's accounts, a new one, and each account's actions (disable
or enable, a temporary password, another role). Writes go through inspection.services.accounts.

A temporary password is shown once, on the page that answers the POST (never stored in clear, never
in a redirect or a message that could be shown again), with `Cache-Control: no-store`.
"""

from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from inspection.access import get_visible, visible_accounts, visible_townships
from inspection.models import Official, Role
from inspection.services import accounts as service
from inspection.web.admin_forms import AccountForm, ActiveForm, RoleForm
from inspection.web.common import Page, refuse, role_view, run_action


def _townships(request):
    return visible_townships(request.user).order_by("code")


def _list(request, form):
    query = (request.GET.get("q") or "").strip()[:64]
    role = request.GET.get("role", "")
    users = visible_accounts(request.user).order_by("profile__role", "username")
    if query:
        users = users.filter(Q(username__icontains=query) | Q(first_name__icontains=query))
    if role in Role.values:
        users = users.filter(profile__role=role)
    context = {"section": "accounts", "page": Page(request, users), "form": form, "roles": Role.choices,
               "townships": list(_townships(request)), "q": query, "role": role if role in Role.values else ""}
    return render(request, "web/accounts.html", context)


@role_view(Role.COMMISSION)
def account_list(request):
    return _list(request, AccountForm(townships=_townships(request)))


def _shown_once(request, user, password, heading):
    response = render(request, "web/account_password.html",
                      {"section": "accounts", "account": user, "password": password, "heading": heading})
    add_never_cache_headers(response)
    return response


@require_POST
@role_view(Role.COMMISSION)
def account_create(request):
    form = AccountForm(request.POST, townships=_townships(request))
    if not form.is_valid():
        refuse(request, form)
        return _list(request, form)  # what was typed stays in the form
    data = form.cleaned_data
    created = run_action(request, lambda: service.create_account(
        actor=request.user, username=data["username"], full_name=data["full_name"], role=data["role"],
        home_township=data["home_township"] if data["role"] == Role.INSPECTOR else None,
        township=data["township"] if data["role"] == Role.OFFICIAL else None,
    ))
    if created is None:
        return _list(request, form)
    user, password = created
    return _shown_once(request, user, password, _("账号已开设"))


@role_view(Role.COMMISSION)
def account_detail(request, pk):
    account = get_visible(visible_accounts(request.user), pk=pk)
    official = Official.objects.filter(user=account).first()
    context = {
        "section": "accounts", "account": account, "roles": Role.choices, "official": official,
        "post": official.current_post() if official else None,
        "is_self": account.pk == request.user.pk,
    }
    return render(request, "web/account.html", context)


@require_POST
@role_view(Role.COMMISSION)
def account_active(request, pk):
    account = get_visible(visible_accounts(request.user), pk=pk)
    form = ActiveForm(request.POST)
    active = request.POST.get("active") == "1"
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:account", pk=pk)
    run_action(request, lambda: service.set_account_active(
        actor=request.user, user=account, active=active, reason=form.cleaned_data["reason"]),
        success=_("账号已启用。") if active else _("账号已停用：不能再登录，已登录的会话和 API 令牌全部作废。"))
    return redirect("web:account", pk=pk)


@require_POST
@role_view(Role.COMMISSION)
def account_password(request, pk):
    account = get_visible(visible_accounts(request.user), pk=pk)
    password = run_action(request, lambda: service.reset_password(actor=request.user, user=account))
    if password is None:
        return redirect("web:account", pk=pk)
    return _shown_once(request, account, password, _("已重置密码"))


@require_POST
@role_view(Role.COMMISSION)
def account_role(request, pk):
    account = get_visible(visible_accounts(request.user), pk=pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        refuse(request, form)
        return redirect("web:account", pk=pk)
    run_action(request, lambda: service.change_role(actor=request.user, user=account, role=form.cleaned_data["role"]),
               success=_("角色已变更，该账号须重新登录。"))
    return redirect("web:account", pk=pk)
