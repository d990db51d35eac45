"""Retention (CNIL recruitment guidance, 2023; issue 12 item 1): the rules, the warning once, the
anonymisation once, through ``privacy.services.retention_apply`` (the periodic task's body), and
the date with its reason on the candidate page."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from candidates.models import Application, Candidate, Stage
from outbox.models import OutboundEmail
from privacy import selectors, services
from privacy.models import Erasure, RetentionWarning
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db

PARIS = ZoneInfo("Europe/Paris")


def _closed(stage, on: date, *, consent=False, mandate=None, **kwargs):
    candidate = CandidateFactory(
        gdpr_consent=consent, consent_date=on - timedelta(days=400) if consent else None, **kwargs
    )
    extra = {"rejection_reason": "other"} if stage == Stage.REJECTED else {}
    application = ApplicationFactory(
        candidate=candidate,
        mandate=mandate or MandateFactory(),
        stage=stage,
        stage_entered_at=datetime(on.year, on.month, on.day, 12, tzinfo=PARIS),
        **extra,
    )
    return candidate, application


def test_the_defaults_are_24_months_with_consent_and_3_without():
    assert settings.PRIVACY_RETENTION_MONTHS_TALENT_POOL == 24
    assert settings.PRIVACY_RETENTION_MONTHS_NO_CONSENT == 3
    assert settings.PRIVACY_RETENTION_WARNING_DAYS == 30
    assert settings.CELERY_BEAT_SCHEDULE["privacy-retention"]["task"] == "privacy.tasks.apply_retention"


@pytest.mark.parametrize(
    ("stage", "consent", "due", "rule"),
    [
        (Stage.REJECTED, False, date(2026, 6, 15), "no_consent"),
        (Stage.WITHDRAWN, True, date(2028, 3, 15), "talent_pool"),
        (Stage.HIRED, False, date(2026, 6, 15), "no_consent"),  # hired: the same policy
        (Stage.HIRED, True, date(2028, 3, 15), "talent_pool"),
    ],
)
def test_the_schedule_follows_the_last_closure_and_the_consent(stage, consent, due, rule):
    candidate, _application = _closed(stage, date(2026, 3, 15), consent=consent)
    schedule = selectors.retention_schedule(candidate, today=date(2026, 3, 20))
    assert (schedule.rule, schedule.due_date, schedule.closing_stage) == (rule, due, stage)
    assert schedule.warn_on == due - timedelta(days=30) and schedule.erase_on == due


def test_the_last_of_several_closures_counts_and_an_open_application_stops_the_clock():
    candidate, first = _closed(Stage.REJECTED, date(2026, 1, 10))
    ApplicationFactory(
        candidate=candidate,
        stage=Stage.WITHDRAWN,
        stage_entered_at=datetime(2026, 2, 20, 9, tzinfo=PARIS),
    )
    assert selectors.retention_schedule(candidate, today=date(2026, 3, 1)).due_date == date(2026, 5, 20)
    ApplicationFactory(candidate=candidate, stage=Stage.SCREENING)
    assert selectors.retention_schedule(candidate, today=date(2026, 3, 1)) is None


def test_a_late_warning_moves_the_date_30_days_after_it():
    candidate, _application = _closed(Stage.REJECTED, date(2026, 1, 10))  # due 2026-04-10
    schedule = selectors.retention_schedule(candidate, today=date(2026, 6, 1))
    assert schedule.erase_on == date(2026, 7, 1)


def test_the_task_warns_the_recruiters_once_then_anonymises_once(django_capture_on_commit_callbacks):
    recruiters = [UserFactory(username=f"rec-ret-{n}", email=f"rec{n}@example.org") for n in (1, 2)]
    mandate = MandateFactory(recruiters=recruiters)
    candidate, application = _closed(
        Stage.REJECTED, date(2026, 1, 10), mandate=mandate, first_name="Oriane", last_name="Périmée"
    )
    kept, _app = _closed(Stage.REJECTED, date(2026, 3, 1), consent=True, mandate=mandate)  # due 2028
    open_candidate = ApplicationFactory(mandate=mandate, stage=Stage.ASSESSMENT).candidate

    # 2026-03-20: due 2026-04-10, warning date 2026-03-11 passed: the recruiters are warned.
    assert services.retention_apply(today=date(2026, 3, 20)) == {"warned": 1, "anonymised": 0}
    warning = RetentionWarning.objects.get()
    assert (warning.candidate, warning.due_date, warning.recipients) == (candidate, date(2026, 4, 10), 2)
    mails = OutboundEmail.objects.filter(key__startswith=f"privacy:retention:{candidate.pk}:")
    assert sorted(mails.values_list("to", flat=True)) == ["rec1@example.org", "rec2@example.org"]
    assert "Oriane Périmée" in mails.first().subject
    assert services.retention_apply(today=date(2026, 3, 21)) == {"warned": 0, "anonymised": 0}
    assert mails.count() == 2

    # The warning was sent today (real clock): the anonymisation waits 30 days after it.
    erase_on = max(date(2026, 4, 10), timezone.localdate() + timedelta(days=30))
    assert selectors.retention_schedule(candidate).erase_on == erase_on
    assert services.retention_apply(today=erase_on - timedelta(days=1))["anonymised"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.retention_apply(today=erase_on) == {"warned": 0, "anonymised": 1}
    erasure = Erasure.objects.get()
    assert (erasure.candidate_number, erasure.kind, erasure.rule) == (candidate.pk, "retention", "no_consent")
    assert not Candidate.objects.filter(last_name="Périmée").exists()
    assert not Candidate.history.filter(last_name="Périmée").exists()
    assert not OutboundEmail.objects.filter(subject__contains="Périmée").exists()
    assert services.retention_apply(today=erase_on + timedelta(days=1)) == {"warned": 0, "anonymised": 0}
    assert Erasure.objects.count() == 1
    assert Candidate.objects.filter(pk__in=[kept.pk, open_candidate.pk]).count() == 2
    assert not Application.objects.filter(pk=application.pk).exists()  # no report: deleted outright


def test_the_candidate_page_shows_the_date_and_why(client):
    recruiter = UserFactory(username="rec-page", groups=["recruiter"])
    mandate = MandateFactory(recruiters=[recruiter])
    today = timezone.localdate()
    candidate, _application = _closed(
        Stage.WITHDRAWN, today - timedelta(days=10), consent=True, mandate=mandate
    )
    client.force_login(recruiter)
    page = client.get(reverse("candidates:candidate_detail", args=[candidate.pk]), HTTP_ACCEPT_LANGUAGE="fr")
    schedule = selectors.retention_schedule(candidate)
    html = page.content.decode()
    assert page.status_code == 200
    assert "Conservation des données" in html and "Anonymisation prévue le" in html
    assert "Consentement au vivier" in html and "24\u00a0mois" in html
    assert schedule.erase_on.strftime("%Y") in html and "Désistement" in html


def test_the_page_says_nothing_is_scheduled_while_an_application_is_open(client):
    recruiter = UserFactory(username="rec-page2", groups=["recruiter"])
    application = ApplicationFactory(mandate=MandateFactory(recruiters=[recruiter]), stage=Stage.SCREENING)
    client.force_login(recruiter)
    page = client.get(reverse("candidates:candidate_detail", args=[application.candidate_id]))
    assert "tant qu’une candidature est ouverte" in page.content.decode()


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("PRIVACY_RETENTION_MONTHS_NO_CONSENT", "0", "PRIVACY_RETENTION_MONTHS_NO_CONSENT must be a number"),
        (
            "PRIVACY_RETENTION_MONTHS_TALENT_POOL",
            "121",
            "PRIVACY_RETENTION_MONTHS_TALENT_POOL must be a number",
        ),
        ("PRIVACY_RETENTION_WARNING_DAYS", "-1", "PRIVACY_RETENTION_WARNING_DAYS must be between"),
    ],
)
def test_the_policy_refuses_values_out_of_range(variable, value, message):
    from tests.test_settings import run

    result = run(["manage.py", "check"], **{variable: value})
    assert result.returncode != 0 and message in result.stderr


def test_the_policy_is_read_from_the_environment():
    from tests.test_settings import run

    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.PRIVACY_RETENTION_MONTHS_TALENT_POOL, s.PRIVACY_RETENTION_MONTHS_NO_CONSENT)"
    result = run(
        ["-c", code], PRIVACY_RETENTION_MONTHS_TALENT_POOL="12", PRIVACY_RETENTION_MONTHS_NO_CONSENT="6"
    )
    assert result.stdout.split() == ["12", "6"], result.stderr
