"""Simultaneous votes on PostgreSQL: two threads, released together by a barrier, each with its
own database connection (closed at the end), as in ``tests/sessions/test_concurrency.py``.

``decisions.services.vote_cast`` and ``meeting_decide`` lock the meeting's row
(``select_for_update``) before reading it, so:

- two panel members voting at once both get their vote recorded (neither is lost);
- one member sending two votes at once (two tabs) ends with one vote row, changed once;
- a vote racing the CEO's decision either lands before it or is refused ("closed"), never
  recorded after the meeting closed.

PostgreSQL only (SQLite has no row locks); with ``CSO_REQUIRE_SERVICES=1`` it must run.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from candidates.models import Stage
from decisions import services
from decisions.models import DecisionMeeting, Vote
from tests.conftest import require_service
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


def race(calls):
    """Run each callable in its own thread, all released at once; returns ``"ok"`` or the
    exception each one raised."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            call()
            outcomes[index] = "ok"
        except Exception as exc:  # noqa: BLE001 — reported by the assertions
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.fixture
def meeting():
    require_service(connection.vendor == "postgresql", "PostgreSQL (row locks)")
    ceo = UserFactory(groups=["ceo"])
    first, second = UserFactory(groups=["recruiter"]), UserFactory(groups=["recruiter"])
    mandate = MandateFactory(ceo=ceo, recruiters=[first, second])
    application = ApplicationFactory(mandate=mandate, stage=Stage.DECISION)
    return services.meeting_open(application=application, by=first), ceo, first, second


def cast(meeting, user, choice, rationale):
    return lambda: services.vote_cast(meeting=meeting, by=user, choice=choice, rationale=rationale)


def test_two_members_voting_at_once_both_count(meeting):
    meeting, _ceo, first, second = meeting
    outcomes = race([cast(meeting, first, "hire", "Oui."), cast(meeting, second, "no_hire", "Non.")])
    assert outcomes == ["ok", "ok"]
    assert set(Vote.objects.values_list("voter_id", "choice", "revision")) == {
        (first.pk, "hire", 1),
        (second.pk, "no_hire", 1),
    }


def test_one_member_voting_twice_at_once_keeps_one_vote(meeting):
    meeting, _ceo, first, _second = meeting
    outcomes = race([cast(meeting, first, "hire", "Oui."), cast(meeting, first, "no_hire", "Non.")])
    assert outcomes == ["ok", "ok"]
    vote = Vote.objects.get()
    assert vote.voter_id == first.pk and vote.revision == 2  # the second one changed the first
    assert vote.choice in ("hire", "no_hire")


def test_a_vote_racing_the_decision_never_lands_after_it(meeting):
    meeting, ceo, first, _second = meeting
    decide = lambda: services.meeting_decide(  # noqa: E731
        meeting=meeting, by=ceo, decision="no_hire", rationale="Non."
    )
    outcomes = race([cast(meeting, first, "hire", "Oui."), decide])
    stored = DecisionMeeting.objects.get(pk=meeting.pk)
    assert outcomes[1] == "ok" and not stored.is_open
    if outcomes[0] == "ok":
        assert Vote.objects.get().cast_at <= stored.decided_at
    else:
        assert isinstance(outcomes[0], ValidationError) and outcomes[0].code == "closed"
        assert not Vote.objects.exists()
