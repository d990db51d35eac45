"""The start-kit admin is read-only: every model is listed with its joins done (the same number of
queries for one and three kits) and every object page opens, but nothing can be added, changed or
deleted there (writes go through ``onboarding.services``); the link's nonce is never shown."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from onboarding import services
from onboarding.models import Charter, CharterSignOff, CheckIn, CheckInReminder, StartKit
from sessions import ipa
from tests.factories import ApplicationFactory, UserFactory, hired_application

pytestmark = pytest.mark.django_db
MODELS = {
    "startkit": StartKit,
    "charter": Charter,
    "chartersignoff": CharterSignOff,
    "checkin": CheckIn,
    "checkinreminder": CheckInReminder,
}


def _kit(mandate=None):
    application = hired_application(
        ApplicationFactory(stage="offer", **({"mandate": mandate} if mandate else {}))
    )
    kit = StartKit.objects.get(application=application)
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))
    kit.refresh_from_db()
    services.charter_sign(
        kit=kit, party="cso", shown_sha256=services.charter_sha256(kit.charter), signer_name="C"
    )
    services.check_in_submit(
        kit=kit, milestone=30, party="cso", ratings=dict.fromkeys(ipa.DIMENSION_CODES, 3)
    )
    services.check_in_reminders_send()
    return kit


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_every_model_is_listed_read_only_with_its_joins_done(client):
    admin = UserFactory(username="admin-kit", is_staff=True, is_superuser=True)
    client.force_login(admin)
    kit = _kit()
    one = {name: _queries(client, reverse(f"admin:onboarding_{name}_changelist")) for name in MODELS}
    _kit(), _kit()
    three = {name: _queries(client, reverse(f"admin:onboarding_{name}_changelist")) for name in MODELS}
    assert one == three
    for name, model in MODELS.items():
        obj = model.objects.first()
        page = client.get(reverse(f"admin:onboarding_{name}_change", args=[obj.pk]))
        assert page.status_code == 200
        assert kit.nonce not in page.content.decode()
        assert client.get(reverse(f"admin:onboarding_{name}_add")).status_code == 403
        before = model.objects.count()
        response = client.post(reverse(f"admin:onboarding_{name}_delete", args=[obj.pk]), {"post": "yes"})
        assert response.status_code == 403 and model.objects.count() == before
