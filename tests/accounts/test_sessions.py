"""Session lifetime (accounts/middleware.py): signed out after SESSION_IDLE_TIMEOUT without a
request and SESSION_COOKIE_AGE after the login whatever the activity; time travels by moving the
session's stamps back."""

import time

import pytest
from django.contrib.auth import get_user
from django.urls import reverse

from accounts.middleware import LAST_ACTIVITY_KEY, STARTED_KEY
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

HOUR = 3600


def shift(client, **seconds_ago):
    """Move the session's clocks back: ``started=``, ``last=`` seconds ago."""
    session = client.session
    now = int(time.time())
    if "started" in seconds_ago:
        session[STARTED_KEY] = now - seconds_ago["started"]
    if "last" in seconds_ago:
        session[LAST_ACTIVITY_KEY] = now - seconds_ago["last"]
    session.save()


def test_defaults_are_eight_hours_idle_and_one_day_in_all(settings):
    assert settings.SESSION_IDLE_TIMEOUT == 8 * HOUR
    assert settings.SESSION_COOKIE_AGE == 24 * HOUR


def test_a_login_starts_both_clocks(client):
    client.force_login(UserFactory())
    session = client.session
    assert abs(session[STARTED_KEY] - time.time()) < 5 and session[LAST_ACTIVITY_KEY] == session[STARTED_KEY]


def test_an_idle_session_is_signed_out(client):
    client.force_login(UserFactory())
    shift(client, started=9 * HOUR, last=8 * HOUR + 60)
    response = client.get(reverse("candidates:mandate_list"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert not get_user(client).is_authenticated
    page = client.get(response["Location"]).content.decode()
    assert "Vous avez été déconnecté après une période d’inactivité." in page


def test_an_active_session_is_kept_and_its_idle_clock_moves(client):
    client.force_login(UserFactory())
    shift(client, started=7 * HOUR, last=7 * HOUR)
    assert client.get(reverse("candidates:mandate_list")).status_code == 200
    assert abs(client.session[LAST_ACTIVITY_KEY] - time.time()) < 5
    shift(client, last=7 * HOUR)  # another 7 h pause: still under 8 h since the last request
    assert client.get(reverse("candidates:mandate_list")).status_code == 200


def test_an_active_session_ends_at_its_absolute_lifetime(client):
    client.force_login(UserFactory())
    shift(client, started=24 * HOUR + 60, last=30)
    response = client.get(reverse("candidates:mandate_list"))
    assert response.status_code == 302 and not get_user(client).is_authenticated


def test_the_limits_come_from_the_settings(client, settings):
    settings.SESSION_IDLE_TIMEOUT = 600
    client.force_login(UserFactory())
    shift(client, last=601)
    assert client.get(reverse("candidates:mandate_list")).status_code == 302


def test_a_session_from_before_the_rule_starts_its_clocks_now(client):
    client.force_login(UserFactory())
    session = client.session
    del session[STARTED_KEY]
    del session[LAST_ACTIVITY_KEY]
    session.save()
    assert client.get(reverse("candidates:mandate_list")).status_code == 200
    assert STARTED_KEY in client.session and LAST_ACTIVITY_KEY in client.session
