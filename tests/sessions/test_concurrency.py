"""Two simultaneous schedule requests for the same slot yield exactly one session (DESIGN.md §5:
"safe under two simultaneous requests").

``sessions.services.session_schedule`` locks the application, then the participants' rows
(``select_for_update``) before checking the rules. Two threads, released together by a barrier,
each with its own database connection (closed at the end), ask for the same slot:

- same application (same CEO, candidate and mediator);
- two candidates of the same mandate (only the CEO and the mediator are shared: the lock on the
  user rows is what serialises them).

On PostgreSQL the loser waits for the winner's commit, then sees its session and gets a
``ValidationError`` (code ``overlap``) naming the conflict. On SQLite (no row locks; the test database is shared
in memory) the loser may instead get ``OperationalError: database is locked``; it retries as a
user would, then meets the conflict — the end state is the same: one session.

Marked ``services``: with ``CSO_REQUIRE_SERVICES=1`` the PostgreSQL variant must run (it fails
instead of skipping without PostgreSQL).
"""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import OperationalError, connection

from sessions import services
from sessions.models import WorkingSession
from tests.conftest import require_service
from tests.factories import ApplicationFactory, CandidateFactory
from tests.sessions.conftest import DAY, LOCATION, PROBLEM, at

START = at(DAY, 10)
END = START + timedelta(minutes=90)


def race(requests, *, retries=20):
    """Run each ``(application, mediator, by)`` request in its own thread, all released at once.

    Returns the outcomes: ``"ok"``, or the ``ValidationError`` that refused the request."""
    barrier = threading.Barrier(len(requests))
    outcomes = [None] * len(requests)

    def worker(index, application, mediator, by):
        try:
            barrier.wait(timeout=10)
            for _attempt in range(retries):
                try:
                    services.session_schedule(
                        application=application,
                        starts_at=START,
                        ends_at=END,
                        mediator=mediator,
                        problem=PROBLEM,
                        location=LOCATION,
                        by=by,
                    )
                    outcomes[index] = "ok"
                    return
                except ValidationError as exc:
                    outcomes[index] = exc
                    return
                except OperationalError as exc:  # SQLite only: "database is locked" / "table is locked"
                    assert "locked" in str(exc)
                    outcomes[index] = exc
                    time.sleep(0.05)
        except Exception as exc:  # noqa: BLE001 — reported by the assertions below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, *request)) for i, request in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


def _requests(world, kind):
    if kind == "same application":
        return [(world.application, world.mediator, world.recruiter)] * 2
    second = ApplicationFactory(mandate=world.mandate, candidate=CandidateFactory(email="deux@example.org"))
    return [(world.application, world.mediator, world.recruiter), (second, world.mediator, world.recruiter)]


def _check(outcomes):
    assert WorkingSession.objects.count() == 1
    assert outcomes.count("ok") == 1, outcomes
    (loser,) = [o for o in outcomes if o != "ok"]
    assert isinstance(loser, ValidationError), repr(loser)
    assert {error.code for error in loser.error_list} == {"overlap"}, loser.messages


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["same application", "same CEO and mediator"])
def test_two_simultaneous_requests_for_the_same_slot_make_one_session(world, kind):
    """Any database: the end state is one session and one refusal."""
    _check(race(_requests(world, kind)))


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["same application", "same CEO and mediator"])
def test_row_locks_serialise_simultaneous_requests_on_postgresql(world, kind):
    """PostgreSQL: the loser waits on the row locks, no retry needed, and gets the conflict."""
    require_service(connection.vendor == "postgresql", "PostgreSQL")
    outcomes = race(_requests(world, kind), retries=1)
    _check(outcomes)


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_many_simultaneous_requests_still_make_one_session_on_postgresql(world):
    require_service(connection.vendor == "postgresql", "PostgreSQL")
    outcomes = race([(world.application, world.mediator, world.recruiter)] * 6, retries=1)
    assert WorkingSession.objects.count() == 1
    assert outcomes.count("ok") == 1
    assert all(isinstance(o, ValidationError) for o in outcomes if o != "ok")
