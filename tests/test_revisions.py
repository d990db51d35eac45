"""The one revision mechanism (``cso_recruit.revisions``): the transitions table, the shared
constraints named per table, and the same rule of what counts, for scorecards and observations."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from assessments.models import Scorecard
from cso_recruit import revisions
from cso_recruit.revisions import SubmissionStatus as S
from sessions.models import Observation
from tests.factories import ScorecardFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = [Scorecard, Observation]


def test_the_transitions_table():
    assert revisions.TRANSITIONS == {
        (S.DRAFT, "edit"): S.DRAFT,
        (S.DRAFT, "submit"): S.SUBMITTED,
        (S.SUBMITTED, "revise"): S.DRAFT,
    }
    assert revisions.allowed("draft", "submit") and revisions.allowed("draft", "edit")
    assert revisions.allowed("submitted", "revise")
    assert not revisions.allowed("submitted", "edit") and not revisions.allowed("submitted", "submit")
    assert not revisions.allowed("draft", "revise")


@pytest.mark.parametrize("model", MODELS)
def test_each_record_carries_the_shared_constraints_under_its_own_names(model):
    names = {c.name for c in model._meta.constraints}
    prefix = f"{model._meta.app_label}_{model._meta.model_name}"
    assert {f"{prefix}_revision_has_reason", f"{prefix}_submitted_has_date"} <= names


@pytest.mark.parametrize("model", MODELS)
def test_the_database_holds_the_shared_constraints_under_those_names(model):
    if connection.vendor != "postgresql":
        pytest.skip("constraint names are read from PostgreSQL's catalogue")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass", [model._meta.db_table]
        )
        found = {row[0] for row in cursor.fetchall()}
    prefix = f"{model._meta.app_label}_{model._meta.model_name}"
    assert {f"{prefix}_revision_has_reason", f"{prefix}_submitted_has_date"} <= found


def test_the_counted_rule_is_the_same_for_both_records():
    assert str(Scorecard.counted_q()) == str(Observation.counted_q())
    assert str(Scorecard.counted_q()) == str(revisions.RevisionedRecord.counted_q())


def test_revise_check_refuses_without_writing(application_with_submitted_scorecard):
    scorecard, rater, other = application_with_submitted_scorecard
    messages = {"not_owner": "owner", "not_submitted": "submitted", "reason": "why"}
    with pytest.raises(ValidationError) as excinfo:
        revisions.revise_check(scorecard, by=other, reason="x", messages=messages)
    assert excinfo.value.messages == ["owner"]
    with pytest.raises(ValidationError) as excinfo:
        revisions.revise_check(scorecard, by=rater, reason="  ", messages=messages)
    assert excinfo.value.message_dict == {"reason": ["why"]}
    assert (
        revisions.revise_check(scorecard, by=rater, reason="  new evidence ", messages=messages)
        == "new evidence"
    )
    scorecard.refresh_from_db()
    assert scorecard.is_current and scorecard.revision == 1
    assert Scorecard.objects.filter(application=scorecard.application).count() == 1


def test_a_second_revision_row_without_reason_is_refused_by_the_database(
    application_with_submitted_scorecard,
):
    scorecard, _rater, _other = application_with_submitted_scorecard
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.filter(pk=scorecard.pk).update(revision=2, revision_reason="")


@pytest.fixture
def application_with_submitted_scorecard():
    scorecard = ScorecardFactory(submitted=True)
    return scorecard, scorecard.rater, UserFactory()
