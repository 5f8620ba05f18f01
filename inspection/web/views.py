"""Web pages: load, authorize, call a service, render. The real pages grow per role."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from inspection.access import official_township, profile_of


@login_required
def home(request):
    profile = profile_of(request.user)
    context = {
        "profile": profile,
        "township": official_township(request.user),
    }
    return render(request, "home.html", context)
