"""Regression tests for what the adversarial review found outside the sessions app: the α side
channel under the independence rule, absurd ids on the comparison page, oversized imports and
consent dates in the future."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments import selectors
from candidates import services
from tests.assessments.helpers import rate
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_alpha_ignores_the_ratings_of_an_application_the_viewer_may_not_see_yet():
    r1, r2 = UserFactory(groups=["recruiter"]), UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[r1, r2])
    first, second = ApplicationFactory(mandate=mandate), ApplicationFactory(mandate=mandate)
    for rater, value in ((r1, 4), (r2, 5)):
        rate(first, rater, {"cond_tools": value, "bp_profitability": value - 1, "ent_new_offers": value - 2})
    alpha_before = selectors.assessment_summary(application=first, user=r1)["alpha"]["value"]
    # Both rate the second application, very differently; then r1 reopens theirs (a draft).
    rate(second, r2, {"cond_tools": 1, "bp_profitability": 5, "ent_new_offers": 1})
    card = rate(second, r1, {"cond_tools": 5, "bp_profitability": 1, "ent_new_offers": 5})
    from assessments.services import scorecard_revise

    scorecard_revise(scorecard=card, by=r1, reason="Après discussion du panel.")
    assert selectors.assessment_summary(application=first, user=r1)["alpha"]["value"] == alpha_before
    assert selectors.assessment_summary(application=first, user=None)["alpha"]["value"] != alpha_before


def test_compare_with_an_id_beyond_any_database_id_is_not_found(client):
    ceo = UserFactory(groups=["ceo"])
    mandate = MandateFactory(ceo=ceo)
    application = ApplicationFactory(mandate=mandate)
    client.force_login(ceo)
    url = reverse("reports:compare", kwargs={"slug": mandate.slug})
    response = client.get(url, {"a": ["9" * 30, str(application.pk)]})
    assert response.status_code == 404


def test_an_import_over_the_row_cap_is_refused_whole(monkeypatch):
    monkeypatch.setattr(services, "MAX_IMPORT_ROWS", 3)
    mandate = MandateFactory()
    header = "Last name,First name,Email," + ",".join(
        f"{d} (years)" for d in ("Finance", "HR", "Legal", "IT", "Sales administration", "Purchasing",
                                 "General services", "Communication", "Quality and procedures"))
    rows = [f"Nom{i},Prénom{i},p{i}@example.org," + ",".join(["1"] * 9) for i in range(4)]
    from django.utils import translation

    with translation.override("en"):
        report = services.candidates_import(mandate=mandate, data="\n".join([header, *rows]).encode(), by=None)
    assert not report.ok and not report.saved
    assert any("at most 3" in e.message for e in report.parse.errors)


def test_a_consent_date_in_the_future_is_refused():
    from candidates.models import Candidate

    candidate = Candidate(first_name="A", last_name="B", email="ab@example.org", gdpr_consent=True,
                          consent_date=timezone.localdate() + timedelta(days=3))
    with pytest.raises(Exception) as exc:
        candidate.full_clean()
    assert "consent_date" in exc.value.message_dict
