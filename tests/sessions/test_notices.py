"""The assessment notice (issue 10, item 3; Code du travail L.1221-8, GDPR art. 13): sent with the
first session's scheduling by a signed, expiring link; the page says who assesses, on which
criteria, how, what is recorded, who sees it, how long it is kept and the candidate's rights, in
French or English; the acknowledgement stores the date, the text version and the text's SHA-256;
no session is held before it (a recruiter may record a paper acknowledgement, with a reason)."""

import hashlib
import json
import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from assessments.models import Criterion
from outbox.models import OutboundEmail
from sessions import notices, services
from sessions.models import AssessmentNotice, WorkingSession
from tests.factories import ApplicationFactory, CandidateFactory
from tests.sessions.conftest import at, observe

pytestmark = pytest.mark.django_db


@pytest.fixture
def fresh(world):
    """An application of the world's mandate whose candidate has had no notice at all."""
    return ApplicationFactory(
        mandate=world.mandate,
        candidate=CandidateFactory(first_name="Nora", last_name="Neuve", email="nora.neuve@example.org"),
        notice=False,
    )


def shown_of(html: str) -> str:
    """The fingerprint the page sends back with the acknowledgement (its hidden ``shown`` field)."""
    return re.search(r'name="shown" value="([0-9a-f]{64})"', html).group(1)


def link_of(row) -> str:
    return re.search(r"https?://\S+(/notice/\S+/)", row.body).group(1)


def test_the_first_session_sends_the_notice_once(world, fresh):
    past = world.past_session(days_ago=2, application=fresh)
    world.schedule(at(timezone.localdate() + timedelta(days=9), 10), application=fresh)
    rows = OutboundEmail.objects.filter(key__startswith=f"notice:{fresh.pk}:")
    assert [r.to for r in rows] == ["nora.neuve@example.org"]
    [row] = rows
    assert "How you will be assessed" in row.subject or "Comment vous serez évalué" in row.subject
    assert "/notice/" in row.body and past.application_id == fresh.pk
    assert AssessmentNotice.objects.filter(application=fresh, acknowledged_at__isnull=True).count() == 1


def test_the_page_says_who_assesses_on_which_criteria_how_and_the_rights(client, world, fresh, settings):
    settings.PRIVACY_RETENTION_MONTHS_TALENT_POOL = 24
    settings.PRIVACY_RETENTION_MONTHS_NO_CONSENT = 3
    world.schedule(at(timezone.localdate() + timedelta(days=9), 10), application=fresh)
    link = link_of(OutboundEmail.objects.get(key__startswith=f"notice:{fresh.pk}:"))
    page = client.get(link + "?lang=fr")
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    html = page.content.decode()
    company = world.mandate.company.name
    assert f"Comment vous serez évalué(e) — {company}" in html
    assert "dirigeant" in html and "médiateur indépendant" in html  # the panel's roles, not names
    assert world.mediator.last_name not in html and world.recruiter.username not in html
    for criterion in Criterion.objects.filter(framework__is_active=True):
        assert criterion.label_fr in html.replace("&#x27;", "’").replace("&#39;", "'"), criterion.code
    assert "Analyse des processus d’interaction de Bales" in html  # how: the mediator's counting
    assert "3\u00a0mois" in html and "24\u00a0mois" in html  # retention, from the settings
    assert "CNIL" in html and "effacer" in html  # rights
    english = client.get(link + "?lang=en").content.decode()
    assert (
        f"How you will be assessed — {company}" in english
        and "Bales’ Interaction Process Analysis" in english
    )
    labels_en = Criterion.objects.filter(framework__is_active=True).values_list("label_en", flat=True)
    assert all(label in english.replace("&#x27;", "'") for label in labels_en)


def _notice_text_hash(html: str) -> str:
    """The SHA-256 the product must store, computed here from the page itself: the text between
    the greeting and the form, markup and runs of spaces reduced to one space."""
    start = html.index('<section aria-labelledby="notice-who">')
    end = html.index("<form", start)
    text = html[start:end]
    plain = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()
    return hashlib.sha256(plain.encode()).hexdigest()


def test_acknowledging_stores_the_date_the_version_and_the_texts_fingerprint(client, world, fresh):
    notice = notices.notice_send(application=fresh, language="fr")
    url = reverse("working_sessions:notice", args=[notices.notice_token(notice)])
    shown = client.get(url + "?lang=en").content.decode()
    before = timezone.now()
    response = client.post(url, {"lang": "en", "shown": shown_of(shown)})
    assert response.status_code == 302 and response["Location"] == f"{url}?lang=en"
    notice.refresh_from_db()
    assert notice.acknowledged_at >= before and notice.language == "en"
    assert notice.text_version == notices.TEXT_VERSION
    assert notice.text_sha256 == _notice_text_hash(shown)
    again = client.get(url + "?lang=en").content.decode()
    assert "You acknowledged this notice on" in again and "<form" not in again.split("notice-rights")[1]
    first = notice.acknowledged_at
    client.post(url, {"lang": "fr", "shown": shown_of(shown)})  # twice: the first acknowledgement stands
    notice.refresh_from_db()
    assert notice.acknowledged_at == first and notice.language == "en"


def test_a_tampered_or_expired_link_shows_nothing(client, world, fresh, monkeypatch):
    notice = notices.notice_send(application=fresh)
    token = notices.notice_token(notice)
    assert client.get(reverse("working_sessions:notice", args=[token[:-3] + "abc"])).status_code == 404
    monkeypatch.setattr(notices, "NOTICE_MAX_AGE", -1)
    expired = client.get(reverse("working_sessions:notice", args=[token]))
    assert expired.status_code == 410 and "Nora" not in expired.content.decode()
    forged = signing.dumps({"n": "nope"}, salt=notices.NOTICE_SALT, compress=True)
    monkeypatch.setattr(notices, "NOTICE_MAX_AGE", 3600)
    assert client.get(reverse("working_sessions:notice", args=[forged])).status_code == 404


def test_no_session_is_held_before_the_notice_is_acknowledged(world, fresh):
    session = world.past_session(days_ago=2, application=fresh)
    with pytest.raises(ValidationError) as caught:
        services.session_set_status(session=session, status="held", by=world.recruiter)
    assert caught.value.code == "notice"
    with pytest.raises(ValidationError) as caught:
        observe(session)
    assert any("acknowledged the assessment notice" in m for m in caught.value.messages)
    session.refresh_from_db()
    assert session.status == WorkingSession.Status.PLANNED
    # No-show needs no notice: nothing was assessed.
    services.session_set_status(session=session, status="no_show", by=world.recruiter)
    notice = fresh.assessment_notices.get()
    notices.notice_acknowledge(  # read three days ago, before the session below
        token=notices.notice_token(notice), language="fr", now=timezone.now() - timedelta(days=3)
    )
    second = world.past_session(days_ago=1, application=fresh)
    observation = observe(second)
    second.refresh_from_db()
    assert second.status == WorkingSession.Status.HELD and observation.status == "submitted"


def test_a_recruiter_records_a_paper_acknowledgement_with_a_reason(client, world, fresh):
    session = world.past_session(days_ago=2, application=fresh)
    client.force_login(world.recruiter)
    url = reverse("working_sessions:notice_paper", args=[fresh.pk])
    refused = client.post(url, {"reason": "   ", "language": "en", "signed_on": "2026-12-01"})
    assert refused.status_code == 200 and refused.context["form"].errors["reason"]
    assert 'value="en" selected' in refused.content.decode()  # what was chosen is kept
    assert not AssessmentNotice.objects.filter(application=fresh, acknowledged_at__isnull=False).exists()
    response = client.post(
        url,
        {
            "reason": "Signé sur place : pas d’accès à sa messagerie.",
            "language": "fr",
            "signed_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 302
    paper = AssessmentNotice.objects.get(application=fresh, on_paper=True)
    assert paper.recorded_by == world.recruiter and paper.paper_reason.startswith("Signé sur place")
    assert paper.text_version == notices.TEXT_VERSION and len(paper.text_sha256) == 64
    services.session_set_status(session=session, status="held", by=world.recruiter)
    page = client.get(reverse("working_sessions:application", args=[fresh.pk])).content.decode()
    assert "Acknowledged" in page and "on paper" in page and "pas d’accès à sa messagerie" in page


def test_the_sessions_page_says_where_the_notice_stands_and_offers_a_new_link(client, world, fresh):
    world.schedule(at(timezone.localdate() + timedelta(days=9), 10), application=fresh)
    client.force_login(world.recruiter)
    page = client.get(reverse("working_sessions:application", args=[fresh.pk])).content.decode()
    assert "Not acknowledged yet" in page and "Send a new link" in page
    client.post(reverse("working_sessions:notice_send", args=[fresh.pk]), {"lang": "en"})
    assert fresh.assessment_notices.count() == 2
    newest = fresh.assessment_notices.order_by("-pk").first()
    assert newest.language == "en"
    assert OutboundEmail.objects.filter(key=f"notice:{fresh.pk}:{newest.pk}").exists()
    client.force_login(world.ceo)  # the CEO reads the state, without the actions
    page = client.get(reverse("working_sessions:application", args=[fresh.pk])).content.decode()
    assert "Not acknowledged yet" in page and "Send a new link" not in page


def test_the_summary_json_carries_the_notice(world, fresh):
    out = StringIO()
    call_command("assessment_summary", str(fresh.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["notice"] == {
        "acknowledged_at": None,
        "on_paper": None,
        "text_version": None,
    }
    notice = notices.notice_send(application=fresh)
    notice = notices.notice_acknowledge(token=notices.notice_token(notice), language="fr")
    out = StringIO()
    call_command("assessment_summary", str(fresh.pk), "--json", stdout=out)
    assert json.loads(out.getvalue())["notice"] == {
        "acknowledged_at": notice.acknowledged_at.isoformat(),
        "on_paper": False,
        "text_version": notices.TEXT_VERSION,
    }


def test_a_pack_with_company_data_asks_the_confidentiality_undertaking_and_its_checksum_is_kept(
    client, world, fresh
):
    from tests.candidates.documents import make_pdf, upload

    session = world.schedule(at(timezone.localdate() + timedelta(days=9), 10), application=fresh)
    services.session_plan_update(
        session=session,
        by=world.recruiter,
        roles=["entrepreneur", "posture"],
        criteria=[],
        briefing="Lire la note.",
        has_company_data=True,
    )
    content = make_pdf("Budget confidentiel 2027")
    services.briefing_file_add(session=session, by=world.recruiter, uploaded=upload("budget.pdf", content))
    notice = fresh.assessment_notices.get()
    url = reverse("working_sessions:notice", args=[notices.notice_token(notice)])
    page = client.get(url + "?lang=en").content.decode()
    assert "Confidentiality" in page and 'name="confidentiality"' in page
    assert "it looks at: Entrepreneur, Posture and mindset" in page  # the session's plan
    refused = client.post(url, {"lang": "en", "shown": shown_of(page)})
    assert refused.status_code == 200 and "Accept the confidentiality undertaking" in refused.content.decode()
    notice.refresh_from_db()
    assert notice.acknowledged_at is None
    client.post(url, {"lang": "en", "confidentiality": "1", "shown": shown_of(page)})
    notice.refresh_from_db()
    file_sha = hashlib.sha256(content).hexdigest()
    assert notice.acknowledged_at and notice.confidentiality_accepted
    assert notice.pack_sha256 == hashlib.sha256(f"{file_sha}\n".encode()).hexdigest()


def test_a_notice_changed_since_it_was_opened_is_not_acknowledged_and_shown_again(client, world, fresh):
    session = world.schedule(at(timezone.localdate() + timedelta(days=9), 10), application=fresh)
    notice = fresh.assessment_notices.get()
    url = reverse("working_sessions:notice", args=[notices.notice_token(notice)])
    opened = client.get(url + "?lang=en").content.decode()
    services.session_plan_update(session=session, by=world.recruiter, roles=["entrepreneur"], criteria=[])
    response = client.post(url, {"lang": "en", "shown": shown_of(opened)})
    assert (
        response.status_code == 200 and "The notice changed since you opened it" in response.content.decode()
    )
    notice.refresh_from_db()
    assert notice.acknowledged_at is None
    assert "it looks at: Entrepreneur" in response.content.decode()  # the new text, to read again
    assert client.post(url, {"lang": "en"}).status_code == 200  # no fingerprint: nothing stored either
    notice.refresh_from_db()
    assert notice.acknowledged_at is None


def test_an_acknowledgement_after_the_session_started_does_not_count(world, fresh):
    session = world.past_session(days_ago=2, application=fresh)
    notice = fresh.assessment_notices.get()
    notices.notice_acknowledge(token=notices.notice_token(notice), language="fr")  # now: too late
    with pytest.raises(ValidationError) as caught:
        services.session_set_status(session=session, status="held", by=world.recruiter)
    assert caught.value.code == "notice" and "after this session started" in caught.value.messages[0]
    notices.notice_record_on_paper(  # a copy signed before the session, recorded now
        application=fresh, by=world.recruiter, reason="Copie signée à l’accueil.",
        signed_on=timezone.localdate() - timedelta(days=5),
    )  # fmt: skip
    services.session_set_status(session=session, status="held", by=world.recruiter)
    with pytest.raises(ValidationError):
        notices.notice_record_on_paper(
            application=fresh,
            by=world.recruiter,
            reason="x",
            signed_on=timezone.localdate() + timedelta(days=1),
        )


def test_a_pack_changed_after_the_acknowledgement_asks_for_a_new_one(world, fresh):
    from tests.candidates.documents import make_pdf, upload

    session = world.schedule(at(timezone.localdate() + timedelta(days=9), 10), application=fresh)
    notice = fresh.assessment_notices.get()
    notices.notice_acknowledge(token=notices.notice_token(notice), language="fr")
    services.session_plan_update(
        session=session, by=world.recruiter, roles=["conductor"], criteria=[], has_company_data=True
    )
    services.briefing_file_add(
        session=session, by=world.recruiter, uploaded=upload("p.pdf", make_pdf("Chiffres"))
    )
    with pytest.raises(ValidationError) as caught:
        notices.require_acknowledged(session)
    assert "briefing pack changed" in caught.value.messages[0]
