"""Tests of ``figures.services``: the stored figures equal freshly computed ones after every kind of
write that changes an input; the writes recompute in their own transaction; the mandate statistics
task is idempotent and coalesced; a framework change marks rows stale and readers recompute them;
``manage.py rebuild_figures`` repairs data written around the services."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.db.models import F
from django.test import RequestFactory
from django.utils import timezone

from assessments import services as assessment_services
from assessments.models import CompetencyFramework, Rating, Scorecard
from candidates import services as candidate_services
from candidates.models import Application, Mandate, RejectionReason, Stage
from figures import compute, selectors, services
from figures.models import FORMULAS_VERSION, ApplicationFigures, MandateStatistics
from sessions import ipa, notices
from sessions import services as session_services
from sessions.models import WorkingSession
from tests.assessments.helpers import CODES, rate
from tests.factories import ApplicationFactory, MandateFactory, ScorecardFactory, UserFactory
from tests.sessions.conftest import at, ratings

pytestmark = pytest.mark.django_db


def stored_equals_fresh(application_ids):
    """Assert that every stored row equals what the raw data give now (figure fields only)."""
    fresh = {
        row.application_id: compute.row_figures(row)
        for row in compute.compute_application_figures(application_ids)
    }
    stored = {
        row.application_id: compute.row_figures(row)
        for row in ApplicationFigures.objects.filter(pk__in=application_ids)
    }
    assert set(stored) == set(fresh) == set(application_ids)
    for application_id in application_ids:
        assert stored[application_id] == fresh[application_id], application_id
        assert ApplicationFigures.objects.get(pk=application_id).is_current


def statistics_equal_fresh(mandate):
    services.mandate_statistics_refresh(mandate_id=mandate.pk)  # what the task does after the commit
    row = MandateStatistics.objects.get(pk=mandate.pk)
    fresh = compute.compute_mandate_statistics(mandate.pk)
    assert row.is_current
    assert (row.alpha, row.alpha_reading, row.units) == (fresh.alpha, fresh.alpha_reading, fresh.units)
    assert row.flagged() == fresh.flagged


@pytest.fixture
def people(db):
    recruiter = UserFactory(groups=["recruiter"], first_name="Camille", last_name="Martin")
    second = UserFactory(groups=["recruiter"], first_name="Hugo", last_name="Bernard")
    ceo = UserFactory(groups=["ceo"], first_name="Isabelle", last_name="Fontaine")
    mediator = UserFactory(groups=["mediator"])
    mandate = MandateFactory(ceo=ceo, recruiters=[recruiter, second], mediators=[mediator])
    return recruiter, second, ceo, mediator, mandate


def new_application(mandate, recruiter, **years):
    data = {
        "first_name": "Zoé",
        "last_name": "Essai",
        "email": f"zoe.{Application.objects.count()}@example.org",
        "years_finance": Decimal(3),
        "years_hr": Decimal(3),
        "years_legal": Decimal(2),
        "years_it": Decimal(2),
        **years,
    }
    return candidate_services.candidate_create(mandate=mandate, data=data, by=recruiter)


def test_stored_figures_equal_fresh_ones_after_every_kind_of_write(
    people, django_capture_on_commit_callbacks
):
    recruiter, second, ceo, mediator, mandate = people
    application = new_application(mandate, recruiter)  # application create
    other = new_application(mandate, recruiter, years_finance=Decimal(12))
    ids = [application.pk, other.pk]
    stored_equals_fresh(ids)

    rate(application, recruiter, dict.fromkeys(CODES, 4))  # scorecard submit
    rate(application, second, dict.fromkeys(CODES, 3))
    rate(other, recruiter, dict.fromkeys(CODES, 2))
    stored_equals_fresh(ids)
    statistics_equal_fresh(mandate)
    assert ApplicationFigures.objects.get(pk=application.pk).fit == pytest.approx(3.5)

    card = Scorecard.objects.get(application=application, rater=second)
    revision = assessment_services.scorecard_revise(
        scorecard=card, by=second, reason="Après discussion."
    )  # revise
    stored_equals_fresh(ids)
    ids_of = dict(revision.ratings.values_list("criterion__code", "criterion_id"))
    assessment_services.scorecard_save(
        scorecard=revision,
        by=second,
        recommendation="yes",
        ratings={ids_of["cond_tools"]: (1, "Aucun outil cité.")},
    )
    assessment_services.scorecard_submit(scorecard=revision, by=second)
    stored_equals_fresh(ids)
    statistics_equal_fresh(mandate)

    candidate = application.candidate  # candidate's years
    candidate_services.candidate_update(
        candidate=candidate, by=recruiter, data={"years_finance": Decimal(20), "career_years": Decimal(25)}
    )
    stored_equals_fresh(ids)
    assert ApplicationFigures.objects.get(pk=application.pk).dominant_domain == "finance"

    header = (
        "Last name,First name,Email,Finance (years),HR (years),Legal (years),IT (years),"
        "Sales administration (years),Purchasing (years),General services (years),Communication (years),"
        "Quality and procedures (years)\n"
    )
    row = f"Essai,Zoé,{other.candidate.email},3,3,3,3,0,0,0,0,0\n"  # import
    report = candidate_services.candidates_import(mandate=mandate, data=(header + row).encode(), by=recruiter)
    assert report.saved
    stored_equals_fresh(ids)
    assert ApplicationFigures.objects.get(pk=other.pk).band == "narrow"

    candidate_services.application_move(
        application=application, to_stage=Stage.SCREENING, by=recruiter
    )  # stage
    stored_equals_fresh(ids)

    start = at(timezone.localdate() - timedelta(days=3), 10)  # sessions
    session = session_services.session_schedule(
        application=application,
        starts_at=start,
        ends_at=start + timedelta(hours=1),
        mediator=mediator,
        problem="Clôture mensuelle.",
        location="Lyon",
        by=recruiter,
    )
    stored_equals_fresh(ids)
    notice = application.assessment_notices.get()  # sent with the first session
    notices.notice_acknowledge(  # notice acknowledged, the day before the session
        token=notices.notice_token(notice), language="fr", now=start - timedelta(days=1)
    )
    stored_equals_fresh(ids)
    session_services.session_reschedule(
        session=session, starts_at=start - timedelta(hours=1), ends_at=start, by=recruiter, reason="Agenda."
    )
    stored_equals_fresh(ids)
    observation = session_services.observation_start(session=session, mediator=mediator)
    session_services.observation_save(
        observation=observation, by=mediator, ratings=ratings(4), verdict=ipa.COMPATIBLE, confidence=4
    )
    session_services.observation_submit(observation=observation, by=mediator)  # observation submit
    stored_equals_fresh(ids)
    stored = ApplicationFigures.objects.get(pk=application.pk)
    assert stored.compatibility["full"]["held_sessions"] == 1
    assert stored.compatibility["ceo"]["sealed_sessions"] == 1  # the CEO has not debriefed yet
    session_services.debrief_submit_ceo(session=session, by=ceo, ratings=ratings(3))  # CEO debrief
    stored_equals_fresh(ids)
    assert ApplicationFigures.objects.get(pk=application.pk).compatibility["ceo"]["sealed_sessions"] == 0
    token = session_services.debrief_invitation_create(session=session)
    session_services.debrief_submit_candidate(token=token, ratings=ratings(5))  # candidate debrief
    stored_equals_fresh(ids)
    observation.refresh_from_db()
    session_services.observation_revise(
        observation=observation, by=mediator, reason="Relu."
    )  # observation revise
    stored_equals_fresh(ids)
    later = session_services.session_schedule(
        application=application,
        starts_at=start - timedelta(days=1),
        ends_at=start - timedelta(days=1, hours=-1),
        mediator=mediator,
        problem="Achats.",
        location="Lyon",
        by=recruiter,
    )
    session_services.session_set_status(
        session=later, status=WorkingSession.Status.NO_SHOW, by=recruiter
    )  # status
    stored_equals_fresh(ids)
    future = at(timezone.localdate() + timedelta(days=10), 10)
    planned = session_services.session_schedule(
        application=application,
        starts_at=future,
        ends_at=future + timedelta(hours=1),
        mediator=mediator,
        problem="RH.",
        location="Lyon",
        by=recruiter,
    )
    session_services.session_cancel(session=planned, by=recruiter, reason="Annulée.")  # cancel
    stored_equals_fresh(ids)

    admin_request = RequestFactory().post("/admin/")  # mandate settings (admin)
    admin_request.user = UserFactory(is_staff=True, is_superuser=True)
    mandate.support_domains = ["finance", "hr"]
    site._registry[Mandate].save_model(admin_request, mandate, form=None, change=True)
    stored_equals_fresh(ids)
    assert ApplicationFigures.objects.get(pk=application.pk).balance["domains"] == ["finance", "hr"]

    with django_capture_on_commit_callbacks(execute=False):  # framework version
        assessment_services.framework_new_version(framework=CompetencyFramework.objects.get(is_active=True))
    assert not ApplicationFigures.objects.filter(stale=False).exists()  # every row marked in the same write
    viewer = selectors.viewer_for(recruiter, mandate)
    selectors.card_figures(application_ids=ids, viewer=viewer)  # a reader recomputes what it reads
    stored_equals_fresh(ids)

    candidate_services.application_move(
        application=other,
        to_stage=Stage.REJECTED,
        by=recruiter,
        reason="Profil trop financier.",
        rejection_reason=RejectionReason.OTHER,
    )
    stored_equals_fresh(ids)
    statistics_equal_fresh(mandate)


def test_a_write_that_fails_leaves_the_stored_figures_as_they_were(people):
    recruiter, second, _ceo, _mediator, mandate = people
    application = new_application(mandate, recruiter)
    rate(application, recruiter, dict.fromkeys(CODES, 4))
    before = compute.row_figures(ApplicationFigures.objects.get(pk=application.pk))
    draft = rate(application, second, {"cond_tools": 5}, evidence=False, submit=False)
    with pytest.raises(Exception):  # noqa: B017 — a 5 without evidence cannot be submitted
        assessment_services.scorecard_submit(scorecard=draft, by=second)
    assert compute.row_figures(ApplicationFigures.objects.get(pk=application.pk)) == before


def test_mandate_statistics_task_is_enqueued_on_commit_idempotent_and_coalesced(
    people, django_capture_on_commit_callbacks
):
    recruiter, second, _ceo, _mediator, mandate = people
    applications = [new_application(mandate, recruiter) for _ in range(2)]
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        for application in applications:
            rate(application, recruiter, dict.fromkeys(CODES, 4))
            rate(application, second, dict.fromkeys(CODES, 2))
    row = MandateStatistics.objects.get(pk=mandate.pk)
    assert row.inputs_version == 4 and row.computed_version == 0  # one version per submit
    assert len(callbacks) == 4  # one task per write, run after the commit

    computed = services.mandate_statistics_refresh(mandate_id=mandate.pk)
    assert computed.computed_version == 4 and computed.is_current
    stamp = computed.computed_at
    for _ in range(3):  # the three tasks queued behind it find nothing to do
        again = services.mandate_statistics_refresh(mandate_id=mandate.pk)
        assert again.computed_at == stamp and again.computed_version == 4
    # Second rates 2 points below the first everywhere, over 32 compared values: severe, and the
    # first lenient by the same token; α < .667.
    assert computed.flagged() == {second.pk: "severe", recruiter.pk: "lenient"}
    assert computed.alpha is not None and computed.alpha < 0.667

    MandateStatistics.objects.filter(pk=mandate.pk).update(inputs_version=F("inputs_version") + 1)
    assert services.mandate_statistics_refresh(mandate_id=mandate.pk).computed_at > stamp
    assert services.mandate_statistics_refresh(mandate_id=123456789) is None  # a deleted mandate


def test_a_computation_never_lowers_the_computed_version(people):
    _recruiter, _second, _ceo, _mediator, mandate = people
    MandateStatistics.objects.create(
        mandate=mandate,
        inputs_version=9,
        computed_version=9,
        computed_at=timezone.now(),
        formulas_version=FORMULAS_VERSION - 1,
    )
    row = services.mandate_statistics_refresh(mandate_id=mandate.pk)  # older formulas: recomputed
    assert (row.computed_version, row.formulas_version) == (9, FORMULAS_VERSION)


def test_rebuild_figures_repairs_data_written_around_the_services(people):
    recruiter, second, _ceo, _mediator, mandate = people
    application = ApplicationFactory(mandate=mandate)  # a factory: no stored row
    ScorecardFactory(
        application=application, rater=recruiter, submitted=True, ratings=dict.fromkeys(CODES, 4)
    )
    other_mandate = MandateFactory()
    elsewhere = ApplicationFactory(mandate=other_mandate)
    assert not ApplicationFigures.objects.exists()

    out = StringIO()
    call_command("rebuild_figures", "--mandate", mandate.slug, stdout=out)
    assert "1" in out.getvalue()
    stored_equals_fresh([application.pk])
    assert not ApplicationFigures.objects.filter(pk=elsewhere.pk).exists()

    Rating.objects.filter(scorecard__application=application).update(value=2)  # around the services again
    assert ApplicationFigures.objects.get(pk=application.pk).fit == pytest.approx(4.0)
    call_command("rebuild_figures", stdout=StringIO())
    assert ApplicationFigures.objects.get(pk=application.pk).fit == pytest.approx(2.0)
    stored_equals_fresh([application.pk, elsewhere.pk])
    assert MandateStatistics.objects.get(pk=mandate.pk).is_current

    ApplicationFigures.objects.filter(pk=application.pk).update(formulas_version=FORMULAS_VERSION - 1)
    call_command("rebuild_figures", "--stale-only", stdout=out)
    assert ApplicationFigures.objects.get(pk=application.pk).formulas_version == FORMULAS_VERSION


def test_rebuild_figures_refuses_an_unknown_mandate():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("rebuild_figures", "--mandate", "n-existe-pas", stdout=StringIO())


def test_deleting_a_scorecard_in_the_admin_recomputes(people):
    recruiter, second, _ceo, _mediator, mandate = people
    application = new_application(mandate, recruiter)
    rate(application, recruiter, dict.fromkeys(CODES, 4))
    card = rate(application, second, dict.fromkeys(CODES, 2))
    assert ApplicationFigures.objects.get(pk=application.pk).fit == pytest.approx(3.0)
    admin_request = RequestFactory().post("/admin/")
    admin_request.user = UserFactory(is_staff=True, is_superuser=True)
    site._registry[Scorecard].delete_model(admin_request, card)
    assert ApplicationFigures.objects.get(pk=application.pk).fit == pytest.approx(4.0)
    stored_equals_fresh([application.pk])


def test_a_candidate_with_several_applications_is_recomputed_everywhere(people):
    recruiter, _second, _ceo, _mediator, mandate = people
    application = new_application(mandate, recruiter)
    elsewhere = candidate_services.application_create(
        candidate=application.candidate, mandate=MandateFactory(), by=recruiter
    )
    candidate_services.candidate_update(
        candidate=application.candidate, by=recruiter, data={"years_it": Decimal(30)}
    )
    stored_equals_fresh([application.pk, elsewhere.pk])
    assert ApplicationFigures.objects.get(pk=elsewhere.pk).dominant_domain == "it"
