import pytest

from tests.inspection.draw_fixtures import AFTER_PERIOD, at, roster, sealed  # noqa: F401
from tests.web.builders import history, jinbi_visit, media_in_a_temporary_folder, planned_visit, team  # noqa: F401


@pytest.fixture
def revealed(sealed):
    """Week 2026-W49 revealed with its period's seed, after the period."""
    from inspection.services.draws import reveal_due

    with at(AFTER_PERIOD):
        reveal_due(county=sealed.county)
    sealed.refresh_from_db()
    return sealed
