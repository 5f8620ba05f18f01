"""The product's URLs plus the floor of bench_api: a bare django-ninja endpoint that inserts one
finding row with the same bearer authentication, and nothing else (no idempotency key, no team
check, no row lock, no audit event, no scoring of the reply)."""

from django.urls import path
from ninja import NinjaAPI, Schema

from inspection.api.auth import BearerAuth
from inspection.models import Finding
from ancha.urls import urlpatterns as product_urls

floor = NinjaAPI(title="floor", version="bench", urls_namespace="floor", auth=BearerAuth(), docs_url=None)


class FloorIn(Schema):
    severity: str
    text: str


class FloorOut(Schema):
    id: int


@floor.post("/inspections/{inspection_id}/findings", response={201: FloorOut})
def file_finding(request, inspection_id: int, body: FloorIn):
    finding = Finding.objects.create(
        inspection_id=inspection_id, severity=body.severity, text=body.text, recorded_by=request.auth
    )
    return 201, {"id": finding.pk}


urlpatterns = [path("floor/", floor.urls), *product_urls]
