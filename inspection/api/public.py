"""The county's 公开 record as JSON: GET /api/v1/public/{county} (no sign-in; DESIGN.md §4).

Every seed period's commitment (and its seed once the period is over), every revealed week's
record with inspectors as pseudonyms and no homes, the audit chain's head. A week still sealed
shows nothing beyond its period's commitment. `tools/verify_draw.py` reads this feed.
"""

from __future__ import annotations

from ninja import Router, Status

from inspection.api.common import ErrorOut
from inspection.publication import county_by_code, public_feed

router = Router(tags=["public"])


@router.get("/{county}", auth=None, response={200: dict, 404: ErrorOut}, url_name="public_feed")
def feed(request, county: str):
    found = county_by_code(county)
    if found is None:
        return Status(404, {"detail": f"没有代码为 {county[:32]} 的县（市）"})
    return Status(200, public_feed(found))
