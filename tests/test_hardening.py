"""Regression tests for what the adversarial review found outside the sessions app: the α side
channel under the independence rule, absurd ids on the comparison page, oversized imports and
consent dates in the future."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from assessments.services import scorecard_revise, scorecard_submit
from candidates import services
from candidates.models import Application
from figures.selectors import application_summary
from figures.services import mandate_statistics_refresh
from tests.assessments.helpers import rate
from tests.factories import ApplicationFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db


def summary(application, user):
    application = Application.objects.select_related("candidate", "mandate").get(pk=application.pk)
    mandate_statistics_refresh(mandate_id=application.mandate_id)
    return application_summary(application=application, user=user).to_dict()


def test_mandate_statistics_are_hidden_from_a_viewer_with_an_open_draft_anywhere_in_the_mandate():
    """α and the rater flags pool every application of the mandate: a viewer with a scorecard in
    progress on any of them sees neither, on every application (no side channel), until it is
    submitted."""
    r1, r2 = UserFactory(groups=["recruiter"]), UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[r1, r2])
    first, second = ApplicationFactory(mandate=mandate), ApplicationFactory(mandate=mandate)
    for rater, value in ((r1, 4), (r2, 5)):
        rate(first, rater, {"cond_tools": value, "bp_profitability": value - 1, "ent_new_offers": value - 2})
    rate(second, r2, {"cond_tools": 1, "bp_profitability": 5, "ent_new_offers": 1})
    card = rate(second, r1, {"cond_tools": 5, "bp_profitability": 1, "ent_new_offers": 5})
    visible = summary(first, r1)
    assert visible["alpha"]["value"] is not None and visible["mandate_statistics"]["visible"] is True

    revision = scorecard_revise(scorecard=card, by=r1, reason="Après discussion du panel.")

    hidden = summary(first, r1)
    assert hidden["alpha"] is None
    assert hidden["mandate_statistics"] == {
        **hidden["mandate_statistics"],
        "visible": False,
        "alpha": None,
        "flagged_raters": [],
        "reason": "open_draft",
    }
    assert all(r["bias"] is None for r in hidden["raters"])
    assert hidden["reliability"]["level"] == "hidden"
    assert hidden["reading"]["level"] != "favourable"
    assert summary(first, r2)["alpha"] == visible["alpha"]  # r2 has no draft: sees them
    scorecard_submit(scorecard=revision, by=r1)
    assert summary(first, r1)["alpha"]["value"] is not None


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
        f"{d} (years)"
        for d in (
            "Finance",
            "HR",
            "Legal",
            "IT",
            "Sales administration",
            "Purchasing",
            "General services",
            "Communication",
            "Quality and procedures",
        )
    )
    rows = [f"Nom{i},Prénom{i},p{i}@example.org," + ",".join(["1"] * 9) for i in range(4)]
    from django.utils import translation

    with translation.override("en"):
        report = services.candidates_import(
            mandate=mandate, data="\n".join([header, *rows]).encode(), by=None
        )
    assert not report.ok and not report.saved
    assert any("at most 3" in e.message for e in report.parse.errors)


def test_a_consent_date_in_the_future_is_refused():
    from candidates.models import Candidate

    candidate = Candidate(
        first_name="A",
        last_name="B",
        email="ab@example.org",
        gdpr_consent=True,
        consent_date=timezone.localdate() + timedelta(days=3),
    )
    with pytest.raises(Exception) as exc:
        candidate.full_clean()
    assert "consent_date" in exc.value.message_dict
