"""The signed-in user's profile page: language and the zone their e-mails use; a bad zone is
refused with the form kept; anonymous users are sent to the login page."""

import pytest
from django.urls import reverse

from candidates.models import UserProfile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_profile_saves_language_and_time_zone(client):
    user = UserFactory(username="dg-profil")
    client.force_login(user)
    page = client.get(reverse("profile"))
    assert page.status_code == 200 and 'name="time_zone"' in page.content.decode()
    response = client.post(reverse("profile"), {"language": "en", "time_zone": "America/Montreal"})
    assert response.status_code == 302
    profile = UserProfile.objects.get(user=user)
    assert (profile.language, profile.time_zone) == ("en", "America/Montreal")
    assert "Your profile is saved." in client.get(reverse("profile")).content.decode()


def test_an_unknown_zone_is_refused_and_the_choice_kept(client):
    user = UserFactory(username="mediateur-profil")
    client.force_login(user)
    response = client.post(reverse("profile"), {"language": "fr", "time_zone": "Mars/Olympus_Mons"})
    assert response.status_code == 200
    assert "Mars/Olympus_Mons" in response.content.decode()
    assert not UserProfile.objects.filter(user=user, time_zone="Mars/Olympus_Mons").exists()


def test_blank_zone_means_each_sessions_zone(client):
    user = UserFactory(username="rec-profil")
    UserProfile.objects.create(user=user, time_zone="Asia/Tokyo")
    client.force_login(user)
    client.post(reverse("profile"), {"language": "fr", "time_zone": ""})
    assert UserProfile.objects.get(user=user).time_zone == ""


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("profile"))
    assert response.status_code == 302 and reverse("login") in response.url
