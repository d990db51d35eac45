"""The demo's start kit (``onboarding.demo`` through ``seed_demo``): one hired CSO whose kit is
seeded from her three working sessions and whose 30-day check-in is due on the CEO's to-do."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from candidates.models import Stage
from onboarding import demo
from onboarding.models import StartKit

pytestmark = pytest.mark.django_db


def test_the_demo_has_a_hired_cso_with_a_due_check_in(client, settings):
    settings.DEBUG = True
    call_command("seed_demo", force=True, stdout=StringIO())
    kit = StartKit.objects.select_related("application__candidate").get(
        application__mandate__slug=demo.MANDATE_SLUG
    )
    assert kit.application.stage == Stage.HIRED
    assert kit.application.candidate.email == "nadia.perret@example.org"
    assert (timezone.localdate() - kit.start_date).days == demo.HIRED_DAYS_AGO
    assert kit.plan_lines.filter(kind="inventory").count() == 9
    assert set(kit.plan_lines.filter(source="no_experience").values_list("reference", flat=True)) == {
        "general_services",
        "communication",
    }
    assert "Séance 1" in kit.charter.decision_rights + kit.charter.disagreement  # quoted incidents
    client.force_login(kit.application.mandate.ceo)
    html = client.get(reverse("working_sessions:todo")).content.decode()
    assert reverse("onboarding:check_in", args=[kit.pk, 30]) in html
    call_command("seed_demo", force=True, stdout=StringIO())
    assert StartKit.objects.count() == 1
