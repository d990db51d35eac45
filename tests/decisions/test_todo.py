"""The votes a panel member owes appear on "À faire" (found by the newcomer: the CEO had the last
vote to cast and nothing said so)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from candidates.models import Stage
from decisions import services
from sessions import todo
from tests.factories import ApplicationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_votes_owed_are_on_the_to_do_page_until_cast(client):
    application = ApplicationFactory(stage=Stage.DECISION)
    mandate = application.mandate
    first = mandate.recruiters.first()
    second = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(second)
    mediator = UserFactory(groups=["mediator"])
    mandate.mediators.add(mediator)
    meeting = services.meeting_open(application=application, by=first)
    services.vote_cast(meeting=meeting, by=first, choice="hire", rationale="Solide.")
    url = reverse("decisions:meeting", kwargs={"pk": application.pk})

    def owed(user, now=None):
        return [i for i in todo.todo_extra_for(user, now=now) if i.kind == "decision_vote"]

    assert [i.url for i in owed(mandate.ceo)] == [url]
    assert [i.url for i in owed(second)] == [url]
    assert owed(first) == [] and owed(mediator) == []
    item = owed(mandate.ceo)[0]
    assert item.due == meeting.opened_at + timedelta(hours=48) and not item.overdue
    assert owed(mandate.ceo, now=timezone.now() + timedelta(hours=49))[0].overdue
    client.force_login(mandate.ceo)
    assert url in client.get(reverse("working_sessions:todo")).content.decode()
    services.vote_cast(meeting=meeting, by=mandate.ceo, choice="hire", rationale="Oui.")
    assert owed(mandate.ceo) == []
    services.meeting_decide(
        meeting=meeting, by=mandate.ceo, decision="hire", rationale="Oui.", differs_reason="Références."
    )
    assert owed(second) == []  # a closed meeting asks nothing more
