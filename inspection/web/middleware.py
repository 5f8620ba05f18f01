"""Chinese unless the user chose English with the switch.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
anyone whose browser is set to English; the commission wants Chinese by default. Only the
language cookie (set by the switch, /i18n/setlang/) changes it.
"""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers


class LocaleMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class TemporaryPasswordMiddleware:
    """An account given a temporary password (a new account, a reset) reaches only the password form,
    the sign-out and the language switch until its holder has chosen their own password."""

    OPEN_PREFIXES = ("/i18n/", "/static/", "/api/", "/verify/", "/public/", "/visit/check/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(self.OPEN_PREFIXES) or request.path in (reverse("password_change"), reverse("logout")):
            return self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            profile = getattr(user, "profile", None)  # the page reads it anyway: no extra query
            if profile is not None and profile.must_change_password:
                return redirect("password_change")
        return self.get_response(request)
