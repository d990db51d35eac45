from tests.reports.conftest import world  # noqa: F401 — the report tests' world, reused
