"""Shared fixtures. Service-dependent tests skip without PostgreSQL/Redis, but FAIL when
``CSO_REQUIRE_SERVICES=1`` (set by ``.ci/run``)."""

import os
from pathlib import Path

import pytest

from cso_recruit.celery import app as celery_app

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_SAMPLES = ROOT.parent / "shared" / "samples"
REQUIRE_SERVICES = os.environ.get("CSO_REQUIRE_SERVICES") == "1"


def sample_path(name: str) -> Path:
    """A real-format sample: ``../shared/samples`` when present, else our byte-identical fixture."""
    shared = SHARED_SAMPLES / name
    return shared if shared.exists() else FIXTURES / name


def require_service(available: bool, what: str):
    """Skip when a service is missing, unless CI requires it — then fail loudly."""
    if available:
        return
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (CSO_REQUIRE_SERVICES=1) but not available")
    pytest.skip(f"{what} not available")


@pytest.fixture(autouse=True)
def _eager_celery():
    """Tasks run in-process by default; the real-worker test turns this off for itself."""
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous
    # ``monkeypatch.setattr(task, "apply_async", …)`` is undone by setting the original bound method
    # back on the task instance, where it would hide a later test's patch of the task's class.
    for task in list(celery_app.tasks.values()):
        task.__dict__.pop("apply_async", None)


@pytest.fixture(autouse=True)
def _tasks_inline(settings):
    """The embedded default runs tasks in a background thread; tests run them inline."""
    settings.OUTBOX_EAGER_IN_BACKGROUND = False


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    """Factories set a password on every user: a fast hasher keeps the tests quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _force_login_shows_the_second_factor(monkeypatch):
    """Staff and CEOs must show a second factor before any page (``accounts.middleware``). A test's
    ``client.force_login(user)`` stands for a complete login, second factor included: it also
    records a confirmed backup-code device of the user as verified in the session. Tests of the
    second factor itself log in with ``tests.accounts.helpers.password_only_login``."""
    from django.test import Client

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        mark_second_factor_verified(self, user)

    monkeypatch.setattr(Client, "force_login", force_login)
    monkeypatch.setattr(Client, "_force_login_without_second_factor", original, raising=False)


def mark_second_factor_verified(client, user):
    """Record in ``client``'s session that ``user`` showed a second factor (a test device)."""
    from accounts.testing import mark_second_factor_verified as mark

    mark(client, user)


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def recruiter(db):
    from tests.factories import UserFactory

    return UserFactory(username="recruteur-test", groups=["recruiter"])


@pytest.fixture
def mandate(db, recruiter):
    from tests.factories import MandateFactory

    return MandateFactory(recruiters=[recruiter])


def _is_transactional(item) -> bool:
    marker = item.get_closest_marker("django_db")
    if marker is not None and marker.kwargs.get("transaction"):
        return True
    names = getattr(item, "fixturenames", ())
    return "transactional_db" in names or "live_server" in names


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test ends by flushing every table, data migrations' rows included (groups,
    the default framework). Under pytest-xdist such a test may run before ordinary ones on the same
    worker, so the reference data is put back as soon as the flush is done."""
    yield
    if nextitem is not None and _is_transactional(item):  # the last test's teardown drops the database
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            ensure_reference_data()


def ensure_reference_data():
    """Re-create what the data migrations make (groups, default framework) after a transactional
    test flushed the tables. Idempotent."""
    import importlib

    from django.apps import apps

    importlib.import_module("candidates.migrations.0002_groups").create_groups(apps, None)
    importlib.import_module("assessments.migrations.0002_default_framework").create_default_framework(
        apps, None
    )
    importlib.import_module("assessments.migrations.0003_criterion_short_labels").fill_short_labels(
        apps, None
    )
