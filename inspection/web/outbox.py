"""The commission's 通知设置 page: which outside channels are on, the latest deliveries, and the
officials' phone and email the reminders go to (edited here, audited by the service)."""

from django import forms
from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from inspection.access import get_visible, visible_deliveries, visible_officials
from inspection.models import Delivery, Role
from inspection.services import contacts
from inspection.services.outbox import channels_on
from inspection.services.outbox_delivery import BACKOFF, MAX_ATTEMPTS
from inspection.web.common import refuse, role_view, run_action

RECENT = 30


class ContactForm(forms.Form):
    phone = forms.CharField(required=False, max_length=contacts.PHONE_MAX,
                            error_messages={"max_length": contacts.PHONE_MESSAGE})
    email = forms.CharField(required=False, max_length=contacts.EMAIL_MAX,
                            error_messages={"max_length": contacts.EMAIL_MESSAGE})


def _channels() -> list[dict]:
    on = channels_on()
    return [
        {"label": _("电子邮件"), "on": Delivery.Channel.EMAIL in on,
         "detail": _("发件地址 %(sender)s") % {"sender": settings.DEFAULT_FROM_EMAIL}},
        {"label": _("短信/政务消息网关"), "on": Delivery.Channel.WEBHOOK in on,
         "detail": _("签名校验，%(seconds)s 秒超时") % {"seconds": f"{settings.ANCHA_SMS_WEBHOOK_TIMEOUT:g}"}},
    ]


def _interval(wait) -> str:
    minutes = int(wait.total_seconds() // 60)
    if minutes < 60:
        return ngettext("%(n)s分钟", "%(n)s分钟", minutes) % {"n": minutes}
    return ngettext("%(n)s小时", "%(n)s小时", minutes // 60) % {"n": minutes // 60}


def _backoff_text() -> str:
    steps = [_interval(wait) for wait in BACKOFF]
    return _("发送失败后依次间隔%(steps)s重试，共尝试%(n)s次仍失败的标记为发送失败。") % {
        "steps": _("、").join(steps), "n": MAX_ATTEMPTS}


@role_view(Role.COMMISSION)
def outbox_settings(request):
    deliveries = list(visible_deliveries(request.user).order_by("-created_at", "-id")[:RECENT])
    for row in deliveries:
        row.masked = contacts.masked_address(row.address)
    officials = visible_officials(request.user).order_by("name", "pk")
    context = {
        "section": "outbox", "channels": _channels(), "any_on": bool(channels_on()), "deliveries": deliveries,
        "officials": officials, "backoff": _backoff_text(),
    }
    return render(request, "web/outbox.html", context)


@role_view(Role.COMMISSION)
def official_contact(request, pk):
    official = get_visible(visible_officials(request.user), pk=pk)
    form = ContactForm(request.POST or None, initial={"phone": official.phone, "email": official.email})
    if request.method == "POST" and not form.is_valid():
        refuse(request, form)
    elif request.method == "POST":
        done = run_action(request, lambda: contacts.set_official_contact(
            official=official, actor=request.user, phone=form.cleaned_data["phone"], email=form.cleaned_data["email"]),
            success=_("联系方式已保存。"))
        if done is not None:
            return redirect("web:outbox")
    return render(request, "web/official_contact.html", {"section": "outbox", "official": official, "form": form})
