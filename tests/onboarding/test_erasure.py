"""Erasing a hired candidate (``privacy.services.candidate_erase``) takes their start kit with it:
the plan, the charter (which names who amended it), its sign-offs, the check-ins and reminders."""

from datetime import timedelta

import pytest
from django.utils import timezone

from candidates.models import Application
from onboarding import services
from onboarding.models import Charter, CharterSignOff, CheckIn, CheckInReminder, PlanLine, StartKit
from privacy.services import candidate_erase
from reports.services import report_request
from sessions import ipa
from tests.factories import hired_application

pytestmark = pytest.mark.django_db


def test_the_kit_goes_with_the_erased_candidate(world):
    kit = StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))
    charter = kit.charter
    services.charter_amend(
        kit=kit, by_name="Claire Testeuse", decision_rights="A", disagreement="B", cadence="C", seen_version=1
    )
    charter.refresh_from_db()
    services.charter_sign(
        kit=kit, party="cso", shown_sha256=services.charter_sha256(charter), signer_name="Claire Testeuse"
    )
    services.check_in_submit(
        kit=kit, milestone=30, party="cso", ratings=dict.fromkeys(ipa.DIMENSION_CODES, 4)
    )
    services.check_in_reminders_send()
    # a report makes the application stay as an anonymous shell (its tombstone needs it): the kit
    # must go all the same, it does not go by cascade
    report_request(application=kit.application, by=world.ceo, enqueue=False)

    candidate_erase(world.candidate, actor=world.staff, reason="Demande de la personne")

    assert Application.objects.filter(pk=world.application.pk).exists()  # the shell
    for model in (StartKit, PlanLine, Charter, CharterSignOff, CheckIn, CheckInReminder):
        assert not model.objects.exists(), model
