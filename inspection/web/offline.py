"""The inspector's app offline: a service worker that keeps their assignment pages and the static
files on the phone, so reopening the page in a valley without signal shows the assignment and the
checklist (and the outbox of static/js/inspector.js files what is done there once signal returns).

Only the inspector's own pages (scope /inspector/) and /static/ are ever kept, network first (a
page opened with signal is always the server's latest); everything else stays `no-store` and
passes by untouched. The phone's copies are kept under a key of the signed-in user
(`offline_key`): a page of anyone else, or of nobody (the sign-in page after 退出), removes them
(static/js/offline.js), and so does the worker itself when it starts for someone else.
"""

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.shortcuts import render
from django.utils.crypto import salted_hmac
from django.views.decorators.http import require_GET

from inspection.access import role_of
from inspection.models import Role

SCOPE = "/inspector/"
# What the inspector's pages load: kept on install so the first reload offline has them too.
ASSETS = ("css/ancha.css", "css/inspector.css", "js/inspector.js", "js/offline.js", "img/seal.svg")


def offline_key(user) -> str:
    """An opaque name for a signed-in user's copies on the phone ('' for nobody): their id would
    tell a shared phone's next user whose pages those were."""
    if user is None or not user.is_authenticated:
        return ""
    return salted_hmac("ancha.offline", str(user.pk)).hexdigest()[:20]


@require_GET
def service_worker(request):
    """/sw.js: served at the root so it may control /inspector/; an inspector's worker keeps their
    pages, anyone else's only clears what a previous user left."""
    key = offline_key(request.user) if role_of(request.user) == Role.INSPECTOR else ""
    context = {
        "key": key,
        "scope": SCOPE,
        "static_prefix": "/" + settings.STATIC_URL.lstrip("/"),
        "assets": [staticfiles_storage.url(name) for name in ASSETS] if key else [],
    }
    response = render(request, "inspector/sw.js", context, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = SCOPE
    response["Cache-Control"] = "no-cache"
    return response
