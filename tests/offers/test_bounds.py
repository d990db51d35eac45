"""Bounds found by the hostile tester: the start date within a year back and three years ahead
(a far date made the hire crash when the start kit dated its plan), notes bounded, the answer not
dated before the submission, and no withdrawal once the candidate is hired on the offer."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from candidates import services as candidate_services
from candidates.models import Stage
from offers import services
from offers.models import Offer
from tests.factories import accepted_offer, offer_terms


@pytest.mark.parametrize(
    "start",
    [date(1, 1, 1), date(9999, 12, 31), "past", "future"],
)
def test_the_start_date_is_bounded(w, start):
    today = timezone.localdate()
    value = {"past": today - timedelta(days=367), "future": today + timedelta(days=3 * 366 + 1)}.get(
        start, start
    )
    with pytest.raises(ValidationError) as caught:
        services.offer_save(application=w.application, by=w.recruiter, data=offer_terms(start_date=value))
    assert set(caught.value.message_dict) == {"start_date"}
    assert not Offer.objects.exists()


def test_the_page_shows_the_start_date_error_and_keeps_what_was_typed(client, w):
    client.force_login(w.recruiter)
    data = {**offer_terms(start_date="9999-12-31"), "title": "CSO groupe"}
    response = client.post(reverse("offers:offer", args=[w.application.pk]), data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "9999-12-31" in html and "CSO groupe" in html
    assert not Offer.objects.exists()


def test_notes_are_bounded(w):
    with pytest.raises(ValidationError) as caught:
        services.offer_save(
            application=w.application, by=w.recruiter, data=offer_terms(notes="n" * (services.NOTES_MAX + 1))
        )
    assert set(caught.value.message_dict) == {"notes"}


def test_the_answer_is_not_dated_before_the_submission(w):
    offer = services.offer_save(application=w.application, by=w.recruiter, data=offer_terms())
    services.offer_submit(offer=offer, by=w.recruiter)
    services.approval_decide(offer=offer, by=w.ceo, decision="approved")
    for day in (date(1, 1, 1), timezone.localdate() - timedelta(days=1)):
        with pytest.raises(ValidationError) as caught:
            services.offer_respond(offer=offer, by=w.recruiter, accepted=True, on_date=day)
        assert set(caught.value.message_dict) == {"on_date"}
    offer.refresh_from_db()
    assert offer.status == Offer.Status.APPROVED


def test_no_withdrawal_once_hired(w):
    offer = accepted_offer(w.application)
    application = candidate_services.application_move(
        application=w.application, to_stage=Stage.HIRED, by=w.recruiter
    )
    assert application.stage == Stage.HIRED
    with pytest.raises(ValidationError) as caught:
        services.offer_withdraw(offer=offer, by=w.recruiter, comment="oops")
    assert caught.value.code == "hired"
    offer.refresh_from_db()
    assert offer.status == Offer.Status.ACCEPTED
