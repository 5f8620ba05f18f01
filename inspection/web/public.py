"""The county's 公开 page /public/<county>/: no sign-in, the same record as the JSON feed.

It also says where else the commitments are published: a page served by the commission's own
server alone proves little, so the reader is pointed to copies the commission cannot change.
"""

from django.shortcuts import render

from inspection.models import Township
from inspection.publication import county_by_code, public_feed


def _weeks(feed: dict, names: dict[str, str]) -> list[dict]:
    rows = []
    for record in reversed(feed["weeks"]):
        visits = [
            {**v, "name": names.get(v["township"], v["township"]), "percent": f"{v['probability'] * 100:.1f}%"}
            for v in record["result"].get("visits", [])
        ]
        rows.append({"week": record["week"], "seed": record["seed"], "visits": visits})
    return rows


def public_page(request, county):
    found = county_by_code(county)
    if found is None:
        return render(request, "public/county.html", {"county": None, "code": county}, status=404)
    feed = public_feed(found)
    names = dict(Township.objects.filter(county=found).values_list("code", "name"))
    channels = [line.strip() for line in found.commitment_channels.splitlines() if line.strip()]
    context = {
        "county": found,
        "periods": list(reversed(feed["periods"])),
        "weeks": _weeks(feed, names),
        "audit_head": feed["audit_head"],
        "channels": channels,
    }
    return render(request, "public/county.html", context)
