"""The stage-move events (``cso_recruit.events``): a higher layer may refuse a move before it is
made and act on it after, inside the move's transaction."""

import pytest
from django.core.exceptions import ValidationError

from candidates import services
from candidates.models import Stage, StageTransition
from cso_recruit import events
from tests.factories import ApplicationFactory, UserFactory, accepted_offer, record_hire_decision

pytestmark = pytest.mark.django_db


def test_a_refusing_receiver_stops_the_move_and_nothing_is_recorded():
    application = ApplicationFactory(stage=Stage.DECISION)
    record_hire_decision(application)  # the decisions app's own gate lets it through
    user = UserFactory()
    seen = []

    def refuse(sender, *, application, from_stage, to_stage, by, **kwargs):
        seen.append((application.pk, from_stage, to_stage, by))
        raise ValidationError({"to_stage": "No decision recorded."})

    events.stage_move_checked.connect(refuse, weak=False)
    try:
        with pytest.raises(ValidationError) as excinfo:
            services.application_move(application=application, to_stage=Stage.OFFER, by=user)
    finally:
        events.stage_move_checked.disconnect(refuse)
    assert excinfo.value.message_dict == {"to_stage": ["No decision recorded."]}
    assert seen == [(application.pk, "decision", "offer", user)]
    application.refresh_from_db()
    assert application.stage == Stage.DECISION
    assert not StageTransition.objects.filter(application=application, to_stage=Stage.OFFER).exists()


def test_the_done_event_runs_after_the_transition_is_recorded():
    application = ApplicationFactory(stage=Stage.OFFER)
    accepted_offer(application)  # "hired" needs an approved offer accepted by the candidate
    user = UserFactory()
    seen = []

    def record(sender, *, application, from_stage, to_stage, by, **kwargs):
        transition = StageTransition.objects.filter(application=application).latest("at")
        seen.append((from_stage, to_stage, transition.to_stage, application.stage))

    events.stage_moved.connect(record, weak=False)
    try:
        services.application_move(application=application, to_stage=Stage.HIRED, by=user)
    finally:
        events.stage_moved.disconnect(record)
    assert seen == [("offer", "hired", "hired", "hired")]
