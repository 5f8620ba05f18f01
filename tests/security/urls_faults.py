"""The real URLs plus two that fail, to see what a visitor gets from a server error."""

from django.urls import path

from ancha.urls import handler400, handler403, handler404, handler500, urlpatterns as real  # noqa: F401


def explode(request):
    raise RuntimeError("secret detail: DATABASE_URL=postgres://admin:hunter2@db/ancha")


def database_busy(request):
    from django.db import OperationalError

    raise OperationalError("database is locked")


urlpatterns = [
    path("boom/", explode),
    path("api/v1/boom/", explode),
    path("busy/", database_busy),
    path("api/v1/busy/", database_busy),
    *real,
]
