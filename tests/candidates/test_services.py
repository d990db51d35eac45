"""Tests of ``candidates.services``: candidate create/update, stage moves and their history, CV
checks by content, the all-or-nothing CSV import (both sample files, exact values) and the export
that imports back."""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from candidates import csv_format, services
from candidates.models import Application, Candidate, RejectionReason, Stage, StageTransition
from tests.conftest import sample_path
from tests.factories import (
    ApplicationFactory,
    CandidateFactory,
    MandateFactory,
    UserFactory,
    accepted_offer,
    record_hire_decision,
)

from .documents import DOCX_MIME, make_docx, make_pdf, make_png, upload
from .samples import EXPECTED, SAMPLE_FILES, all_candidate_values

pytestmark = pytest.mark.django_db

STORED_CV = re.compile(r"^cv/[0-9a-f]{32}\.(pdf|docx)$")


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the msgids), whatever catalogue is compiled."""
    with translation.override("en"):
        yield


def counts():
    return (Candidate.objects.count(), Application.objects.count(), StageTransition.objects.count())


def candidate_data(**overrides):
    data = {
        "first_name": "Zoé",
        "last_name": "Lambert",
        "email": "Zoe.Lambert@Example.org",
        "city": "Grenoble",
        "years_finance": Decimal("2.5"),
        "years_hr": Decimal("3"),
    }
    data.update(overrides)
    return data


# --------------------------------------------------------------------------- candidate_create / update


def test_candidate_create_makes_the_candidate_and_a_sourced_application_with_history(mandate, recruiter):
    application = services.candidate_create(mandate=mandate, data=candidate_data(), by=recruiter)

    candidate = Candidate.objects.get()
    assert (candidate.first_name, candidate.last_name, candidate.city) == ("Zoé", "Lambert", "Grenoble")
    assert candidate.email == "zoe.lambert@example.org"
    assert candidate.years_finance == Decimal("2.5") and candidate.years_legal == 0
    application.refresh_from_db()
    assert (application.candidate, application.mandate, application.stage) == (
        candidate,
        mandate,
        Stage.SOURCED,
    )
    transition = StageTransition.objects.get()
    assert (transition.application, transition.from_stage, transition.to_stage, transition.by) == (
        application,
        "",
        Stage.SOURCED,
        recruiter,
    )
    assert transition.at == application.stage_entered_at


def test_candidate_create_refuses_an_email_used_by_another_candidate_whatever_its_case(mandate, recruiter):
    ApplicationFactory(mandate=mandate, candidate=CandidateFactory(email="zoe.lambert@example.org"))
    before = counts()
    with pytest.raises(ValidationError):
        services.candidate_create(
            mandate=mandate, data=candidate_data(email="ZOE.LAMBERT@example.org"), by=recruiter
        )
    assert counts() == before


def test_candidate_create_refuses_invalid_years_and_saves_nothing(mandate, recruiter):
    with pytest.raises(ValidationError) as exc:
        services.candidate_create(mandate=mandate, data=candidate_data(years_it=Decimal("61")), by=recruiter)
    assert "years_it" in exc.value.message_dict
    assert counts() == (0, 0, 0)


def test_candidate_update_changes_values_and_records_who(mandate, recruiter):
    application = services.candidate_create(mandate=mandate, data=candidate_data(), by=recruiter)
    candidate = application.candidate

    services.candidate_update(
        candidate=candidate, data={"city": "Annecy", "years_it": Decimal("4.5")}, by=recruiter
    )

    candidate.refresh_from_db()
    assert (candidate.city, candidate.years_it, candidate.first_name) == ("Annecy", Decimal("4.5"), "Zoé")
    latest = candidate.history.latest()
    assert (latest.city, latest.history_user) == ("Annecy", recruiter)


def test_candidate_update_with_an_invalid_value_changes_nothing(mandate, recruiter):
    candidate = services.candidate_create(mandate=mandate, data=candidate_data(), by=recruiter).candidate
    with pytest.raises(ValidationError):
        services.candidate_update(
            candidate=candidate, data={"city": "Nice", "email": "not-an-email"}, by=recruiter
        )
    candidate.refresh_from_db()
    assert (candidate.city, candidate.email) == ("Grenoble", "zoe.lambert@example.org")


# --------------------------------------------------------------------------- application_move


def make_application(stage=Stage.SOURCED, **kwargs):
    return ApplicationFactory(stage=stage, rejection_reason=kwargs.pop("rejection_reason", ""), **kwargs)


@pytest.mark.parametrize(
    ("stage", "targets"),
    [
        (Stage.SOURCED, ["screening", "rejected", "withdrawn"]),
        (Stage.SCREENING, ["assessment", "rejected", "withdrawn"]),
        (Stage.ASSESSMENT, ["screening", "working_sessions", "rejected", "withdrawn"]),
        (Stage.WORKING_SESSIONS, ["assessment", "decision", "rejected", "withdrawn"]),
        (Stage.DECISION, ["working_sessions", "offer", "rejected", "withdrawn"]),
        (Stage.OFFER, ["decision", "hired", "rejected", "withdrawn"]),
        (Stage.HIRED, []),
        (Stage.REJECTED, ["sourced", "screening"]),
        (Stage.WITHDRAWN, ["sourced", "screening"]),
    ],
)
def test_allowed_targets_forward_back_close_and_reopen(stage, targets):
    assert services.allowed_targets(stage) == targets


def test_move_forward_records_from_to_by_reason_and_resets_time_in_stage(recruiter):
    application = make_application(stage_entered_at=timezone.now() - datetime.timedelta(days=9))
    before = timezone.now()

    moved = services.application_move(
        application=application, to_stage=Stage.SCREENING, by=recruiter, reason="  Profil équilibré  "
    )

    application.refresh_from_db()
    assert application.stage == Stage.SCREENING == moved.stage
    assert application.stage_entered_at >= before
    transition = application.transitions.get()
    assert (transition.from_stage, transition.to_stage, transition.by, transition.reason) == (
        Stage.SOURCED,
        Stage.SCREENING,
        recruiter,
        "Profil équilibré",
    )
    assert transition.at == application.stage_entered_at


@pytest.mark.parametrize(
    ("stage", "target"),
    [
        (Stage.SOURCED, Stage.OFFER),
        (Stage.SOURCED, Stage.HIRED),
        (Stage.SCREENING, Stage.SCREENING),
        (Stage.HIRED, Stage.REJECTED),
        (Stage.HIRED, Stage.SOURCED),
        (Stage.REJECTED, Stage.OFFER),
        (Stage.SOURCED, "nowhere"),
    ],
)
def test_refused_moves_raise_on_to_stage_and_change_nothing(recruiter, stage, target):
    extra = {"rejection_reason": RejectionReason.OTHER} if stage == Stage.REJECTED else {}
    application = make_application(stage=stage, **extra)
    entered = application.stage_entered_at

    with pytest.raises(ValidationError) as exc:
        services.application_move(application=application, to_stage=target, by=recruiter)

    assert list(exc.value.message_dict) == ["to_stage"]
    assert "cannot move" in exc.value.message_dict["to_stage"][0]
    application.refresh_from_db()
    assert (application.stage, application.stage_entered_at) == (stage, entered)
    assert not StageTransition.objects.exists()


@pytest.mark.parametrize(
    ("code", "reason", "missing"),
    [
        ("", "", {"rejection_reason", "reason"}),
        (RejectionReason.TOO_SPECIALISED, "", {"reason"}),
        (RejectionReason.TOO_SPECIALISED, "   ", {"reason"}),
        ("", "Trop centré sur la finance", {"rejection_reason"}),
    ],
)
def test_reject_needs_a_reason_code_and_a_written_reason(recruiter, code, reason, missing):
    application = make_application(stage=Stage.SCREENING)
    with pytest.raises(ValidationError) as exc:
        services.application_move(
            application=application,
            to_stage=Stage.REJECTED,
            by=recruiter,
            reason=reason,
            rejection_reason=code,
        )
    assert set(exc.value.message_dict) == missing
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == (Stage.SCREENING, "")
    assert not StageTransition.objects.exists()


def test_reject_with_reason_then_reopen_clears_the_reason_code(recruiter):
    application = make_application(stage=Stage.ASSESSMENT)
    services.application_move(
        application=application,
        to_stage=Stage.REJECTED,
        by=recruiter,
        reason="Quatorze ans de finance",
        rejection_reason=RejectionReason.TOO_SPECIALISED,
    )
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == (Stage.REJECTED, "too_specialised")

    services.application_move(
        application=application, to_stage=Stage.SCREENING, by=recruiter, reason="Nouvelle expérience"
    )
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == (Stage.SCREENING, "")
    history = list(application.transitions.values_list("from_stage", "to_stage", "reason", "by"))
    assert history == [
        ("assessment", "rejected", "Quatorze ans de finance", recruiter.pk),
        ("rejected", "screening", "Nouvelle expérience", recruiter.pk),
    ]


def test_rejection_code_is_ignored_for_a_move_that_is_not_a_rejection(recruiter):
    application = make_application(stage=Stage.SOURCED)
    services.application_move(
        application=application,
        to_stage=Stage.WITHDRAWN,
        by=recruiter,
        rejection_reason=RejectionReason.OTHER,
    )
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == (Stage.WITHDRAWN, "")


def test_unknown_rejection_code_is_refused(recruiter):
    application = make_application(stage=Stage.SOURCED)
    with pytest.raises(ValidationError) as exc:
        services.application_move(
            application=application,
            to_stage=Stage.REJECTED,
            by=recruiter,
            reason="x",
            rejection_reason="bad_code",
        )
    assert "rejection_reason" in exc.value.message_dict
    application.refresh_from_db()
    assert application.stage == Stage.SOURCED


def test_a_full_path_keeps_every_step_in_order(recruiter):
    application = make_application()
    path = [
        Stage.SCREENING,
        Stage.ASSESSMENT,
        Stage.WORKING_SESSIONS,
        Stage.DECISION,
        Stage.OFFER,
        Stage.HIRED,
    ]
    for stage in path:
        if stage == Stage.HIRED:  # "hired" needs an approved offer accepted by the candidate
            accepted_offer(application)
        if stage == Stage.OFFER:  # the stage gate: a final decision "hire" first (decisions app)
            record_hire_decision(application)
        application = services.application_move(application=application, to_stage=stage, by=recruiter)
    steps = list(application.transitions.values_list("from_stage", "to_stage"))
    assert steps == list(zip(["sourced", *path[:-1]], path, strict=True))
    assert services.allowed_targets(application.stage) == []


# --------------------------------------------------------------------------- validate_cv


def test_a_real_pdf_is_accepted():
    pdf = make_pdf()
    assert pdf.startswith(b"%PDF-1.4") and pdf.rstrip().endswith(b"%%EOF")
    assert services.validate_cv(upload("cv.pdf", pdf)) == "pdf"


def test_a_real_docx_is_accepted_whatever_the_client_says():
    assert services.validate_cv(upload("cv.docx", make_docx(), DOCX_MIME)) == "docx"
    assert services.validate_cv(upload("cv", make_docx(), "application/octet-stream")) == "docx"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("cv.pdf", b"Je suis un fichier texte, pas un PDF.\n", "bad_type"),
        ("cv.pdf", make_png(), "bad_type"),
        ("cv.docx", b"PK\x03\x04" + b"\x00" * 200, "bad_type"),
        ("cv.pdf", b"", "bad_type"),
        ("cv.pdf", b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024), "too_large"),
    ],
)
def test_anything_else_is_refused_with_a_clear_message(name, content, code):
    with pytest.raises(ValidationError) as exc:
        services.validate_cv(upload(name, content))
    assert exc.value.code == code
    if code == "bad_type":
        assert exc.value.messages == ["The CV must be a PDF or a Word (.docx) document."]
    else:
        assert exc.value.messages == ["The CV is 5.01 MB, over the 5 MB limit."]


def test_exactly_five_megabytes_is_accepted():
    pdf = make_pdf()
    content = pdf + b"%" * (settings.CV_MAX_BYTES - len(pdf))
    assert len(content) == 5 * 1024 * 1024
    assert services.validate_cv(upload("cv.pdf", content)) == "pdf"


def test_the_stored_cv_name_is_made_by_the_server(mandate, recruiter):
    pdf = make_pdf("Zoé Lambert")
    application = services.candidate_create(
        mandate=mandate, data=candidate_data(), by=recruiter, cv=upload("../../etc/Mon CV <script>.pdf", pdf)
    )
    candidate = Candidate.objects.get(pk=application.candidate_id)
    assert STORED_CV.match(candidate.cv.name), candidate.cv.name
    assert candidate.cv.name.endswith(".pdf")
    assert candidate.cv_original_name == "Mon CV <script>.pdf"
    stored = Path(settings.MEDIA_ROOT) / candidate.cv.name
    assert stored.read_bytes() == pdf


def test_the_stored_extension_follows_the_content_not_the_name(mandate, recruiter):
    docx = make_docx()
    application = services.candidate_create(
        mandate=mandate, data=candidate_data(), by=recruiter, cv=upload("cv.pdf", docx, "application/pdf")
    )
    candidate = Candidate.objects.get(pk=application.candidate_id)
    assert STORED_CV.match(candidate.cv.name) and candidate.cv.name.endswith(".docx")
    assert candidate.cv_original_name == "cv.pdf"


def cv_files():
    folder = Path(settings.MEDIA_ROOT) / "cv"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_a_new_cv_replaces_the_old_file_once_saved(mandate, recruiter, django_capture_on_commit_callbacks):
    candidate = services.candidate_create(
        mandate=mandate, data=candidate_data(), by=recruiter, cv=upload("v1.pdf", make_pdf("v1"))
    ).candidate
    old = Path(settings.MEDIA_ROOT) / candidate.cv.name
    assert old.exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.candidate_update(
            candidate=candidate, data={}, by=recruiter, cv=upload("v2.docx", make_docx("v2"))
        )

    candidate.refresh_from_db()
    assert not old.exists()
    assert cv_files() == [Path(candidate.cv.name).name]
    assert candidate.cv.name.endswith(".docx") and candidate.cv_original_name == "v2.docx"
    assert (Path(settings.MEDIA_ROOT) / candidate.cv.name).read_bytes() == make_docx("v2")


def test_an_invalid_change_with_a_new_cv_keeps_the_old_cv(
    mandate, recruiter, django_capture_on_commit_callbacks
):
    candidate = services.candidate_create(
        mandate=mandate, data=candidate_data(), by=recruiter, cv=upload("v1.pdf", make_pdf("v1"))
    ).candidate
    stored = candidate.cv.name

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(ValidationError):
        services.candidate_update(
            candidate=Candidate.objects.get(pk=candidate.pk),
            by=recruiter,
            data={"email": "pas-un-email"},
            cv=upload("v2.pdf", make_pdf("v2")),
        )

    candidate.refresh_from_db()
    assert (candidate.cv.name, candidate.cv_original_name) == (stored, "v1.pdf")
    assert (Path(settings.MEDIA_ROOT) / stored).read_bytes() == make_pdf("v1")
    assert cv_files() == [Path(stored).name]


def test_an_invalid_candidate_leaves_no_cv_file_behind(mandate, recruiter):
    with pytest.raises(ValidationError):
        services.candidate_create(
            mandate=mandate,
            data=candidate_data(email="pas-un-email"),
            by=recruiter,
            cv=upload("cv.pdf", make_pdf()),
        )
    assert cv_files() == []
    assert counts() == (0, 0, 0)


def test_a_refused_cv_saves_no_candidate(mandate, recruiter):
    with pytest.raises(ValidationError):
        services.candidate_create(
            mandate=mandate, data=candidate_data(), by=recruiter, cv=upload("photo.pdf", make_png())
        )
    assert counts() == (0, 0, 0)


# --------------------------------------------------------------------------- candidates_import


def read(name):
    return sample_path(name).read_bytes()


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_each_sample_file_imports_the_eight_candidates_with_exact_values(mandate, recruiter, name):
    report = services.candidates_import(mandate=mandate, data=read(name), by=recruiter)

    assert report.ok and report.saved and not report.dry_run
    assert sorted(report.created) == sorted(EXPECTED)
    assert (report.updated, report.unchanged, report.applications_created) == ([], [], 8)
    assert all_candidate_values() == EXPECTED
    assert Candidate.objects.get(last_name="Garnier").first_name == "Élodie"
    assert Candidate.objects.get(email="thomas.ndiaye@example.com").last_name == "N'Diaye"
    assert Candidate.objects.get(first_name="Claire", last_name="Dubois").years_communication == Decimal(
        "2.5"
    )
    assert Candidate.objects.get(last_name="N'Diaye").city == "Lyon; Villeurbanne"
    applications = Application.objects.filter(mandate=mandate)
    assert applications.count() == 8
    assert set(applications.values_list("stage", flat=True)) == {Stage.SOURCED}
    assert (
        StageTransition.objects.filter(
            application__mandate=mandate, from_stage="", to_stage=Stage.SOURCED, by=recruiter
        ).count()
        == 8
    )


def test_sample_file_details_encoding_and_lines(mandate, recruiter):
    utf8 = services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter, dry_run=True)
    cp1252 = services.candidates_import(
        mandate=mandate, data=read(SAMPLE_FILES[1]), by=recruiter, dry_run=True
    )
    assert (utf8.parse.encoding, cp1252.parse.encoding) == ("utf-8-sig", "cp1252")
    assert utf8.parse.delimiter == cp1252.parse.delimiter == ";"
    assert [row.line for row in utf8.parse.rows] == list(range(2, 10))
    assert [row.values for row in utf8.parse.rows] == [row.values for row in cp1252.parse.rows]


def test_reimporting_the_same_file_creates_no_duplicate(mandate, recruiter):
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter)
    before = counts()
    ids = set(Candidate.objects.values_list("pk", flat=True))

    report = services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter)

    assert report.saved
    assert (report.created, report.updated, report.applications_created) == ([], [], 0)
    assert sorted(report.unchanged) == sorted(EXPECTED)
    assert counts() == before == (8, 8, 8)
    assert set(Candidate.objects.values_list("pk", flat=True)) == ids


def test_the_cp1252_file_after_the_utf8_one_changes_nothing(mandate, recruiter):
    services.candidates_import(mandate=mandate, data=read("candidates_fr_utf8_bom.csv"), by=recruiter)
    before = counts()
    report = services.candidates_import(mandate=mandate, data=read("candidates_fr_cp1252.csv"), by=recruiter)
    assert (len(report.created), len(report.updated), len(report.unchanged)) == (0, 0, 8)
    assert counts() == before
    assert all_candidate_values() == EXPECTED


def test_reimport_updates_changed_values_and_keeps_the_rest(mandate, recruiter):
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter)
    text = read(SAMPLE_FILES[0]).decode("utf-8-sig").replace(";Bordeaux;", ";Arcachon;")
    report = services.candidates_import(mandate=mandate, data=text.encode("utf-8"), by=recruiter)
    assert report.updated == ["elodie.garnier@example.org"]
    assert len(report.unchanged) == 7
    assert Candidate.objects.get(email="elodie.garnier@example.org").city == "Arcachon"
    assert Candidate.objects.count() == 8


def test_an_email_differing_only_by_case_matches_the_existing_candidate(mandate, recruiter):
    existing = CandidateFactory(email="claire.dubois@example.org", first_name="Claire", last_name="Dubois")
    # A row stored with capitals (written around ``save()``, e.g. by an older import) still matches.
    other = CandidateFactory(email="placeholder@example.org")
    Candidate.objects.filter(pk=other.pk).update(email="Elodie.Garnier@Example.ORG")
    for candidate in (existing, other):  # candidates the recruiter already manages
        ApplicationFactory(mandate=mandate, candidate=candidate)
    text = (
        read(SAMPLE_FILES[0])
        .decode("utf-8-sig")
        .replace("claire.dubois@example.org", "CLAIRE.Dubois@Example.org")
    )

    report = services.candidates_import(mandate=mandate, data=text.encode("utf-8"), by=recruiter)

    assert report.ok, report.parse.errors
    assert Candidate.objects.count() == 8
    assert "claire.dubois@example.org" in report.updated
    assert "elodie.garnier@example.org" in report.updated
    existing.refresh_from_db()
    assert existing.years_communication == Decimal("2.5")
    assert Candidate.objects.get(pk=other.pk).first_name == "Élodie"
    assert Application.objects.filter(mandate=mandate, candidate__in=[existing, other]).count() == 2


def test_a_candidate_already_in_another_mandate_gets_an_application_here_not_a_copy(mandate, recruiter):
    other_mandate = MandateFactory(recruiters=[recruiter])  # the same recruiter runs both searches
    services.candidates_import(mandate=other_mandate, data=read(SAMPLE_FILES[0]), by=recruiter)
    report = services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[1]), by=recruiter)
    assert (len(report.created), len(report.unchanged), report.applications_created) == (0, 8, 8)
    assert counts() == (8, 16, 16)


def test_an_import_cannot_take_over_a_candidate_of_a_mandate_the_recruiter_does_not_run(mandate, recruiter):
    """A recruiter of mandate B who knows an e-mail of mandate A must not rewrite that candidate,
    nor attach them (and their CV) to B: for them the address is a new one, and the import creates
    a record of B's own (``selectors.email_holder``)."""
    other_mandate = MandateFactory()  # another recruiter's search
    services.candidates_import(mandate=other_mandate, data=read(SAMPLE_FILES[0]), by=None)
    claire = Candidate.objects.get(email="claire.dubois@example.org")
    text = read(SAMPLE_FILES[0]).decode("utf-8-sig").replace("Dubois;Claire", "Attacker;Evil")

    report = services.candidates_import(mandate=mandate, data=text.encode("utf-8"), by=recruiter)

    assert report.saved and len(report.created) == 8 and report.updated == []
    claire.refresh_from_db()
    assert (claire.first_name, claire.last_name) == ("Claire", "Dubois")
    assert not Application.objects.filter(mandate=mandate, candidate=claire).exists()
    own = Application.objects.get(mandate=mandate, candidate__email="claire.dubois@example.org").candidate
    assert own.pk != claire.pk and (own.first_name, own.last_name) == ("Evil", "Attacker")


def test_staff_may_attach_an_existing_candidate_of_another_mandate(mandate):
    from tests.factories import UserFactory

    other_mandate = MandateFactory()
    services.candidates_import(mandate=other_mandate, data=read(SAMPLE_FILES[0]), by=None)
    admin = UserFactory(username="admin-import", is_staff=True)
    report = services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=admin)
    assert report.saved and report.applications_created == 8


def bad_file() -> bytes:
    """The UTF-8 sample with three broken rows (lines 3, 5 and 7) around valid ones."""
    lines = read(SAMPLE_FILES[0]).decode("utf-8-sig").split("\r\n")
    lines[2] = lines[2].replace(";14;0;1;", ";quatorze;0;1;")  # line 3: Finance (ans)
    lines[4] = lines[4].replace(";08/11/2026;", ";31/02/2026;")  # line 5: Date du consentement
    lines[6] = lines[6].replace("thomas.ndiaye@example.com", "thomas.ndiaye@")  # line 7: E-mail
    return "\r\n".join(lines).encode("utf-8-sig")


def test_an_invalid_file_saves_nothing_at_all_and_reports_each_bad_line_with_its_column(mandate, recruiter):
    ApplicationFactory(mandate=mandate)  # something already there must stay as is
    before = counts()

    report = services.candidates_import(mandate=mandate, data=bad_file(), by=recruiter)

    assert not report.ok and not report.saved
    assert counts() == before
    assert [(e.line, e.column) for e in report.parse.errors] == [
        (3, "Finance (ans)"),
        (5, "Date du consentement"),
        (7, "E-mail"),
    ]
    assert "quatorze" in report.parse.errors[0].message
    assert "31/02/2026" in report.parse.errors[1].message
    assert (report.created, report.updated, report.unchanged, report.applications_created) == ([], [], [], 0)


def test_an_invalid_file_does_not_touch_existing_candidates(mandate, recruiter):
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter)
    lines = read(SAMPLE_FILES[0]).decode("utf-8-sig").split("\r\n")
    lines[1] = lines[1].replace(";Lyon;", ";Villefranche;")  # a valid change on line 2...
    lines[7] = lines[7].replace(";Oui;14/11/2026;", ";Peut-être;14/11/2026;")  # ...and a bad line 8
    before = counts()

    report = services.candidates_import(
        mandate=mandate, data="\r\n".join(lines).encode("utf-8"), by=recruiter
    )

    assert [(e.line, e.column) for e in report.parse.errors] == [(8, "Consentement RGPD")]
    assert counts() == before
    assert Candidate.objects.get(email="claire.dubois@example.org").city == "Lyon"


def test_blank_lines_are_skipped_and_line_numbers_stay_physical(mandate, recruiter):
    lines = read(SAMPLE_FILES[0]).decode("utf-8-sig").split("\r\n")
    text = "\r\n".join([*lines[:3], "", ";;;", *lines[3:]])
    text = text.replace("julien.moreau@example.org", "julien.moreau@")
    report = services.candidates_import(
        mandate=mandate, data=text.encode("utf-8"), by=recruiter, dry_run=True
    )
    assert [(e.line, e.column) for e in report.parse.errors] == [(7, "E-mail")]

    fixed = text.replace("julien.moreau@;", "julien.moreau@example.org;")
    report = services.candidates_import(mandate=mandate, data=fixed.encode("utf-8"), by=recruiter)
    assert report.saved and Candidate.objects.count() == 8


def test_dry_run_reports_the_same_and_saves_nothing(mandate, recruiter):
    report = services.candidates_import(
        mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter, dry_run=True
    )
    assert report.ok and report.dry_run and not report.saved
    assert (len(report.created), report.applications_created) == (8, 8)
    assert counts() == (0, 0, 0)


def test_dry_run_of_a_reimport_reports_updates_without_saving(mandate, recruiter):
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter)
    text = read(SAMPLE_FILES[0]).decode("utf-8-sig").replace(";Bordeaux;", ";Arcachon;")
    report = services.candidates_import(
        mandate=mandate, data=text.encode("utf-8"), by=recruiter, dry_run=True
    )
    assert report.updated == ["elodie.garnier@example.org"]
    assert Candidate.objects.get(email="elodie.garnier@example.org").city == "Bordeaux"


def test_the_english_format_imports(mandate, recruiter):
    report = services.candidates_import(
        mandate=mandate, data=sample_path("candidates_en.csv").read_bytes(), by=recruiter
    )
    assert report.saved and report.parse.dialect_name == "en"
    liam = Candidate.objects.get(email="liam.oconnor@example.org")
    assert (liam.last_name, liam.city, liam.years_legal, liam.consent_date) == (
        "O'Connor",
        "Dublin, Leinster",
        Decimal("0.5"),
        datetime.date(2026, 10, 5),
    )
    assert Candidate.objects.get(email="olivia.hartley@example.org").years_hr == Decimal("2.5")


def test_an_unreadable_file_raises_a_format_error(mandate, recruiter):
    with pytest.raises(csv_format.CsvFormatError):
        services.candidates_import(mandate=mandate, data="Nom;Prénom\n".encode("utf-16"), by=recruiter)
    assert counts() == (0, 0, 0)


# --------------------------------------------------------------------------- candidates_export


def test_export_is_french_excel_and_imports_back_to_identical_values(mandate, recruiter):
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=recruiter)
    tricky = services.candidate_create(
        mandate=mandate,
        by=recruiter,
        data=candidate_data(
            first_name="=HYPERLINK(1)",
            last_name="@Lefort",
            phone="+33 1 23 45 67 89",
            city='Paris; "Rive gauche"',
            education="'=déjà échappé",
            source="-",
            gdpr_consent=True,
            consent_date=datetime.date(2026, 1, 31),
            linkedin_url="https://www.linkedin.com/in/zoe-example",
            years_quality=Decimal("0.5"),
            years_it=Decimal("50"),
            career_years=Decimal("52.5"),
        ),
    )
    expected = all_candidate_values()

    data = services.candidates_export(
        applications=Application.objects.filter(mandate=mandate)
        .select_related("candidate")
        .order_by("candidate__last_name")
    )

    assert data.startswith(b"\xef\xbb\xbfNom;Pr\xc3\xa9nom;E-mail;")
    assert b"\r\n" in data and b"'+33 6 98 76 54 32" in data and b"2,5" in data
    lines = data.decode("utf-8-sig").split("\r\n")
    assert len([line for line in lines if line]) == 10

    report = services.candidates_import(mandate=mandate, data=data, by=recruiter)
    assert (len(report.created), len(report.updated), len(report.unchanged)) == (0, 0, 9)

    Candidate.objects.all().delete()
    report = services.candidates_import(mandate=mandate, data=data, by=recruiter)
    assert report.saved and len(report.created) == 9
    assert all_candidate_values() == expected
    assert expected[tricky.candidate.email]["first_name"] == "=HYPERLINK(1)"
    assert expected[tricky.candidate.email]["education"] == "'=déjà échappé"


def test_export_of_an_empty_mandate_is_the_header_only(mandate):
    data = services.candidates_export(applications=Application.objects.none())
    assert data.decode("utf-8-sig").split("\r\n") == [";".join(csv_format.FR_HEADERS.values()), ""]


def test_history_by_can_be_unknown(mandate):
    """Imports from the command line without ``--as`` record no author."""
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=None)
    assert set(StageTransition.objects.values_list("by", flat=True)) == {None}


def test_import_author_is_kept_on_history(mandate):
    author = UserFactory(groups=["recruiter"])
    services.candidates_import(mandate=mandate, data=read(SAMPLE_FILES[0]), by=author)
    assert set(StageTransition.objects.values_list("by", flat=True)) == {author.pk}
    assert Candidate.history.filter(history_type="+").count() == 8


def test_the_database_refuses_a_domain_over_the_career_or_over_50_years(mandate, recruiter):
    """The rules hold as check constraints too, whatever writes the row."""
    from django.db import IntegrityError, transaction

    application = services.candidate_create(
        mandate=mandate, data=candidate_data(career_years=Decimal(10)), by=recruiter
    )
    candidate = application.candidate
    for field, value in (
        ("years_hr", Decimal("10.5")),
        ("years_it", Decimal(51)),
        ("career_years", Decimal(61)),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            type(candidate).objects.filter(pk=candidate.pk).update(**{field: value})
    with pytest.raises(ValidationError) as error:
        services.candidate_update(candidate=candidate, by=recruiter, data={"career_years": Decimal(2)})
    assert set(error.value.message_dict) == {"years_finance", "years_hr"}  # 2.5 and 3 > 2
