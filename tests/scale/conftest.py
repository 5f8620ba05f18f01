"""Generated load for the scale tests: small real counties of 海南省 (46), a fixed clock."""

from datetime import datetime

import pytest
from django.utils import timezone

from bench.loadgen import generate_load

# A Thursday morning: that day's visits are dispatched and still open; the period Sep–Oct is
# over, so its seed and draws are public.
NOW = timezone.make_aware(datetime(2026, 11, 26, 10, 0))
PROVINCE = "46"
# 460105 秀英区 (8 townships) and 460321 西沙群岛 (3); ten counties with 1 to 8 townships.
TWO = ["460105", "460321"]
TEN = ["460105", "460202", "460203", "460204", "460205", "460321", "460322", "460323", "469001", "469022"]


def load(codes, *, weeks=9, seed=7):
    return generate_load(province=PROVINCE, weeks=weeks, county_codes=codes, seed=seed, now=NOW, password="pw-load")


@pytest.fixture
def loaded(db):
    return load(TWO)
