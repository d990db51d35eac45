"""Start kit services: created once on hire, seeded from the evidence (expected values computed
here from the planted inputs), sign-offs voided by an amendment, check-ins, reminders once."""

import hashlib
from datetime import date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from assessments.models import Criterion
from candidates.models import Stage
from onboarding import services
from onboarding.models import CharterSignOff, CheckIn, CheckInReminder, PlanLine, StartKit
from outbox.models import OutboundEmail
from sessions import ipa
from tests.factories import ApplicationFactory, hired_application

from .conftest import (
    CANDIDATE_PUNCTUATION_1,
    CEO_PUNCTUATION_1,
    CEO_RATINGS,
    DECISION_INCIDENT,
    DOMAINS,
    ESCALATION_INCIDENT,
    LISTENING_INCIDENT,
    NO_EXPERIENCE,
    RECRUITER_RATINGS,
    SAME_PUNCTUATION_2,
    SEALED_INCIDENT,
)

pytestmark = pytest.mark.django_db


def _expected_weakest():
    """The three lowest criterion scores (mean of the two raters' values), ties in framework order."""
    order = dict(Criterion.objects.filter(framework__is_active=True).values_list("code", "order"))
    means = {code: (RECRUITER_RATINGS[code] + CEO_RATINGS[code]) / 2 for code in RECRUITER_RATINGS}
    ranked = sorted(means, key=lambda code: (means[code], order[code], code))
    return [(code, means[code]) for code in ranked[:3]]


def test_a_hire_creates_one_kit_seeded_from_the_evidence(evidence):
    world = evidence.world
    application = hired_application(world.application, by=world.recruiter)

    kit = StartKit.objects.get(application=application)
    # Dated from the accepted offer's start date (tests.factories.offer_terms: 1 March 2027).
    assert (kit.start_date, kit.start_date_source) == (date(2027, 3, 1), "offer")
    inventory = list(kit.plan_lines.filter(kind="inventory").order_by("order"))
    assert [line.reference for line in inventory] == DOMAINS
    assert {line.due_on for line in inventory} == {kit.start_date + timedelta(days=30)}
    criteria = list(kit.plan_lines.filter(source="criterion").order_by("order"))
    expected = _expected_weakest()
    assert [(line.reference, line.evidence["score"]) for line in criteria] == expected
    assert expected[0] == ("bp_modelling", 2.5)  # the planted weakest
    # written in the kit's language, French here: a decimal comma (was "2.5")
    assert criteria[0].current_state == "Note de 2,5 / 5 à l’évaluation."
    assert (
        list(kit.plan_lines.filter(source="no_experience").values_list("reference", flat=True))
        == NO_EXPERIENCE
    )
    late = list(kit.plan_lines.filter(source="late_role").values_list("reference", "evidence"))
    # entrepreneur first evidenced in session 3 (conductor and posture in 1, business partner in 2)
    assert late == [("entrepreneur", {"first_session": 3})]

    charter = kit.charter
    assert DECISION_INCIDENT in charter.decision_rights
    assert "Interprétation à ne pas citer." not in charter.decision_rights + charter.disagreement
    assert ESCALATION_INCIDENT in charter.disagreement
    assert LISTENING_INCIDENT not in charter.decision_rights + charter.disagreement + charter.cadence
    # session 3 is still sealed for the CEO (no debrief of theirs): nothing of it is quoted
    assert SEALED_INCIDENT not in charter.decision_rights + charter.disagreement + charter.cadence
    assert CEO_PUNCTUATION_1 in charter.disagreement and CANDIDATE_PUNCTUATION_1 in charter.disagreement
    assert SAME_PUNCTUATION_2 not in charter.disagreement  # the same account: no mismatch
    # shared decision: the CEO rated it 1 above the mediator, the candidate 1 below (split 2)
    shared = ipa.DIMENSIONS_BY_CODE["shared_decision"].label_fr
    assert shared in charter.cadence and "+1,0" in charter.cadence and "-1,0" in charter.cadence
    others = [d.label_fr for d in ipa.DIMENSIONS if d.code != "shared_decision"]
    assert not any(label in charter.cadence for label in others)


def test_one_kit_per_application_whatever_the_calls(evidence):
    world = evidence.world
    application = hired_application(world.application, by=world.recruiter)
    kit = StartKit.objects.get(application=application)
    lines = kit.plan_lines.count()

    assert services.kit_create(application=application) == kit
    assert StartKit.objects.filter(application=application).count() == 1
    assert PlanLine.objects.filter(kit=kit).count() == lines
    with pytest.raises(IntegrityError), transaction.atomic():
        StartKit.objects.create(application=application, start_date=kit.start_date, language="fr")


def test_no_kit_before_hired(world):
    assert not StartKit.objects.exists()
    application = ApplicationFactory(mandate=world.mandate, stage=Stage.OFFER)
    assert not StartKit.objects.filter(application=application).exists()


@pytest.fixture
def kit(world):
    return StartKit.objects.get(application=hired_application(world.application, by=world.recruiter))


def _expected_sha(charter):
    parts = [
        f"[{name}]\n{getattr(charter, name).strip()}"
        for name in ("decision_rights", "disagreement", "cadence")
    ]
    return hashlib.sha256("\n\n".join(parts).encode()).hexdigest()


def test_sign_offs_record_who_when_and_the_text_and_an_amendment_voids_them(world, kit):
    sha = _expected_sha(kit.charter)
    ceo = services.charter_sign(
        kit=kit, party="ceo", shown_sha256=sha, signer_name="Isabelle Fontaine", by=world.ceo
    )
    cso = services.charter_sign(kit=kit, party="cso", shown_sha256=sha, signer_name="Claire Testeuse")
    assert (ceo.text_sha256, ceo.version, ceo.signer_id) == (sha, 1, world.ceo.pk)
    assert (cso.text_sha256, cso.signer_name) == (sha, "Claire Testeuse")
    assert services.charter_sign(kit=kit, party="cso", shown_sha256=sha, signer_name="x") == cso  # once

    charter = services.charter_amend(
        kit=kit,
        by_name="Claire Testeuse",
        decision_rights="Nous décidons ensemble.",
        disagreement=kit.charter.disagreement,
        cadence=kit.charter.cadence,
        seen_version=1,
    )
    assert charter.version == 2
    assert not CharterSignOff.objects.filter(voided_at__isnull=True).exists()
    assert CharterSignOff.objects.filter(voided_at=charter.amended_at).count() == 2
    with pytest.raises(ValidationError) as caught:
        services.charter_sign(kit=kit, party="ceo", shown_sha256=sha, signer_name="I. F.", by=world.ceo)
    assert caught.value.code == "changed"
    new = services.charter_sign(
        kit=kit, party="ceo", shown_sha256=_expected_sha(charter), signer_name="I. F.", by=world.ceo
    )
    assert new.version == 2 and new.text_sha256 != sha


def test_an_unchanged_text_voids_nothing_and_a_stale_form_saves_nothing(world, kit):
    sha = _expected_sha(kit.charter)
    services.charter_sign(kit=kit, party="ceo", shown_sha256=sha, signer_name="I. F.", by=world.ceo)
    charter = kit.charter
    same = services.charter_amend(
        kit=kit, by_name="x", decision_rights=charter.decision_rights + "  \r\n", disagreement=charter.disagreement,
        cadence=charter.cadence, seen_version=1,
    )  # fmt: skip
    assert same.version == 1 and CharterSignOff.objects.filter(voided_at__isnull=True).count() == 1
    with pytest.raises(ValidationError) as caught:
        services.charter_amend(
            kit=kit, by_name="x", decision_rights="A", disagreement="B", cadence="C", seen_version=0
        )
    assert caught.value.code == "changed"


def test_only_the_ceo_signs_for_the_ceo(world, kit):
    with pytest.raises(ValidationError) as caught:
        services.charter_sign(
            kit=kit, party="ceo", shown_sha256=_expected_sha(kit.charter), signer_name="R", by=world.recruiter
        )
    assert caught.value.code == "not_ceo"


def test_check_ins_open_a_week_before_and_are_given_once(world, kit):
    all4 = dict.fromkeys(ipa.DIMENSION_CODES, 4)
    start = kit.start_date
    noon = timezone.make_aware(datetime.combine(start, time(12, 0)))
    too_early = noon + timedelta(days=22)
    with pytest.raises(ValidationError) as caught:
        services.check_in_submit(kit=kit, milestone=30, party="cso", ratings=all4, now=too_early)
    assert caught.value.code == "not_open"
    when = noon + timedelta(days=24)
    assert timezone.localdate(when) >= start + timedelta(days=23)
    services.check_in_submit(kit=kit, milestone=30, party="cso", ratings=all4, now=when)
    with pytest.raises(ValidationError) as caught:
        services.check_in_submit(kit=kit, milestone=30, party="cso", ratings=all4, now=when)
    assert caught.value.code == "duplicate"
    with pytest.raises(ValidationError):
        services.check_in_submit(
            kit=kit, milestone=30, party="ceo", ratings={"listening": 4}, by=world.ceo, now=when
        )
    with pytest.raises(ValidationError) as caught:
        services.check_in_submit(
            kit=kit, milestone=30, party="ceo", ratings=all4, by=world.recruiter, now=when
        )
    assert caught.value.code == "not_ceo"


def test_reminders_go_once_to_each_party_of_each_due_check_in(world, kit):
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=91))
    kit.refresh_from_db()
    services.check_in_submit(
        kit=kit, milestone=30, party="ceo", ratings=dict.fromkeys(ipa.DIMENSION_CODES, 3), by=world.ceo
    )

    assert services.check_in_reminders_send() == 3
    assert services.check_in_reminders_send() == 0
    assert set(CheckInReminder.objects.values_list("milestone", "party")) == {
        (30, "cso"),
        (90, "ceo"),
        (90, "cso"),
    }
    mails = OutboundEmail.objects.filter(key__startswith="check-in:")
    assert sorted(mails.values_list("to", flat=True)) == sorted(
        [world.candidate.email, world.candidate.email, world.ceo.email]
    )
    cso_mail = mails.filter(key=f"check-in:{kit.pk}:30:cso").get()
    token = cso_mail.body.split("/start-kit/")[1].split("/")[0]
    assert services.kit_check(token) == kit


def test_nothing_is_reminded_before_the_day(world, kit):
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=29))
    assert services.check_in_reminders_send() == 0
    assert services.check_in_reminders_send(now=timezone.now() + timedelta(days=1)) == 2


def test_the_start_date_moves_the_plan_dates(kit):
    lines = dict(kit.plan_lines.values_list("pk", "due_on"))
    services.kit_start_date_set(kit=kit, start_date=kit.start_date + timedelta(days=10), source="manual")
    kit.refresh_from_db()
    assert kit.start_date_source == "manual"
    assert dict(kit.plan_lines.values_list("pk", "due_on")) == {
        pk: (due + timedelta(days=10) if due else None) for pk, due in lines.items()
    }


def test_the_link_opens_only_its_kit(world, kit):
    from django.core import signing

    from cso_recruit import links

    token = services.kit_token(kit)
    assert services.kit_check(token) == kit
    for bad in (
        token[:-2] + ("aa" if token[-2:] != "aa" else "bb"),
        signing.dumps({"n": kit.nonce}, salt="working_sessions.notice", compress=True),
        signing.dumps({"n": "no-such-kit"}, salt=services.KIT_SALT, compress=True),
    ):
        with pytest.raises(links.LinkError) as caught:
            services.kit_check(bad)
        assert caught.value.reason == "bad"


def test_check_in_rows_hold_their_ratings(world, kit):
    services.kit_start_date_set(kit=kit, start_date=timezone.localdate() - timedelta(days=30))
    values = {code: (index % 5) + 1 for index, code in enumerate(ipa.DIMENSION_CODES)}
    services.check_in_submit(
        kit=kit, milestone=30, party="ceo", ratings=values, by=world.ceo, comment=" Bien. "
    )
    row = CheckIn.objects.get()
    assert (row.ratings, row.comment, row.submitted_by) == (values, "Bien.", world.ceo)


def test_bounds_on_the_charter_and_the_start_date(world, kit):
    from datetime import date as _date

    with pytest.raises(ValidationError) as caught:
        services.charter_amend(
            kit=kit,
            by_name="R",
            decision_rights="x" * (services.CHARTER_SECTION_MAX + 1),
            disagreement="a",
            cadence="b",
        )
    assert set(caught.value.message_dict) == {"decision_rights"}
    for far in (_date(9999, 12, 31), _date(1, 1, 1), timezone.localdate() + timedelta(days=3 * 366 + 1)):
        with pytest.raises(ValidationError) as caught:
            services.kit_start_date_set(kit=kit, start_date=far)
        assert set(caught.value.message_dict) == {"start_date"}
    kit.refresh_from_db()
    assert kit.start_date == _date(2027, 3, 1)
    # "From the offer" only for the accepted offer's own date.
    services.kit_start_date_set(kit=kit, start_date=_date(2027, 4, 1), source="offer")
    kit.refresh_from_db()
    assert (kit.start_date, kit.start_date_source) == (_date(2027, 4, 1), "manual")
