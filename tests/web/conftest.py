from tests.web.builders import history, jinbi_visit, planned_visit, team  # noqa: F401
