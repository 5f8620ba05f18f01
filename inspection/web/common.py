"""What every page shares: the role gate, the one "not found" page, running a POST, pagination, dates.

A page outside the caller's role or scope raises Http404, so an official who types the URL of
a draw, another township or another official's notice sees exactly the page a made-up URL gets.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.utils import timezone

from inspection.access import require_role
from inspection.errors import InspectionError, NotFound
from inspection.security.hygiene import require_page

PER_PAGE = 20


def role_view(*roles):
    """Signed in, in one of `roles`, else the 404 page. Sets request.profile."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            try:
                request.profile = require_role(request.user, *roles)
                return view(request, *args, **kwargs)
            except NotFound:
                raise Http404 from None

        return wrapper

    return decorator


def run_action(request, action, *, success=None):
    """Call a service for a POST and return its result; `success` (a text, or a function of the
    result giving one) is said on the next page. A domain error is said there instead, and the
    result is None; an object outside the caller's scope is the 404 page."""
    try:
        result = action()
    except NotFound:
        raise Http404 from None
    except InspectionError as exc:
        messages.error(request, exc.detail)
        return None
    if success is not None:
        messages.success(request, success(result) if callable(success) else success)
    return result


def refuse(request, form) -> None:
    """Say why a posted form was refused, each message once, in the order of its fields."""
    said = []
    for errors in form.errors.values():
        for message in errors:
            if message not in said:
                said.append(message)
                messages.error(request, message)


class Page:
    """One page of a list, with the query string to reach its neighbours (other filters kept)."""

    def __init__(self, request, queryset, *, param="page", per_page=PER_PAGE):
        paginator = Paginator(queryset, per_page)
        self.page = paginator.get_page(require_page(request.GET.get(param)))
        self.items = list(self.page.object_list)
        self.param = param
        self._query = request.GET.copy()

    def __iter__(self):
        return iter(self.items)

    def __len__(self):
        return len(self.items)

    def link(self, number):
        query = self._query.copy()
        query[self.param] = number
        return "?" + query.urlencode()

    @property
    def previous_link(self):
        return self.link(self.page.previous_page_number()) if self.page.has_previous() else ""

    @property
    def next_link(self):
        return self.link(self.page.next_page_number()) if self.page.has_next() else ""

    @property
    def number(self):
        return self.page.number

    @property
    def num_pages(self):
        return self.page.paginator.num_pages

    @property
    def count(self):
        return self.page.paginator.count


def today():
    return timezone.localdate()
