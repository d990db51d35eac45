"""The shortlist PDF (``reports.shortlist``, kind ``"shortlist"`` of ``reports.pipeline``):
request, snapshot from the stored figures, render, retry, sweep, versions per mandate."""

import hashlib
import math
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from reports import pipeline, rendering, services, shortlist
from reports.kinds import SHORTLIST
from reports.models import Report, Shortlist
from reports.templatetags.report_tags import num
from tests.reports.conftest import ACCENTED_NAME
from tests.reports.test_rendering import pdf_text, squash

SECOND = ("Noémie", "Carré-Duval")


@pytest.fixture
def finalists(world):
    """The world's application (three raters) and a second finalist rated 3, 3, 3 (posture 4) by
    both recruiters."""
    second = world.candidate_application(*SECOND, levels=(3, 3, 3))
    return [world.application, second]


def expected_fit(*roles):
    """The overall fit: geometric mean of the three role scores (assessments.scoring.overall_fit)."""
    return math.prod(roles) ** (1 / 3)


#: World's raters: recruiter (4, 4, 4), recruiter2 (5, 4, 4), CEO (4, 3, 4) → role means.
WORLD_ROLES = ((4 + 5 + 4) / 3, (4 + 4 + 3) / 3, (4 + 4 + 4) / 3)


def test_request_freezes_a_snapshot_of_every_finalist_and_renders_a_ready_pdf(
    world, finalists, django_capture_on_commit_callbacks, strict_weasyprint
):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    made = Shortlist.objects.get(pk=made.pk)
    assert made.status == Shortlist.Status.READY, made.error
    assert made.version == 1 and made.mandate == world.mandate and made.language == "fr"
    assert set(made.finalists.all()) == set(finalists)
    data = made.pdf.open("rb").read()
    assert hashlib.sha256(data).hexdigest() == made.sha256 and made.size == len(data)
    assert made.page_count >= 2 and made.page_count == rendering.page_count(data)
    names = [f["candidate"]["full_name"] for f in made.snapshot["finalists"]]
    assert names == [" ".join(ACCENTED_NAME), " ".join(SECOND)]
    first, second = made.snapshot["finalists"]
    assert first["summary"]["fit"] == pytest.approx(expected_fit(*WORLD_ROLES))
    assert second["summary"]["fit"] == pytest.approx(3.0)
    assert (first["decision"]["code"], first["decision"]["stage"]) == ("none", world.application.stage)
    assert first["decision"]["label"] == "Séances de travail — pas encore de réunion de décision"
    assert [s["mean_rating"] for s in first["summary"]["compatibility"]["sessions"]] == [3, 4, 4, 5]
    assert made.snapshot["document"]["requested_by"] == "Isabelle Fontaine"

    text = squash(pdf_text(data))
    assert " ".join(ACCENTED_NAME) in text and " ".join(SECOND) in text
    assert "Shortlist des finalistes" in text
    assert num(expected_fit(*WORLD_ROLES), 2) in text  # 3,99
    assert num(WORLD_ROLES[0], 2) in text and num(WORLD_ROLES[1], 2) in text  # 4,33 and 3,67
    assert "3,00 / 5" in text
    assert "Séances de travail" in text  # stage label of the decision status (today: the stage)


def test_english_requester_gets_an_english_pdf(world, finalists, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.shortlist_request(
            mandate=world.mandate, applications=finalists, by=world.recruiter, language="en"
        )
    made.refresh_from_db()
    text = squash(pdf_text(made.pdf.open("rb").read()))
    assert "Shortlist of the finalists" in text and "Decision status" in text
    assert num(expected_fit(*WORLD_ROLES), 2).replace(",", ".") in text.replace(",", ".")
    assert "The finalists side by side" in text


def test_versions_are_per_mandate_and_a_pending_one_is_returned(
    world, finalists, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        first = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
        again = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.recruiter)
    assert again.pk == first.pk and again.already_pending and not first.already_pending
    services.shortlist_render(shortlist_id=first.pk)
    with django_capture_on_commit_callbacks(execute=False):
        second = services.shortlist_request(mandate=world.mandate, applications=finalists[::-1], by=world.ceo)
    assert second.version == 2
    assert [f["application"]["id"] for f in second.snapshot["finalists"]] == [
        finalists[1].pk,
        finalists[0].pk,
    ]
    other = world.other_application
    third = world.candidate_application("Zoé", "Lemaire")
    with django_capture_on_commit_callbacks(execute=False):
        in_other = services.shortlist_request(
            mandate=world.other_mandate,
            applications=[
                other,
                type(other).objects.create(candidate=third.candidate, mandate=world.other_mandate),
            ],
            by=world.other_ceo,
        )
    assert in_other.version == 1  # numbered per mandate


def test_the_snapshot_does_not_move_with_the_figures(world, finalists, django_capture_on_commit_callbacks):
    from tests.assessments.helpers import rate
    from tests.reports.conftest import scores

    with django_capture_on_commit_callbacks(execute=False):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    before = made.snapshot
    rate(finalists[1], world.ceo, scores(1, 1, 1))
    made.refresh_from_db()
    assert made.snapshot == before
    assert made.snapshot["finalists"][1]["summary"]["fit"] == pytest.approx(3.0)


@pytest.mark.parametrize("count", [1, 5])
def test_between_two_and_four_finalists(world, count):
    applications = [world.application] + [
        world.candidate_application(f"Prénom{n}", f"Nom{n}") for n in range(count - 1)
    ]
    with pytest.raises(ValidationError) as caught:
        services.shortlist_request(mandate=world.mandate, applications=applications, by=world.ceo)
    assert caught.value.code == "finalists"
    assert not Shortlist.objects.exists()


def test_a_finalist_of_another_mandate_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        services.shortlist_request(
            mandate=world.mandate, applications=[world.application, world.other_application], by=world.ceo
        )
    assert caught.value.code == "finalists"


def test_independence_rule_for_every_finalist(world, finalists):
    world.draft_for(world.recruiter, finalists[1])
    with pytest.raises(ValidationError) as caught:
        services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.recruiter)
    assert caught.value.code == "independence"
    assert not Shortlist.objects.exists()


def test_failure_is_readable_then_retry_renders(
    world, finalists, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(snapshot):
        raise rendering.RenderError("A resource of the report could not be loaded: missing.css")

    monkeypatch.setattr(shortlist, "render_pdf", broken)
    with django_capture_on_commit_callbacks(execute=True):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    made.refresh_from_db()
    assert made.status == Shortlist.Status.FAILED and "missing.css" in made.error and made.can_retry
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        services.shortlist_retry(shortlist=made, by=world.ceo)
    made.refresh_from_db()
    assert made.status == Shortlist.Status.READY and made.attempts == 2 and made.error == ""
    with pytest.raises(ValidationError) as caught:
        services.shortlist_retry(shortlist=made, by=world.ceo)
    assert caught.value.code == "not_failed"


def test_a_ready_shortlist_is_immutable_and_rendered_once(
    world, finalists, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    made = Shortlist.objects.get(pk=made.pk)
    sha = made.sha256
    assert services.shortlist_render(shortlist_id=made.pk).sha256 == sha
    made.error = "x"
    with pytest.raises(ValidationError):
        made.save()


def test_the_sweep_resends_a_forgotten_shortlist_and_requeues_an_abandoned_one(
    world, finalists, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    later = timezone.now() + timedelta(seconds=settings.REPORT_STALE_AFTER + 5)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        assert pipeline.documents_sweep(SHORTLIST, now=later) == {"requeued": 0, "resent": 1, "failed": 0}
    assert len(sent) == 1
    Shortlist.objects.filter(pk=made.pk).update(
        status=Shortlist.Status.RENDERING, started_at=timezone.now() - timedelta(hours=1)
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert pipeline.documents_sweep(SHORTLIST) == {"requeued": 1, "resent": 0, "failed": 0}
    made.refresh_from_db()
    assert made.status == Shortlist.Status.READY and made.interruptions == 1
    assert Report.objects.count() == 0  # the report's sweep is not the shortlist's


def test_the_generic_task_renders_a_shortlist_and_ignores_an_unknown_kind(
    world, finalists, django_capture_on_commit_callbacks
):
    from reports.tasks import render_document, sweep_stale_documents

    with django_capture_on_commit_callbacks(execute=False):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    assert render_document.delay("shortlist", made.pk).get() == {
        "kind": "shortlist",
        "document": made.pk,
        "status": "ready",
    }
    assert render_document.delay("no-such-kind", 1).get()["status"] is None
    assert render_document.acks_late and render_document.reject_on_worker_lost
    nothing = {"requeued": 0, "resent": 0, "failed": 0}
    assert sweep_stale_documents.delay().get() == {"shortlist": nothing, "start_kit": nothing}


def test_finalist_decision_without_a_meeting_is_the_stage(world):
    with translation.override("en"):
        status = shortlist.finalist_decision(world.application)
    assert status == {
        "source": "decision",
        "code": "none",
        "stage": "working_sessions",
        "decision": None,
        "differs_from_reading": None,
        "votes_cast": 0,
        "panel_size": 1 + world.mandate.recruiters.count(),
        "label": "Working sessions — no decision meeting yet",
    }


def test_finalist_decision_open_then_decided(world):
    from candidates.models import Application, Stage
    from decisions import services as decision_services

    Application.objects.filter(pk=world.application.pk).update(stage=Stage.DECISION)
    world.application.refresh_from_db()
    recruiter = world.mandate.recruiters.first()
    meeting = decision_services.meeting_open(application=world.application, by=recruiter)
    decision_services.vote_cast(meeting=meeting, by=recruiter, choice="hire", rationale="Solide.")
    panel = 1 + world.mandate.recruiters.count()
    with translation.override("en"):
        opened = shortlist.finalist_decision(world.application)
    assert (opened["code"], opened["votes_cast"], opened["panel_size"]) == ("open", 1, panel)
    assert opened["label"] == f"Decision meeting open: 1 of {panel} votes"
    decided_meeting = decision_services.meeting_decide(
        meeting=meeting, by=world.mandate.ceo, decision="hire", rationale="Oui.", differs_reason="Références."
    )
    with translation.override("en"):
        decided = shortlist.finalist_decision(world.application)
    assert (decided["code"], decided["decision"]) == ("decided", "hire")
    assert decided["differs_from_reading"] is decided_meeting.differs
    expected = "Hire — differs from the product’s reading" if decided_meeting.differs else "Hire"
    assert decided["label"] == expected


def test_erasing_a_finalist_turns_every_shortlist_naming_them_into_a_tombstone(
    world, finalists, settings, django_capture_on_commit_callbacks
):
    from pathlib import Path

    from privacy import services as privacy_services

    with django_capture_on_commit_callbacks(execute=True):
        made = services.shortlist_request(mandate=world.mandate, applications=finalists, by=world.ceo)
    made.refresh_from_db()
    path = Path(settings.MEDIA_ROOT) / made.pdf.name
    assert made.is_ready and path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        erasure = privacy_services.candidate_erase(finalists[1].candidate, None, "request")
    made.refresh_from_db()
    assert made.status == Shortlist.Status.ERASED and made.snapshot == {} and not made.pdf
    assert made.sha256 and made.page_count  # the tombstone keeps its evidence
    assert not path.exists() and erasure.counts["shortlists"] == 1


@pytest.mark.parametrize("language", ["fr", "en"])
def test_four_finalists_with_long_names_stay_inside_the_pages(world, language, strict_weasyprint):
    """The widest shortlist (four columns, long hyphenated names, every flag): no text past the page
    box or into its margins, on WeasyPrint's laid-out pages."""
    from weasyprint import HTML

    from tests.reports.test_layout import TOLERANCE, _content_area, _text_boxes

    applications = [
        world.application,
        world.candidate_application("Marie-Charlotte", "Delacroix-Montmorency", levels=(2, 2, 5)),
        world.candidate_application("Jean-Baptiste", "Villeneuve-d’Ascq", levels=(4, 4, 2), years_finance=14),
        world.candidate_application("Anne-Sophie", "Roux-Lambert-Grandchamp", levels=(5, 5, 5)),
    ]
    snapshot = shortlist.build_snapshot(
        mandate=world.mandate, applications=applications, version=1, by=world.ceo, language=language
    )
    laid_out = HTML(
        string=shortlist.render_html(snapshot),
        base_url=rendering.static_base_url(),
        url_fetcher=rendering.local_fetcher(),
    ).render()
    escaped = []
    for number, page in enumerate(laid_out.pages, start=1):
        left, top, right, bottom = _content_area(page)
        for box in _text_boxes(page):
            x0, x1 = box.position_x, box.position_x + box.width
            y0, y1 = box.position_y, box.position_y + box.height
            if (
                x0 < left - TOLERANCE
                or x1 > right + TOLERANCE
                or y0 < top - TOLERANCE
                or y1 > bottom + TOLERANCE
            ):
                escaped.append((number, box.text[:30], round(x0), round(x1), round(y0), round(y1)))
    assert not escaped, escaped
    assert len(laid_out.pages) >= 3


def test_a_pending_version_answers_only_the_same_finalists(world):
    from reports import services

    third = world.candidate_application("Léa", "Autre", levels=(3, 3, 3))
    second = world.candidate_application("Noé", "Second", levels=(4, 3, 4))
    first = services.shortlist_request(
        mandate=world.mandate, applications=[world.application, second], by=world.ceo, enqueue=False
    )
    again = services.shortlist_request(
        mandate=world.mandate, applications=[world.application, second], by=world.ceo, enqueue=False
    )
    other = services.shortlist_request(
        mandate=world.mandate, applications=[second, third], by=world.ceo, enqueue=False
    )
    assert again.pk == first.pk and again.already_pending
    assert not other.already_pending and other.version == 2
    assert [f["application"]["id"] for f in other.snapshot["finalists"]] == [second.pk, third.pk]
