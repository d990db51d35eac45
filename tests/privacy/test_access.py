"""Access matrix of what the privacy app adds to the admin: the candidate's and mandate's delete
(page and POST, and the "delete selected" action), now erasing through ``privacy.services``, and
the erasure and retention-warning pages. Anonymous users and the members of a mandate (recruiter,
CEO, mediator: not staff) are sent to the admin login; staff without the permissions get 403 (or
no page); the superuser and a staff member with ``delete_candidate`` + ``privacy.erase_candidate``
may erase. Every admin URL of the privacy app must have a row (the last test)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from candidates.models import Candidate, Mandate
from privacy.models import Erasure, RetentionWarning
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "recruiter", "ceo", "mediator", "staff", "staff_deleter", "eraser", "superuser")
MAY_ERASE = {"eraser", "superuser"}


@pytest.fixture
def world():
    recruiter = UserFactory(username="acc-rec", groups=["recruiter"])
    ceo = UserFactory(username="acc-ceo", groups=["ceo"])
    mediator = UserFactory(username="acc-med", groups=["mediator"])
    mandate = MandateFactory(ceo=ceo, recruiters=[recruiter], mediators=[mediator])
    application = ApplicationFactory(mandate=mandate)
    staff = UserFactory(username="acc-staff", is_staff=True)
    deleter = UserFactory(username="acc-deleter", is_staff=True)
    eraser = UserFactory(username="acc-eraser", is_staff=True)
    for user, codenames in (
        (deleter, ["delete_candidate", "view_candidate", "change_candidate"]),
        (eraser, ["delete_candidate", "view_candidate", "change_candidate", "erase_candidate"]),
    ):
        user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    superuser = UserFactory(username="acc-root", is_staff=True, is_superuser=True)
    users = {
        "anonymous": None,
        "recruiter": recruiter,
        "ceo": ceo,
        "mediator": mediator,
        "staff": staff,
        "staff_deleter": deleter,
        "eraser": eraser,
        "superuser": superuser,
    }
    return users, mandate, application


def _login(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_erasing_from_the_candidate_delete(client, world, role):
    users, _mandate, application = world
    url = reverse("admin:candidates_candidate_delete", args=[application.candidate_id])
    response = _login(client, users[role]).post(url, {"post": "yes"})
    if role in ("anonymous", "recruiter", "ceo", "mediator"):
        assert response.status_code == 302 and reverse("admin:login") in response.url
    elif role in MAY_ERASE:
        assert response.status_code == 302 and reverse("admin:login") not in response.url
    else:
        assert response.status_code == 403
    assert Erasure.objects.exists() == (role in MAY_ERASE)


@pytest.mark.parametrize("role", ROLES)
def test_erasing_with_the_delete_selected_action(client, world, role):
    users, _mandate, application = world
    url = reverse("admin:candidates_candidate_changelist")
    data = {"action": "delete_selected", "_selected_action": [application.candidate_id], "post": "yes"}
    response = _login(client, users[role]).post(url, data)
    if role in ("anonymous", "recruiter", "ceo", "mediator"):
        assert response.status_code == 302 and reverse("admin:login") in response.url
    elif role == "staff":
        assert response.status_code == 403  # no permission on candidates at all
    assert Erasure.objects.exists() == (role in MAY_ERASE)
    assert Candidate.objects.filter(pk=application.candidate_id).exists() == (role not in MAY_ERASE)


@pytest.mark.parametrize("role", ROLES)
def test_deleting_a_mandate(client, world, role):
    users, mandate, _application = world
    url = reverse("admin:candidates_mandate_delete", args=[mandate.pk])
    response = _login(client, users[role]).post(url, {"post": "yes"})
    deleted = role == "superuser"  # nobody else holds delete_mandate
    if role in ("anonymous", "recruiter", "ceo", "mediator"):
        assert response.status_code == 302 and reverse("admin:login") in response.url
    elif not deleted:
        assert response.status_code == 403
    assert Mandate.objects.filter(pk=mandate.pk).exists() == (not deleted)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", ["privacy_erasure_changelist", "privacy_retentionwarning_changelist"])
def test_the_privacy_admin_pages(client, world, role, name):
    users, _mandate, _application = world
    response = _login(client, users[role]).get(reverse(f"admin:{name}"))
    if role in ("anonymous", "recruiter", "ceo", "mediator"):
        assert response.status_code == 302 and reverse("admin:login") in response.url
    elif role == "superuser":
        assert response.status_code == 200
    else:
        assert response.status_code == 403


def test_the_privacy_admin_pages_are_read_only(client, world):
    users, _mandate, application = world
    from privacy import services

    erasure = services.candidate_erase(application.candidate, None, "")
    warning = RetentionWarning.objects.create(candidate=ApplicationFactory().candidate, due_date="2030-01-01")
    client.force_login(users["superuser"])
    for model, obj in (("erasure", erasure), ("retentionwarning", warning)):
        assert client.get(reverse(f"admin:privacy_{model}_change", args=[obj.pk])).status_code == 200
        assert (
            client.post(reverse(f"admin:privacy_{model}_delete", args=[obj.pk]), {"post": "yes"}).status_code
            == 403
        )
        assert client.get(reverse(f"admin:privacy_{model}_add")).status_code == 403


def test_every_privacy_admin_url_has_a_row():
    from django.contrib import admin

    covered = {"changelist", "change", "delete", "add", "history", "autocomplete"}
    for model in (Erasure, RetentionWarning):
        urls = admin.site._registry[model].get_urls()
        names = {p.name.rsplit("_", 1)[1] for p in urls if p.name}
        assert names <= covered, names - covered
