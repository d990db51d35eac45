"""A decision counts only for the stay at "decision" it was taken in (found by the hostile
tester): after going back to the sessions, the move to "offer" needs a new meeting; and once "hire"
or "do not hire" is recorded, no second meeting opens at the same stay."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from candidates import services as candidate_services
from candidates.models import Stage
from decisions import selectors, services
from tests.factories import ApplicationFactory, record_hire_decision

pytestmark = pytest.mark.django_db


def test_an_old_hire_decision_does_not_carry_over_a_return_to_the_sessions():
    application = ApplicationFactory(stage=Stage.DECISION)
    recruiter = application.mandate.recruiters.first()
    meeting = record_hire_decision(application)
    assert selectors.decided_since_entry(application) == meeting
    application = candidate_services.application_move(
        application=application, to_stage=Stage.WORKING_SESSIONS, by=recruiter
    )
    application = candidate_services.application_move(
        application=application, to_stage=Stage.DECISION, by=recruiter
    )
    assert selectors.decided_since_entry(application) is None
    with pytest.raises(ValidationError) as caught:
        candidate_services.application_move(application=application, to_stage=Stage.OFFER, by=recruiter)
    assert "to_stage" in caught.value.message_dict
    application.refresh_from_db()
    assert application.stage == Stage.DECISION


def test_no_second_meeting_once_the_decision_is_recorded():
    application = ApplicationFactory(stage=Stage.DECISION)
    record_hire_decision(application)
    with pytest.raises(ValidationError) as caught:
        services.meeting_open(application=application, by=application.mandate.recruiters.first())
    assert caught.value.code == "decided"


def test_a_decision_recorded_before_the_stage_was_entered_is_stale():
    application = ApplicationFactory(stage=Stage.DECISION)
    meeting = record_hire_decision(application)
    type(application).objects.filter(pk=application.pk).update(
        stage_entered_at=meeting.decided_at + timedelta(seconds=1)
    )
    application.refresh_from_db()
    assert selectors.decided_since_entry(application) is None
