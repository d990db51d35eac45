"""Tests of ``assessments.services``: starting, saving, submitting and revising scorecards (draft →
submitted and immutable → revision with a reason, history kept), who may write them, the one-current
constraint, and frozen framework versions (``framework_check_editable`` / ``framework_new_version``)."""

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation

from assessments import services
from assessments.models import CompetencyFramework, Criterion, Rating, Scorecard
from tests.factories import ApplicationFactory, UserFactory

from .helpers import CODES, criterion_ids, rate, values_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids), whatever catalogue is compiled."""
    with translation.override("en"):
        yield


@pytest.fixture
def application(mandate):
    return ApplicationFactory(mandate=mandate)


@pytest.fixture
def ceo(mandate):
    return mandate.ceo


def error_codes(exc_info):
    return {e.code for e in exc_info.value.error_list} if hasattr(exc_info.value, "error_list") else set()


def ratings_snapshot(scorecard):
    return sorted(
        Rating.objects.filter(scorecard=scorecard).values_list("criterion__code", "value", "evidence")
    )


# --------------------------------------------------------------------------- scorecard_start


def test_start_creates_a_draft_with_one_ne_rating_per_criterion(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)

    assert (card.status, card.revision, card.is_current, card.supersedes) == (
        Scorecard.Status.DRAFT,
        1,
        True,
        None,
    )
    assert card.framework == services.framework_active()
    assert (card.context, card.session_number) == (Scorecard.Context.SCREENING, 0)
    ratings = list(card.ratings.select_related("criterion"))
    assert len(ratings) == 16
    assert sorted(r.criterion.code for r in ratings) == sorted(CODES)
    assert all(r.value is None and r.evidence == "" for r in ratings)
    assert {r.criterion.framework_id for r in ratings} == {card.framework_id}


def test_start_twice_returns_the_same_draft(application, recruiter):
    first = services.scorecard_start(application=application, rater=recruiter)
    second = services.scorecard_start(application=application, rater=recruiter)

    assert second.pk == first.pk
    assert Scorecard.objects.count() == 1
    assert Rating.objects.count() == 16


def test_start_returns_the_submitted_scorecard_rather_than_a_second_one(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 4})

    again = services.scorecard_start(application=application, rater=recruiter)

    assert again.pk == card.pk and again.is_submitted
    assert Scorecard.objects.count() == 1


def test_each_rater_context_and_session_has_its_own_scorecard(application, recruiter, ceo):
    screening = services.scorecard_start(application=application, rater=recruiter)
    other_rater = services.scorecard_start(application=application, rater=ceo)
    reference = services.scorecard_start(
        application=application, rater=recruiter, context=Scorecard.Context.REFERENCE, session_number=3
    )
    session_1 = services.scorecard_start(
        application=application, rater=recruiter, context=Scorecard.Context.WORKING_SESSION, session_number=1
    )
    session_2 = services.scorecard_start(
        application=application, rater=recruiter, context=Scorecard.Context.WORKING_SESSION, session_number=2
    )

    assert len({screening.pk, other_rater.pk, reference.pk, session_1.pk, session_2.pk}) == 5
    assert reference.session_number == 0  # only a working session has a number
    assert (session_1.session_number, session_2.session_number) == (1, 2)


@pytest.mark.parametrize("number", [0, 5])
def test_start_a_working_session_needs_a_number_from_1_to_4(application, recruiter, number):
    with pytest.raises(ValidationError):
        services.scorecard_start(
            application=application,
            rater=recruiter,
            context=Scorecard.Context.WORKING_SESSION,
            session_number=number,
        )
    assert not Scorecard.objects.exists() and not Rating.objects.exists()


# --------------------------------------------------------------------------- scorecard_save


def test_save_stores_values_evidence_recommendation_and_keeps_the_draft(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)
    ids = criterion_ids()

    services.scorecard_save(
        scorecard=card,
        by=recruiter,
        recommendation=Scorecard.Recommendation.STRONG_YES,
        summary="Très bon entretien.",
        ratings={
            ids["cond_tools"]: (5, "  Outil de pilotage mis en place en 2023.  "),
            ids["bp_modelling"]: (2, ""),
            ids["ent_new_offers"]: (None, "rien vu"),
        },
    )

    card.refresh_from_db()
    assert card.status == Scorecard.Status.DRAFT and card.submitted_at is None
    assert (card.recommendation, card.summary) == (Scorecard.Recommendation.STRONG_YES, "Très bon entretien.")
    values = values_of(card)
    assert (values["cond_tools"], values["bp_modelling"], values["ent_new_offers"]) == (5, 2, None)
    assert sum(v is not None for v in values.values()) == 2
    evidence = dict(card.ratings.values_list("criterion__code", "evidence"))
    assert evidence["cond_tools"] == "Outil de pilotage mis en place en 2023."  # stripped


def test_save_again_overwrites_the_draft(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 2}, submit=False)
    ids = criterion_ids()

    services.scorecard_save(
        scorecard=card,
        by=recruiter,
        recommendation=Scorecard.Recommendation.NO,
        ratings={ids["cond_tools"]: (None, "")},
    )

    assert values_of(card)["cond_tools"] is None
    assert Scorecard.objects.get(pk=card.pk).recommendation == Scorecard.Recommendation.NO


def test_save_refuses_a_value_outside_1_to_5_and_changes_nothing(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 3}, submit=False)
    before = ratings_snapshot(card)
    ids = criterion_ids()

    with pytest.raises(ValidationError):
        services.scorecard_save(
            scorecard=card,
            by=recruiter,
            recommendation=Scorecard.Recommendation.YES,
            ratings={ids["cond_resources"]: (4, "ok"), ids["cond_tools"]: (6, "trop")},
        )

    assert ratings_snapshot(card) == before


def test_save_refuses_a_criterion_of_another_framework(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)
    v2 = services.framework_new_version(framework=card.framework)
    foreign = v2.criteria.get(code="cond_tools")

    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_save(
            scorecard=card,
            by=recruiter,
            recommendation=Scorecard.Recommendation.YES,
            ratings={foreign.pk: (3, "")},
        )
    assert error_codes(exc_info) == {"criterion"}


def test_save_refuses_an_unknown_recommendation(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)
    with pytest.raises(ValidationError):
        services.scorecard_save(scorecard=card, by=recruiter, recommendation="maybe", ratings={})
    assert Scorecard.objects.get(pk=card.pk).recommendation == Scorecard.Recommendation.NO_DECISION


# --------------------------------------------------------------------------- scorecard_submit


def test_submit_makes_the_scorecard_submitted_with_a_date(application, recruiter):
    card = rate(
        application, recruiter, {"cond_tools": 5, "bp_modelling": 1, "ent_new_offers": 3}, submit=False
    )

    services.scorecard_submit(scorecard=card, by=recruiter)

    card.refresh_from_db()
    assert card.status == Scorecard.Status.SUBMITTED and card.is_submitted
    assert card.submitted_at is not None
    assert values_of(card)["cond_tools"] == 5


def test_submit_refuses_1_and_5_without_evidence_and_lists_each_problem(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)
    ids = criterion_ids()
    services.scorecard_save(
        scorecard=card,
        by=recruiter,
        recommendation=Scorecard.Recommendation.YES,
        ratings={
            ids["cond_tools"]: (1, ""),
            ids["bp_modelling"]: (5, "   "),
            ids["post_innovation"]: (5, ""),
            ids["ent_new_offers"]: (3, ""),
            ids["ent_change_innovation"]: (5, "Offre lancée, +12 % de CA."),
        },
    )

    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_submit(scorecard=card, by=recruiter)

    messages = exc_info.value.messages
    assert len(messages) == 3
    labels = {
        code: Criterion.objects.get(framework=card.framework, code=code).label_en
        for code in ("cond_tools", "bp_modelling", "post_innovation")
    }
    for code, value in (("cond_tools", 1), ("bp_modelling", 5), ("post_innovation", 5)):
        assert sum(labels[code] in m and f"rating of {value}" in m for m in messages) == 1, (code, messages)
    assert not any("Offre" in m for m in messages)
    assert Scorecard.objects.get(pk=card.pk).status == Scorecard.Status.DRAFT
    assert set(services.scorecard_problems(card)) == {
        ids["cond_tools"],
        ids["bp_modelling"],
        ids["post_innovation"],
    }


def test_submit_refuses_a_scorecard_with_every_criterion_ne(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)

    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_submit(scorecard=card, by=recruiter)

    assert exc_info.value.messages == ["Rate at least one criterion (NE everywhere says nothing)."]
    assert set(services.scorecard_problems(card)) == {None}
    assert Scorecard.objects.get(pk=card.pk).status == Scorecard.Status.DRAFT


def test_2_3_4_need_no_evidence(application, recruiter):
    card = rate(
        application,
        recruiter,
        {"cond_tools": 2, "bp_modelling": 3, "ent_new_offers": 4},
        evidence=False,
        submit=False,
    )
    assert services.scorecard_problems(card) == {}
    services.scorecard_submit(scorecard=card, by=recruiter)
    assert Scorecard.objects.get(pk=card.pk).is_submitted


# --------------------------------------------------------------------------- immutability


def test_a_submitted_scorecard_cannot_be_saved_or_submitted_again(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 4, "bp_modelling": 5})
    before = ratings_snapshot(card)
    submitted_at = card.submitted_at
    ids = criterion_ids()

    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_save(
            scorecard=card,
            by=recruiter,
            recommendation=Scorecard.Recommendation.NO,
            ratings={ids["cond_tools"]: (1, "changed my mind")},
        )
    assert error_codes(exc_info) == {"immutable"}
    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_submit(scorecard=card, by=recruiter)
    assert error_codes(exc_info) == {"immutable"}

    card.refresh_from_db()
    assert ratings_snapshot(card) == before
    assert card.submitted_at == submitted_at
    assert card.recommendation == Scorecard.Recommendation.YES


# --------------------------------------------------------------------------- scorecard_revise


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_revise_needs_a_reason(application, recruiter, reason):
    card = rate(application, recruiter, {"cond_tools": 4})

    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_revise(scorecard=card, by=recruiter, reason=reason)

    assert "reason" in exc_info.value.message_dict
    assert Scorecard.objects.count() == 1
    card.refresh_from_db()
    assert card.is_current


def test_revise_keeps_the_old_revision_and_opens_a_copy_as_draft(application, recruiter):
    card = rate(
        application,
        recruiter,
        {"cond_tools": 5, "bp_modelling": 2, "ent_new_offers": 1},
        recommendation=Scorecard.Recommendation.STRONG_YES,
    )
    before = ratings_snapshot(card)
    submitted_at, updated_at = card.submitted_at, card.updated_at

    revision = services.scorecard_revise(
        scorecard=card, by=recruiter, reason="  Discussion du panel du 12/03.  "
    )

    card.refresh_from_db()
    assert (card.is_current, card.status, card.revision) == (False, Scorecard.Status.SUBMITTED, 1)
    assert (card.submitted_at, card.updated_at) == (submitted_at, updated_at)
    assert ratings_snapshot(card) == before

    revision.refresh_from_db()
    assert (revision.revision, revision.status, revision.is_current) == (2, Scorecard.Status.DRAFT, True)
    assert revision.supersedes == card and card.superseded_by == revision
    assert revision.revision_reason == "Discussion du panel du 12/03."
    assert revision.submitted_at is None
    assert (revision.application, revision.rater, revision.framework, revision.context) == (
        card.application,
        card.rater,
        card.framework,
        card.context,
    )
    assert revision.recommendation == Scorecard.Recommendation.STRONG_YES
    assert ratings_snapshot(revision) == before
    assert set(Rating.objects.filter(scorecard=revision).values_list("pk", flat=True)).isdisjoint(
        Rating.objects.filter(scorecard=card).values_list("pk", flat=True)
    )


def test_the_revision_is_edited_without_touching_the_old_one(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 5})
    before = ratings_snapshot(card)
    revision = services.scorecard_revise(scorecard=card, by=recruiter, reason="Nouvelle preuve.")
    ids = criterion_ids()

    services.scorecard_save(
        scorecard=revision,
        by=recruiter,
        recommendation=Scorecard.Recommendation.NO,
        ratings={ids["cond_tools"]: (3, "")},
    )
    services.scorecard_submit(scorecard=revision, by=recruiter)

    assert ratings_snapshot(card) == before
    assert values_of(revision)["cond_tools"] == 3
    assert Scorecard.objects.get(pk=revision.pk).is_submitted
    third = services.scorecard_revise(scorecard=revision, by=recruiter, reason="Encore.")
    assert (third.revision, third.supersedes_id) == (3, revision.pk)
    assert list(Scorecard.objects.filter(is_current=True).values_list("pk", flat=True)) == [third.pk]
    assert Scorecard.objects.count() == 3


def test_only_the_current_submitted_scorecard_can_be_revised(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 4})
    draft = services.scorecard_revise(scorecard=card, by=recruiter, reason="Premier motif.")

    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_revise(scorecard=card, by=recruiter, reason="L'ancienne.")
    assert error_codes(exc_info) == {"not_submitted"}
    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_revise(scorecard=draft, by=recruiter, reason="Le brouillon.")
    assert error_codes(exc_info) == {"not_submitted"}
    assert Scorecard.objects.count() == 2


def test_the_old_revision_stays_immutable(application, recruiter):
    card = rate(application, recruiter, {"cond_tools": 4})
    services.scorecard_revise(scorecard=card, by=recruiter, reason="Motif.")
    with pytest.raises(ValidationError):
        services.scorecard_save(
            scorecard=card,
            by=recruiter,
            recommendation=Scorecard.Recommendation.NO,
            ratings={criterion_ids()["cond_tools"]: (2, "")},
        )
    assert values_of(card)["cond_tools"] == 4


# --------------------------------------------------------------------------- only the rater writes


def test_only_the_rater_may_save_submit_or_revise(application, recruiter, ceo):
    other = UserFactory(groups=["recruiter"])
    application.mandate.recruiters.add(other)
    ids = criterion_ids()
    draft = rate(application, recruiter, {"cond_tools": 4}, submit=False)
    before = ratings_snapshot(draft)

    for intruder in (ceo, other):
        with pytest.raises(ValidationError) as exc_info:
            services.scorecard_save(
                scorecard=draft,
                by=intruder,
                recommendation=Scorecard.Recommendation.NO,
                ratings={ids["cond_tools"]: (1, "pas moi")},
            )
        assert error_codes(exc_info) == {"not_rater"}
        with pytest.raises(ValidationError) as exc_info:
            services.scorecard_submit(scorecard=draft, by=intruder)
        assert error_codes(exc_info) == {"not_rater"}
    draft.refresh_from_db()
    assert draft.status == Scorecard.Status.DRAFT
    assert ratings_snapshot(draft) == before

    services.scorecard_submit(scorecard=draft, by=recruiter)
    with pytest.raises(ValidationError) as exc_info:
        services.scorecard_revise(scorecard=draft, by=ceo, reason="Je voudrais changer.")
    assert error_codes(exc_info) == {"not_rater"}
    assert Scorecard.objects.count() == 1


# --------------------------------------------------------------------------- database constraints


def test_one_current_scorecard_per_application_rater_context_and_session(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)
    fields = {
        "application": application,
        "rater": recruiter,
        "framework": card.framework,
        "context": Scorecard.Context.SCREENING,
        "session_number": 0,
    }

    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.create(**fields)

    Scorecard.objects.create(**fields, is_current=False)  # history rows are allowed
    Scorecard.objects.create(**{**fields, "context": Scorecard.Context.OTHER})
    Scorecard.objects.create(**{**fields, "context": Scorecard.Context.WORKING_SESSION, "session_number": 1})
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.create(
            **{**fields, "context": Scorecard.Context.WORKING_SESSION, "session_number": 1}
        )
    assert Scorecard.objects.filter(is_current=True).count() == 3


def test_database_refuses_a_revision_without_reason_and_a_submitted_card_without_date(application, recruiter):
    card = services.scorecard_start(application=application, rater=recruiter)
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.filter(pk=card.pk).update(revision=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Scorecard.objects.filter(pk=card.pk).update(status=Scorecard.Status.SUBMITTED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Rating.objects.filter(scorecard=card).update(value=6)


# --------------------------------------------------------------------------- framework versions


def test_an_unused_framework_is_editable_and_a_used_one_is_frozen(application, recruiter):
    framework = services.framework_active()
    assert not framework.is_frozen
    services.framework_check_editable(framework=framework)  # no error

    services.scorecard_start(application=application, rater=recruiter)

    assert framework.is_frozen
    with pytest.raises(ValidationError) as exc_info:
        services.framework_check_editable(framework=framework)
    assert error_codes(exc_info) == {"frozen"}


def test_new_version_copies_the_criteria_and_becomes_the_only_active_one(application, recruiter):
    v1 = services.framework_active()
    v1_criteria_before = sorted(v1.criteria.values_list("pk", flat=True))
    services.scorecard_start(application=application, rater=recruiter)

    v2 = services.framework_new_version(framework=v1)

    v1.refresh_from_db()
    assert (v2.name, v2.version, v2.is_active) == (v1.name, 2, True)
    assert not v1.is_active
    assert list(CompetencyFramework.objects.filter(is_active=True)) == [v2]
    assert services.framework_active() == v2
    fields = (
        "code",
        "group",
        "order",
        "label_fr",
        "label_en",
        "description_fr",
        "description_en",
        "weight",
        "anchor_1_fr",
        "anchor_1_en",
        "anchor_3_fr",
        "anchor_3_en",
        "anchor_5_fr",
        "anchor_5_en",
    )
    assert sorted(v2.criteria.values_list(*fields)) == sorted(v1.criteria.values_list(*fields))
    assert v2.criteria.count() == 16
    assert sorted(v1.criteria.values_list("pk", flat=True)) == v1_criteria_before  # v1 untouched
    assert set(v2.criteria.values_list("pk", flat=True)).isdisjoint(v1_criteria_before)
    assert not v2.is_frozen
    services.framework_check_editable(framework=v2)

    v3 = services.framework_new_version(framework=v2)
    assert v3.version == 3
    assert list(CompetencyFramework.objects.filter(is_active=True)) == [v3]


def test_new_scorecards_use_the_new_version_and_old_ones_keep_theirs(application, recruiter, ceo):
    v1 = services.framework_active()
    old = rate(application, recruiter, {"cond_tools": 4})
    v2 = services.framework_new_version(framework=v1)
    Criterion.objects.filter(framework=v2, code="cond_tools").update(weight=2)  # v2 is editable

    new = services.scorecard_start(application=application, rater=ceo)

    assert new.framework == v2
    assert set(new.ratings.values_list("criterion__framework_id", flat=True)) == {v2.pk}
    old.refresh_from_db()
    assert old.framework == v1
    assert set(old.ratings.values_list("criterion__framework_id", flat=True)) == {v1.pk}
    assert v1.criteria.get(code="cond_tools").weight == 1
    # a revision of an old scorecard stays on its version
    revision = services.scorecard_revise(scorecard=old, by=recruiter, reason="Après discussion.")
    assert revision.framework == v1
    assert set(revision.ratings.values_list("criterion__framework_id", flat=True)) == {v1.pk}
    assert v2.is_frozen and v1.is_frozen


def test_a_criterion_of_a_frozen_version_does_not_validate(application, recruiter):
    v1 = services.framework_active()
    criterion = Criterion(
        framework=v1,
        group="posture",
        code="post_extra",
        label_fr="x",
        label_en="x",
        anchor_1_fr="a",
        anchor_1_en="a",
        anchor_3_fr="a",
        anchor_3_en="a",
        anchor_5_fr="a",
        anchor_5_en="a",
    )
    criterion.full_clean()  # unused: editable

    services.scorecard_start(application=application, rater=recruiter)

    with pytest.raises(ValidationError) as exc_info:
        criterion.full_clean()
    assert [e.code for e in exc_info.value.error_dict[NON_FIELD_ERRORS]] == ["frozen"]
    existing = v1.criteria.get(code="cond_tools")
    existing.weight = 3
    with pytest.raises(ValidationError):
        existing.full_clean()
