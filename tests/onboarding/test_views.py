"""Start kit pages: what the kit page, the CSO's page, the check-in page, "À faire" and the
predicted-versus-observed view show, and what their forms change."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from figures.models import ApplicationFigures
from onboarding import services
from onboarding.models import CharterSignOff, CheckIn, StartKit
from sessions import ipa
from tests.factories import ApplicationFactory, CandidateFactory, hired_application

pytestmark = pytest.mark.django_db
ALL = {f"rating_{code}": "4" for code in ipa.DIMENSION_CODES}


@pytest.fixture
def kit(world):
    kit = StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=31))
    kit.refresh_from_db()
    return kit


def test_the_kit_page_shows_plan_charter_sign_offs_and_check_ins(
    client, world, kit, django_assert_max_num_queries
):
    client.force_login(world.ceo)
    url = reverse("onboarding:kit", args=[world.application.pk])
    with django_assert_max_num_queries(20):
        response = client.get(url)
    html = response.content.decode()
    for line in kit.plan_lines.all():
        assert line.title in html
    assert "voids every sign-off" in html
    assert reverse("onboarding:check_in", args=[kit.pk, 30]) in html  # open for the CEO
    assert services.charter_sha256(kit.charter) in html  # the sign form sends back what is shown
    application_page = client.get(world.application.get_absolute_url()).content.decode()
    assert url in application_page


def test_the_ceo_signs_in_the_app_and_an_amendment_voids_it(client, world, kit):
    client.force_login(world.ceo)
    client.post(
        reverse("onboarding:charter_sign", args=[kit.pk]), {"shown": services.charter_sha256(kit.charter)}
    )
    sign_off = CharterSignOff.objects.get()
    assert (sign_off.party, sign_off.signer_id) == ("ceo", world.ceo.pk)
    page = client.get(reverse("onboarding:charter", args=[kit.pk])).content.decode()
    assert "saving a change voids the sign-offs" in page
    client.post(
        reverse("onboarding:charter", args=[kit.pk]),
        {"decision_rights": "Ensemble.", "disagreement": "B", "cadence": "C", "version": "1"},
    )
    sign_off.refresh_from_db()
    assert sign_off.voided_at is not None
    html = client.get(kit.get_absolute_url()).content.decode()
    assert "1 earlier sign-off was voided by an amendment." in html


def test_a_stale_charter_form_keeps_what_was_typed(client, world, kit):
    client.force_login(world.recruiter)
    response = client.post(
        reverse("onboarding:charter", args=[kit.pk]),
        {"decision_rights": "Mon texte à garder", "disagreement": "B", "cadence": "C", "version": "7"},
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "amended meanwhile" in html and "Mon texte à garder" in html
    kit.charter.refresh_from_db()
    assert kit.charter.version == 1


def test_the_cso_amends_signs_and_checks_in_through_the_link(client, world, kit):
    url = reverse("onboarding:cso_kit", args=[services.kit_token(kit)])
    client.post(
        url,
        {
            "action": "amend",
            "decision_rights": "D",
            "disagreement": "E",
            "cadence": "F",
            "version": "1",
            "lang": "en",
        },
    )
    kit.charter.refresh_from_db()
    assert (kit.charter.version, kit.charter.amended_by) == (2, "Claire Testeuse")
    client.post(url, {"action": "sign", "shown": services.charter_sha256(kit.charter), "lang": "en"})
    assert CharterSignOff.objects.get().signer_name == "Claire Testeuse"
    response = client.post(
        url, {"action": "check_in", "milestone": "30", **ALL, "comment": "Bon départ", "lang": "en"}
    )
    assert response.status_code == 302
    row = CheckIn.objects.get()
    assert (row.party, row.milestone, row.comment) == ("cso", 30, "Bon départ")
    assert row.ratings == dict.fromkeys(ipa.DIMENSION_CODES, 4)


def test_an_incomplete_check_in_keeps_what_was_typed(client, world, kit):
    client.force_login(world.ceo)
    partial = {f"rating_{ipa.DIMENSION_CODES[0]}": "2", "comment": "À garder"}
    response = client.post(reverse("onboarding:check_in", args=[kit.pk, 30]), partial)
    assert response.status_code == 200 and not CheckIn.objects.exists()
    html = response.content.decode()
    assert "À garder" in html and 'value="2" required checked' in html


def test_due_check_ins_are_on_the_ceos_to_do_page(client, world, kit):
    client.force_login(world.ceo)
    html = client.get(reverse("working_sessions:todo")).content.decode()
    assert "Your 30-day check-in with the new CSO" in html and world.candidate.full_name in html
    assert reverse("onboarding:check_in", args=[kit.pk, 30]) in html
    client.post(reverse("onboarding:check_in", args=[kit.pk, 30]), ALL)
    html = client.get(reverse("working_sessions:todo")).content.decode()
    assert "Your 30-day check-in" not in html
    client.force_login(world.recruiter)  # the CEO's alone
    assert "check-in" not in client.get(reverse("working_sessions:todo")).content.decode()


def test_predicted_versus_observed_per_mandate_and_across(client, world, kit):
    second = hired_application(
        ApplicationFactory(
            mandate=world.mandate, candidate=CandidateFactory(last_name="Second"), stage="offer"
        ),
        by=world.recruiter,
    )
    second_kit = StartKit.objects.get(application=second)
    services.kit_start_date_set(kit=second_kit, start_date=kit.start_date)
    ApplicationFigures.objects.filter(pk=kit.application_id).update(
        compatibility_index=3.5, ceo_compatibility_index=3.0
    )
    ApplicationFigures.objects.filter(pk=second).update(compatibility_index=4.0, ceo_compatibility_index=4.0)
    n = len(ipa.DIMENSION_CODES)
    ceo = dict.fromkeys(ipa.DIMENSION_CODES, 4)
    cso = {**dict.fromkeys(ipa.DIMENSION_CODES, 2), ipa.DIMENSION_CODES[0]: 5}
    services.check_in_submit(kit=kit, milestone=30, party="ceo", ratings=ceo, by=world.ceo)
    services.check_in_submit(kit=kit, milestone=30, party="cso", ratings=cso)
    services.check_in_submit(
        kit=second_kit, milestone=30, party="cso", ratings=dict.fromkeys(ipa.DIMENSION_CODES, 5)
    )
    observed_1 = (4 + (2 * (n - 1) + 5) / n) / 2
    observed_2 = 5.0

    client.force_login(world.recruiter)  # the full reading
    data = client.get(reverse("onboarding:compatibility")).context["data"]
    rows = {r["kit"].pk: r for r in data["mandates"][0]["rows"]}
    assert rows[kit.pk]["predicted"] == 3.5 and rows[kit.pk]["observed"] == pytest.approx(observed_1)
    assert rows[second_kit.pk]["gap"] == pytest.approx(observed_2 - 4.0)
    overall = data["overall"]
    assert overall["n"] == 2
    assert overall["gap"] == pytest.approx(((observed_1 - 3.5) + (observed_2 - 4.0)) / 2)
    assert overall["abs_gap"] == pytest.approx((abs(observed_1 - 3.5) + abs(observed_2 - 4.0)) / 2)

    client.force_login(world.ceo)  # the CEO's reading
    data = client.get(reverse("onboarding:compatibility")).context["data"]
    rows = {r["kit"].pk: r for r in data["mandates"][0]["rows"]}
    assert rows[kit.pk]["predicted"] == 3.0
    assert data["overall"]["predicted"] == pytest.approx((3.0 + 4.0) / 2)


def test_french_by_default_english_complete(world, kit):
    from django.conf import settings
    from django.test import Client

    french = Client()
    french.force_login(world.ceo)
    html = french.get(kit.get_absolute_url()).content.decode()
    assert 'lang="fr"' in html and "Plan à 90 jours" in html and "Charte de travail DG–CSO" in html
    assert "Points d’étape à 30 et 90 jours" in html and "90-day plan" not in html
    english = Client()
    english.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    english.force_login(world.ceo)
    html = english.get(kit.get_absolute_url()).content.decode()
    assert "90-day plan" in html and "CEO–CSO working charter" in html and "Plan à 90 jours" not in html
    link = reverse("onboarding:cso_kit", args=[services.kit_token(kit)])
    assert "Votre kit de démarrage" in Client().get(link).content.decode()
    assert "Your “Support 5.0” start kit" in Client().get(link + "?lang=en").content.decode()


def test_the_compatibility_view_costs_the_same_for_one_hire_or_three(client, world, kit):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.recruiter)
    url = reverse("onboarding:compatibility")
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for name in ("Deux", "Trois"):
        hired_application(
            ApplicationFactory(
                mandate=world.mandate, candidate=CandidateFactory(last_name=name), stage="offer"
            ),
            by=world.recruiter,
        )
    with CaptureQueriesContext(connection) as three:
        response = client.get(url)
    assert len(response.context["data"]["mandates"][0]["rows"]) == 3
    assert len(three) == len(one)


def test_the_start_date_form_shows_where_the_date_comes_from(client, world):
    """A kit dated from the accepted offer shows "From: the offer" (it showed "set by hand", and
    saving the form unchanged turned the date into a hand-set one); a hand-set date shows "by hand"."""
    import re

    kit = StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))
    assert kit.start_date_source == "offer"
    client.force_login(world.ceo)
    url = reverse("onboarding:kit", args=[world.application.pk])

    def selected():
        html = client.get(url).content.decode()
        select = re.search(r'<select name="source".*?</select>', html, re.S).group(0)
        return re.findall(r'<option value="(\w+)" selected>', select)

    assert selected() == ["offer"]
    services.kit_start_date_set(kit=kit, start_date=kit.start_date + timedelta(days=7), source="manual")
    assert selected() == ["manual"]
