"""Sealing is about the person (issue 12, item 5): the mandate's CEO reads a session's mediator
observation only after their own debrief, whatever other role they also hold — recruiter of the
mandate, staff, mediator of the mandate. Checked on every page and download that shows
observations: the session page, the sessions page of the application, the assessment summary,
the dashboard, the report snapshot and its PDF. On the main of 2026-12-02 each combination saw
the notes (the staff/recruiter branch of ``observation_visible`` ran before the CEO rule)."""

import json

import pytest
from django.test import Client
from django.urls import reverse

from reports import services as report_services
from reports.models import Report
from sessions import ipa
from sessions import services as session_services
from tests.reports.conftest import SYNTHESIS, hold_sessions, make_world
from tests.reports.test_rendering import pdf_text, squash

#: A fragment of the mediator's synthesis (``SYNTHESIS``) as it appears in pages and in the PDF.
NOTE = "la candidate reformule"
ROLES = ("recruiter", "staff", "mediator")


def _give_role(world, role):
    ceo = world.ceo
    if role == "recruiter":
        world.mandate.recruiters.add(ceo)
    elif role == "staff":
        ceo.is_staff = True
        ceo.save(update_fields=["is_staff"])
    else:
        world.mandate.mediators.add(ceo)
    return ceo


@pytest.fixture(params=ROLES)
def sealed_world(request, db):
    """The reports world without sessions, one held and observed session the CEO has not debriefed,
    and the CEO holding one more role on the mandate (``request.param``)."""
    world = make_world(sessions=0)
    (session,) = hold_sessions(
        world.application,
        mediator=world.mediator,
        ceo=world.ceo,
        recruiter=world.recruiter,
        count=1,
        ceo_debrief=False,
    )
    _give_role(world, request.param)
    world.session = session
    return world


def _client(user):
    client = Client()
    client.force_login(user)
    return client


def _pages(world):
    return {
        "session": world.session.get_absolute_url(),
        "sessions": reverse("working_sessions:application", args=[world.application.pk]),
        "summary": reverse("assessments:summary", args=[world.application.pk]),
        "dashboard": reverse("reports:dashboard", args=[world.mandate.slug]),
    }


def _debrief(world):
    session_services.debrief_submit_ceo(
        session=world.session, by=world.ceo, ratings={d.code: 4 for d in ipa.DIMENSIONS}
    )


def test_pages_stay_sealed_for_the_ceo_until_their_debrief(sealed_world):
    world = sealed_world
    client = _client(world.ceo)
    pages = _pages(world)
    session_page = client.get(pages["session"])
    assert session_page.status_code == 200
    assert session_page.context["observation"] is None and session_page.context["sealed"] is True
    assert NOTE not in session_page.content.decode()
    sessions_page = client.get(pages["sessions"])
    assert sessions_page.context["compatibility"]["sealed_sessions"] == 1
    assert sessions_page.context["compatibility"]["verdict"] is None
    summary = client.get(pages["summary"])
    assert summary.context["summary"].compatibility["sealed_sessions"] == 1
    assert summary.context["summary"].compatibility["verdict"] is None
    dashboard = client.get(pages["dashboard"])
    (row,) = [r for r in dashboard.context["rows"] if r.application.pk == world.application.pk]
    assert row.compatibility["sealed_sessions"] == 1 and row.verdict is None

    # The recruiter (not the CEO) reads the observation all along: the rule is about the person.
    recruiter_page = _client(world.recruiter).get(pages["session"])
    assert NOTE in recruiter_page.content.decode()

    _debrief(world)
    session_page = client.get(pages["session"])
    assert session_page.context["observation"] is not None and NOTE in session_page.content.decode()
    assert client.get(pages["sessions"]).context["compatibility"]["sealed_sessions"] == 0
    assert client.get(pages["summary"]).context["summary"].compatibility["sealed_sessions"] == 0


def test_a_report_requested_before_the_debrief_stays_sealed(sealed_world, django_capture_on_commit_callbacks):
    world = sealed_world
    client = _client(world.ceo)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:request", args=[world.application.pk]))
    assert response.status_code == 302
    report = Report.objects.get(application=world.application)
    assert report.status == Report.Status.READY
    (record,) = report.snapshot["sessions"]
    assert record["sealed"] is True and record["observation"] is None
    assert report.snapshot["summary"]["compatibility"]["sealed_sessions"] == 1
    assert SYNTHESIS not in json.dumps(report.snapshot, ensure_ascii=False)
    download = client.get(reverse("reports:download", args=[report.pk]))
    assert download.status_code == 200
    pdf = b"".join(download.streaming_content) if download.streaming else download.content
    assert NOTE not in squash(pdf_text(pdf))

    # After the debrief, a new version carries the observation (so the check above can fail).
    _debrief(world)
    with django_capture_on_commit_callbacks(execute=True):
        newer = report_services.report_request(application=world.application, by=world.ceo)
    newer = Report.objects.get(pk=newer.pk)
    (record,) = newer.snapshot["sessions"]
    assert record["sealed"] is False and record["observation"]["synthesis"] == SYNTHESIS


def test_the_ceo_cannot_observe_their_own_session(db):
    """A CEO who is also a mediator of the mandate cannot be their own session's mediator (they
    would read the notes as their author before debriefing)."""
    from datetime import timedelta

    from django.core.exceptions import ValidationError
    from django.utils import timezone

    world = make_world(sessions=0)
    world.mandate.mediators.add(world.ceo)
    start = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError) as caught:
        session_services.session_schedule(
            application=world.application,
            starts_at=start,
            ends_at=start + timedelta(hours=1),
            mediator=world.ceo,
            problem="Réduire le délai de clôture.",
            location="Salle Lumière, Lyon",
            by=world.recruiter,
        )
    assert caught.value.message_dict["mediator"] == ["Le DG du mandat ne peut pas observer sa propre séance."]
