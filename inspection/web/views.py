"""Home: each role lands on its own page. The pages themselves live beside this module."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _

from inspection.access import profile_of
from inspection.models import Role
from inspection.services.accounts import clear_password_change
from inspection.web import commission, portal


@login_required
def home(request):
    profile = profile_of(request.user)
    if profile is None:
        return render(request, "home.html", {"profile": None})
    request.profile = profile
    if profile.role == Role.COMMISSION:
        return commission.dashboard(request, profile)
    if profile.role == Role.OFFICIAL:
        return portal.portal(request, profile)
    if profile.role == Role.OBSERVER:
        return commission.observer_home(request, profile)
    return redirect("inspector:home")


class PasswordChange(auth_views.PasswordChangeView):
    success_url = reverse_lazy("home")

    def form_valid(self, form):
        form.user._ancha_changed_by = self.request.user  # the audit event names who changed it
        response = super().form_valid(form)
        clear_password_change(user=form.user)
        messages.success(self.request, _("密码已修改。"))
        return response
