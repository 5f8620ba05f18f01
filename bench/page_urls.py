"""The product's URLs plus bench_pages' second anchor: a page that draws nothing.

`/bench/empty/` goes through everything the dashboard's request goes through before and after its
view (the middleware, the session's and the user's statements, the sign-in check, the test
client), and returns a few bytes. What the dashboard adds on top of it is the page's own work.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.urls import path

from ancha.urls import urlpatterns as product_urls


@login_required
def empty(request):
    return HttpResponse(b"<!doctype html><title>empty</title>")


urlpatterns = [path("bench/empty/", empty), *product_urls]
