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
        # Cheapest first: the open prefixes (the API never loads the session here), then the
        # account, and only for a held account the two URLs it may still reach.
        if not request.path.startswith(self.OPEN_PREFIXES) and self._held(request) \
                and request.path not in (reverse("password_change"), reverse("logout")):
            return redirect("password_change")
        return self.get_response(request)

    @staticmethod
    def _held(request) -> bool:
        """The account still holds a temporary password (asked before the URLs are resolved, so
        every other request goes on without resolving one)."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        profile = getattr(user, "profile", None)  # the page reads it anyway: no extra query
        return profile is not None and profile.must_change_password
