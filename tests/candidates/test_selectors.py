"""Tests of ``candidates.selectors``: access-filtered reads with their joins done (query counts)."""

import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from candidates import selectors, services
from candidates.models import RejectionReason, Stage
from tests.factories import ApplicationFactory, CandidateFactory, MandateFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_pipeline_board_is_nine_queries_with_candidates_joined(mandate, recruiter, django_assert_num_queries):
    for i, stage in enumerate(Stage):
        ApplicationFactory(
            mandate=mandate,
            stage=stage,
            stage_entered_at=timezone.now() - datetime.timedelta(days=i),
            rejection_reason=RejectionReason.OTHER if stage == Stage.REJECTED else "",
        )
    with django_assert_num_queries(9):  # the counts, then the first cards of each of the eight columns
        columns, closed = selectors.pipeline_board(mandate=mandate, user=recruiter)
        names = [a.candidate.full_name for c in columns for a in c.applications] + [
            a.candidate.full_name for a in closed.applications
        ]
    assert len(names) == len(Stage)
    assert [c.stage for c in columns] == [
        Stage.SOURCED,
        Stage.SCREENING,
        Stage.ASSESSMENT,
        Stage.WORKING_SESSIONS,
        Stage.DECISION,
        Stage.OFFER,
        Stage.HIRED,
    ]
    assert [c.count for c in columns] == [1] * 7
    # Closed: the most recently closed first (withdrawn 8 days ago, rejected 7 days ago).
    assert [a.stage for a in closed.applications] == [Stage.REJECTED, Stage.WITHDRAWN]
    assert closed.count == 2
    assert {a.stage: a.days_in_stage for c in columns for a in c.applications} == {
        s: i for i, s in enumerate(Stage) if s not in (Stage.REJECTED, Stage.WITHDRAWN)
    }


def test_pipeline_board_is_empty_for_someone_outside_the_mandate(mandate):
    ApplicationFactory(mandate=mandate)
    columns, closed = selectors.pipeline_board(mandate=mandate, user=UserFactory(groups=["recruiter"]))
    assert sum(c.count for c in columns) == 0 and closed.count == 0 and closed.applications == []


def test_each_column_shows_its_count_and_its_first_cards_only(mandate, recruiter, django_assert_num_queries):
    now = timezone.now()
    for i in range(7):
        ApplicationFactory(
            mandate=mandate, stage=Stage.SCREENING, stage_entered_at=now - datetime.timedelta(days=i)
        )
    for i in range(3):
        ApplicationFactory(
            mandate=mandate,
            stage=Stage.REJECTED,
            rejection_reason=RejectionReason.OTHER,
            stage_entered_at=now - datetime.timedelta(days=10 + i),
        )
    with django_assert_num_queries(9):
        columns, closed = selectors.pipeline_board(mandate=mandate, user=recruiter, per_column=5)
    screening = next(c for c in columns if c.stage == Stage.SCREENING)
    assert (screening.count, len(screening.applications), screening.more) == (7, 5, 2)
    days = [(now - a.stage_entered_at).days for a in screening.applications]
    assert days == [6, 5, 4, 3, 2]  # longest in stage first
    assert (closed.count, len(closed.applications), closed.more) == (3, 3, 0)
    assert [(now - a.stage_entered_at).days for a in closed.applications] == [10, 11, 12]  # latest first


def test_column_applications_lists_a_whole_column_or_refuses_an_unknown_one(mandate, recruiter):
    for _ in range(3):
        ApplicationFactory(mandate=mandate, stage=Stage.OFFER)
    ApplicationFactory(mandate=mandate, stage=Stage.WITHDRAWN)
    assert selectors.column_applications(mandate=mandate, user=recruiter, column="offer").count() == 3
    assert selectors.column_applications(mandate=mandate, user=recruiter, column="closed").count() == 1
    for column in ("rejected", "nonsense"):
        with pytest.raises(ValueError):
            selectors.column_applications(mandate=mandate, user=recruiter, column=column)


def test_mandate_list_counts_open_and_total_applications(mandate, recruiter):
    for stage in (Stage.SOURCED, Stage.ASSESSMENT, Stage.HIRED, Stage.WITHDRAWN):
        ApplicationFactory(mandate=mandate, stage=stage)
    ApplicationFactory(mandate=mandate, stage=Stage.REJECTED, rejection_reason=RejectionReason.POSTURE)
    MandateFactory()  # not a member
    (row,) = selectors.mandate_list(recruiter)
    assert (row, row.open_applications, row.total_applications) == (mandate, 2, 5)


def test_export_applications_are_in_name_order_and_in_scope(mandate, recruiter):
    for last, first in [("Zola", "Émile"), ("Abadie", "Léa"), ("Abadie", "Anne")]:
        ApplicationFactory(mandate=mandate, candidate=CandidateFactory(last_name=last, first_name=first))
    ApplicationFactory(candidate=CandidateFactory(last_name="Ailleurs"))
    names = [
        (a.candidate.last_name, a.candidate.first_name)
        for a in selectors.export_applications(mandate=mandate, user=recruiter)
    ]
    assert names == [("Abadie", "Anne"), ("Abadie", "Léa"), ("Zola", "Émile")]
    assert list(selectors.export_applications(mandate=mandate, user=mandate.ceo)) != []
    assert list(selectors.export_applications(mandate=mandate, user=UserFactory())) == []


def test_application_detail_prefetches_its_history(mandate, recruiter, django_assert_num_queries):
    application = ApplicationFactory(mandate=mandate)
    for stage in (Stage.SCREENING, Stage.ASSESSMENT, Stage.SCREENING):
        application = services.application_move(
            application=application, to_stage=stage, by=UserFactory(groups=["recruiter"])
        )
    with django_assert_num_queries(2):
        found = selectors.application_detail(pk=application.pk, user=recruiter)
        history = [(t.to_stage, t.by.username if t.by else None) for t in found.transitions.all()]
        header = (found.candidate.full_name, found.mandate.company.name, found.mandate.ceo.username)
    assert [stage for stage, _by in history] == ["screening", "assessment", "screening"]
    assert all(by for _stage, by in history)
    assert header[0] == application.candidate.full_name


def test_application_detail_is_404_out_of_scope(mandate):
    application = ApplicationFactory(mandate=mandate)
    with pytest.raises(Http404):
        selectors.application_detail(pk=application.pk, user=UserFactory(groups=["recruiter"]))


def test_candidate_applications_only_in_scope(mandate, recruiter):
    candidate = CandidateFactory()
    mine = ApplicationFactory(mandate=mandate, candidate=candidate)
    ApplicationFactory(candidate=candidate)
    assert list(selectors.candidate_applications(candidate=candidate, user=recruiter)) == [mine]
