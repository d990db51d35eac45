"""Password change (from the profile) and reset by e-mail (through the outbox, a link on SITE_URL,
the same answer for known and unknown addresses, at most PASSWORD_RESET_MAX_PER_HOUR e-mails an
hour to one account), in the site's layout and in French."""

import json
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user
from django.test import TestCase
from django.urls import reverse

from outbox.models import OutboundEmail
from tests.accounts.helpers import PASSWORD
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

NEW = "Un-nouveau-mot-2026!"


def test_password_change_from_the_profile(client):
    user = UserFactory(groups=["recruiter"])
    client.force_login(user)
    profile = client.get(reverse("profile")).content.decode()
    assert reverse("accounts:password_change") in profile
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert "Changer mon mot de passe" in page and 'id="main"' in page  # the site's layout
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_change_done")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert get_user(client).is_authenticated  # the session is kept
    assert client.get(reverse("candidates:mandate_list")).status_code == 200


def test_a_wrong_old_password_changes_nothing(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {"old_password": "faux", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def _reset(client, email):
    """Post the reset form; the background task runs on commit (in-process in tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post(reverse("accounts:password_reset"), {"email": email})


def test_the_reset_page_does_not_say_whether_an_address_exists(client):
    UserFactory(username="connue", email="connue@example.org")
    known = _reset(client, "connue@example.org")
    unknown = _reset(client, "inconnue@example.org")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert known["Location"] == reverse("accounts:password_reset_done")
    assert OutboundEmail.objects.filter(to="connue@example.org").count() == 1
    assert not OutboundEmail.objects.filter(to="inconnue@example.org").exists()
    done = client.get(known["Location"]).content.decode()
    assert "Si un compte utilise cette adresse" in done


def test_the_reset_request_does_the_same_work_for_a_known_and_an_unknown_address(client):
    """No timing oracle: the request never looks the address up — it writes one task request and
    sends it on commit, the same queries and rows either way (the lookup runs in the worker)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from outbox.models import TaskRequest

    UserFactory(username="connue", email="connue@example.org")
    work = []
    for email in ("connue@example.org", "inconnue@example.org"):
        with CaptureQueriesContext(connection) as queries, TestCase.captureOnCommitCallbacks() as callbacks:
            client.post(reverse("accounts:password_reset"), {"email": email})
        tables = [re.sub(r"'[^']*'|\d+", "?", q["sql"]) for q in queries.captured_queries]
        work.append((tables, len(callbacks)))
        assert not any("auth_user" in sql for sql in tables)
    assert work[0] == work[1] and work[0][1] == 1
    requests = TaskRequest.objects.order_by("pk")
    assert [(r.task, r.kwargs["email"]) for r in requests] == [
        ("accounts.tasks.send_password_reset", "connue@example.org"),
        ("accounts.tasks.send_password_reset", "inconnue@example.org"),
    ]
    assert not OutboundEmail.objects.exists()  # nothing ran: the callbacks were not executed


def test_with_the_broker_down_the_request_is_kept_and_the_sweeper_sends_it(client, monkeypatch):
    from celery.exceptions import OperationalError

    from accounts import tasks
    from outbox.models import TaskRequest
    from outbox.services import outbox_sweep

    UserFactory(email="patiente@example.org")

    def refuse(*args, **kwargs):
        raise OperationalError("broker down")

    monkeypatch.setattr(tasks.send_password_reset, "apply_async", refuse)
    monkeypatch.setattr("celery.current_app.conf.task_always_eager", False)
    response = _reset(client, "patiente@example.org")
    assert response["Location"] == reverse("accounts:password_reset_done")
    assert TaskRequest.objects.get().status == TaskRequest.Status.PENDING
    assert not OutboundEmail.objects.exists()
    monkeypatch.undo()
    outbox_sweep(now=TaskRequest.objects.get().created_at + timedelta(hours=1))
    assert OutboundEmail.objects.filter(to="patiente@example.org").count() == 1


def test_the_reset_email_goes_through_the_outbox_with_a_link_on_site_url(client, settings):
    settings.SITE_URL = "https://recrutement.example.org"
    user = UserFactory(
        username="oublieuse", email="oublieuse@example.org", first_name="Aline", last_name="Oubli"
    )
    _reset(client, "OUBLIEUSE@example.org")  # case does not matter
    row = OutboundEmail.objects.get(to="oublieuse@example.org")
    assert row.subject == "CSO Recruit\u00a0: choisir un nouveau mot de passe"
    assert "Bonjour Aline Oubli," in row.body and "oublieuse" in row.body
    link = re.search(r"https://recrutement\.example\.org(/account/password/reset/\S+/)", row.body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choisir un nouveau mot de passe" in form.content.decode()
    response = client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert response.status_code == 302 and response["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW)
    assert get_user(client).is_authenticated
    # The link works once.
    client.post(reverse("logout"))
    again = client.get(link, follow=True).content.decode()
    assert "Ce lien n’est pas valide" in again


def test_reset_emails_to_one_account_are_capped_per_hour(client, settings):
    settings.PASSWORD_RESET_MAX_PER_HOUR = 3
    UserFactory(email="pressee@example.org")
    answers = {_reset(client, "pressee@example.org")["Location"] for _ in range(6)}
    assert answers == {reverse("accounts:password_reset_done")}
    assert OutboundEmail.objects.filter(to="pressee@example.org").count() == 3


def test_a_reset_signs_in_but_the_second_factor_is_still_asked(client):
    from tests.accounts.helpers import totp_device

    user = UserFactory(is_staff=True, email="chef@example.org")
    totp_device(user)
    _reset(client, "chef@example.org")
    row = OutboundEmail.objects.get(to="chef@example.org")
    link = re.search(r"https?://[^/\s]+(/account/password/reset/\S+/)", row.body).group(1)
    form = client.get(link, follow=True)
    client.post(form.redirect_chain[-1][0], {"new_password1": NEW, "new_password2": NEW})
    assert get_user(client).is_authenticated
    assert client.get("/")["Location"].startswith(reverse("accounts:two_factor_verify"))


def test_the_login_page_links_to_the_reset(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("accounts:password_reset") in page and "Mot de passe oublié\u00a0?" in page


def test_reset_requests_from_one_client_are_capped_per_hour_and_its_address_is_not_kept(client, settings):
    from outbox.models import TaskRequest

    settings.PASSWORD_RESET_MAX_PER_CLIENT_PER_HOUR = 4
    answers = {_reset(client, f"victime{i}@example.org")["Location"] for i in range(7)}
    assert answers == {reverse("accounts:password_reset_done")}  # the same answer, queued or not
    rows = list(TaskRequest.objects.filter(task="accounts.tasks.send_password_reset"))
    assert len(rows) == 4
    assert all("127.0.0.1" not in json.dumps(row.kwargs) and len(row.kwargs["client"]) == 32 for row in rows)
    other = client.post(
        reverse("accounts:password_reset"), {"email": "x@example.org"}, REMOTE_ADDR="10.9.8.7"
    )
    assert other.status_code == 302
    assert (
        TaskRequest.objects.filter(task="accounts.tasks.send_password_reset").count() == 5
    )  # another client
