"""The pages that read the stored figures: query counts equal at 20 and 200 applications (pipeline,
its column lists, dashboard, summary), the admin changelists constant in the number of mandates
and frameworks, the pipeline column pages, the dashboard's SQL sort, filter and pagination, and the
reliability and statistics rules where the decision is read."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from assessments.models import CompetencyFramework, Scorecard
from assessments.services import framework_new_version
from candidates.models import Stage
from figures import services
from tests.assessments.helpers import CODES, rate
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    MandateFactory,
    ScorecardFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STAGES = [Stage.SOURCED, Stage.SCREENING, Stage.ASSESSMENT, Stage.WORKING_SESSIONS, Stage.DECISION]


def build(n, *, recruiter):
    """A mandate with ``n`` applications spread over five stages, two submitted scorecards each
    (written by factories, then the figures rebuilt as ``manage.py rebuild_figures`` does)."""
    mandate = MandateFactory(recruiters=[recruiter])
    second = UserFactory(groups=["recruiter"])
    mandate.recruiters.add(second)
    for i in range(n):
        application = ApplicationFactory(
            mandate=mandate,
            stage=STAGES[i % len(STAGES)],
            candidate=CandidateFactory(years_finance=1 + i % 7),
        )
        for j, rater in enumerate((recruiter, second)):
            ScorecardFactory(
                application=application,
                rater=rater,
                submitted=True,
                ratings={code: 1 + (i + j + k) % 5 for k, code in enumerate(CODES)},
            )
    services.figures_rebuild(mandate=mandate)
    return mandate


def queries(client, url):
    client.get(url)  # warm the session
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, response.content[:300]
    return len(context.captured_queries), response


@pytest.fixture
def recruiter(db):
    return UserFactory(groups=["recruiter"])


@pytest.fixture
def sizes(recruiter):
    return {n: build(n, recruiter=recruiter) for n in (20, 200)}


def test_page_queries_are_equal_at_20_and_200_applications(client, recruiter, sizes):
    client.force_login(recruiter)
    for name, url_of in {
        "pipeline": lambda m: m.get_absolute_url(),
        "column": lambda m: reverse("candidates:pipeline_column", args=[m.slug, "screening"]),
        "dashboard": lambda m: reverse("reports:dashboard", args=[m.slug]),
        "dashboard sorted": lambda m: (
            reverse("reports:dashboard", args=[m.slug]) + "?sort=-compatibility&gate=failed"
        ),
        "summary": lambda m: reverse("assessments:summary", args=[m.applications.order_by("pk").first().pk]),
    }.items():
        counts = {n: queries(client, url_of(mandate))[0] for n, mandate in sizes.items()}
        assert counts[20] == counts[200], (name, counts)


def test_the_board_shows_each_stage_count_and_its_first_25_cards(client, recruiter, sizes):
    client.force_login(recruiter)
    _count, response = queries(client, sizes[200].get_absolute_url())
    columns = {c.key: c for c in response.context["columns"]}
    assert columns["sourced"].count == 40 and len(columns["sourced"].applications) == 25
    assert columns["offer"].count == 0
    html = response.content.decode()
    assert html.count('class="board-card"') == 5 * 25
    url = reverse("candidates:pipeline_column", args=[sizes[200].slug, "sourced"])
    assert url in html
    page = client.get(url)
    assert page.context["page"].paginator.count == 40
    assert len(page.context["applications"]) == 40  # 50 a page
    assert page.content.decode().count('class="board-card"') == 40
    assert (
        client.get(reverse("candidates:pipeline_column", args=[sizes[200].slug, "nope"])).status_code == 404
    )


def test_dashboard_paginates_sorts_and_filters_in_sql(client, recruiter, sizes):
    client.force_login(recruiter)
    mandate = sizes[200]
    url = reverse("reports:dashboard", args=[mandate.slug])
    first = client.get(url)
    rows = first.context["rows"]
    assert len(rows) == 50 and first.context["page"].paginator.count == 200
    fits = [r.fit for r in rows]
    assert fits == sorted(fits, reverse=True)
    last_page = client.get(url, {"page": 4}).context["rows"]
    assert len(last_page) == 50 and last_page[-1].fit <= fits[-1]
    assert client.get(url, {"page": 99}).context["page"].number == 4  # out of range → last page
    ascending = client.get(url, {"sort": "posture"}).context["rows"]
    postures = [r.figures.posture for r in ascending]
    assert postures == sorted(postures)
    failed = client.get(url, {"gate": "failed", "stage": "screening"})
    assert all(r.gate_passed is False and r.application.stage == "screening" for r in failed.context["rows"])
    expected = mandate.applications.filter(stage="screening", figures__gate_passed=False).count()
    assert failed.context["page"].paginator.count == expected
    names = [r.candidate.last_name.lower() for r in client.get(url, {"sort": "name"}).context["rows"]]
    assert names == sorted(names)


def test_rows_hidden_by_a_draft_come_last_and_show_nothing(client, recruiter):
    mandate = build(4, recruiter=recruiter)
    hidden = mandate.applications.order_by("pk").first()
    Scorecard.objects.filter(application=hidden, rater=recruiter).update(
        status=Scorecard.Status.DRAFT, submitted_at=None
    )
    services.figures_rebuild(mandate=mandate)
    client.force_login(recruiter)
    rows = client.get(reverse("reports:dashboard", args=[mandate.slug])).context["rows"]
    assert rows[-1].application.pk == hidden.pk and rows[-1].hidden and rows[-1].fit is None
    assert all(not r.hidden and r.fit is not None for r in rows[:-1])


def test_reliability_is_said_next_to_the_figures_and_hidden_while_a_draft_is_open(client):
    """A lenient rater (+2 over the panel on every criterion) makes the agreement unreliable: the
    summary page and the dashboard say so, and the reading is not favourable. While the viewer has
    a scorecard open on another candidate of the mandate, the statistics are not shown at all."""
    lenient, fair = UserFactory(groups=["recruiter"]), UserFactory(groups=["recruiter"])
    mandate = MandateFactory(recruiters=[lenient, fair])
    applications = [ApplicationFactory(mandate=mandate) for _ in range(2)]
    for application in applications:
        rate(application, fair, dict.fromkeys(CODES, 3))
        rate(application, lenient, dict.fromkeys(CODES, 5))
    services.mandate_statistics_refresh(mandate_id=mandate.pk)
    client.force_login(fair)
    summary_url = reverse("assessments:summary", args=[applications[0].pk])
    response = client.get(summary_url)
    page, data = response.content.decode(), response.context["summary"]
    assert data.reliability.level == "unreliable" and data.reading.level != "favourable"
    assert "panel_unreliable" in data.reading.reasons
    assert 'id="reading"' in page
    dashboard = client.get(reverse("reports:dashboard", args=[mandate.slug]))
    assert all(
        any("unreliable" in str(text) or "non fiable" in str(text) for _level, text in row.flags)
        for row in dashboard.context["rows"]
    )

    other = ApplicationFactory(mandate=mandate)
    rate(other, fair, {"cond_tools": 3}, submit=False)  # an open draft elsewhere in the mandate
    data = client.get(summary_url).context["summary"]
    assert data.statistics.visible is False and data.reliability.level == "hidden"
    assert data.reading.level != "favourable" and "reliability_hidden" in data.reading.reasons
    assert all(bias is None for _rater, bias in data.raters)
    dashboard = client.get(reverse("reports:dashboard", args=[mandate.slug]))
    assert dashboard.context["statistics"].visible is False
    assert not any(
        "unreliable" in str(text) or "non fiable" in str(text)
        for row in dashboard.context["rows"]
        for _level, text in row.flags
    )


# --------------------------------------------------------------------------- admin changelists


def admin_queries(client, url):
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200
    return len(context.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    [
        "admin:candidates_application_changelist",
        "admin:assessments_scorecard_changelist",
        "admin:working_sessions_workingsession_changelist",
        "admin:figures_applicationfigures_changelist",
    ],
)
def test_admin_changelists_with_a_mandate_filter_are_constant(client, url_name):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse(url_name)
    client.get(url)
    counts = []
    for _ in range(2):
        for _ in range(5):
            application = ApplicationFactory(mandate=MandateFactory())
            ScorecardFactory(application=application, submitted=True, ratings={"cond_tools": 3})
        counts.append(admin_queries(client, url))
    assert counts[0] == counts[1], counts


def test_framework_changelist_is_constant_in_the_number_of_versions(client):
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:assessments_competencyframework_changelist")
    counts = []
    for _ in range(2):
        for _ in range(3):
            framework_new_version(framework=CompetencyFramework.objects.get(is_active=True))
        counts.append(admin_queries(client, url))
    assert counts[0] == counts[1], counts
    html = client.get(url).content.decode()
    assert len(re.findall(r"<tr[ >]", html)) >= 7


def test_pipeline_card_reads_the_stored_row(client, recruiter):
    mandate = build(1, recruiter=recruiter)
    application = mandate.applications.get()
    client.force_login(recruiter)
    card = [a for c in client.get(mandate.get_absolute_url()).context["columns"] for a in c.applications][0]
    stored = application.figures
    assert (card.card.fit, card.card.gate_passed, card.card.band) == (
        stored.fit,
        stored.gate_passed,
        stored.band,
    )
    assert stored.computed_at <= timezone.now()
