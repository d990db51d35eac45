"""The session plan (targeted roles and criteria, briefing) and its briefing pack: service, page,
upload rules (those of CVs), download access, checksums, and the session scorecard's order."""

import hashlib
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from assessments import services as assessment_services
from assessments.models import Criterion, Scorecard
from audit.models import ReadEvent
from sessions import selectors, services
from sessions.models import BriefingFile, WorkingSession
from tests.assessments.helpers import criterion_ids
from tests.candidates.documents import make_docx, make_pdf, make_png, upload
from tests.sessions.conftest import DAY, at

pytestmark = pytest.mark.django_db


def plan_url(session):
    return reverse("working_sessions:plan", kwargs={"pk": session.pk})


def upload_url(session):
    return reverse("working_sessions:briefing_upload", kwargs={"pk": session.pk})


@pytest.fixture
def future(world):
    return world.schedule(at(DAY, 10))


@pytest.fixture
def held(world):
    session = world.past_session(days_ago=2)
    services.session_set_status(session=session, status="held", by=world.recruiter)
    return session


# ------------------------------------------------------------------------------------- service


def test_the_recruiter_sets_the_plan_before_the_session(world, future):
    ids = criterion_ids()
    session = services.session_plan_update(
        session=future,
        by=world.recruiter,
        roles=["posture", "conductor", "conductor"],
        criteria=[ids["cond_tools"], ids["post_communication"]],
        briefing="  Lire la note de trésorerie avant la séance.  ",
        has_company_data=True,
    )
    session.refresh_from_db()
    assert session.target_roles == ["conductor", "posture"]  # framework order, no duplicate
    assert set(session.target_criteria.values_list("code", flat=True)) == {"cond_tools", "post_communication"}
    assert session.briefing == "Lire la note de trésorerie avant la séance."
    assert session.briefing_has_company_data is True
    latest = session.history.latest()
    assert latest.history_user == world.recruiter and latest.briefing == session.briefing
    # The M2M is in the history too.
    assert set(latest.target_criteria.values_list("criterion__code", flat=True)) == {
        "cond_tools",
        "post_communication",
    }


def test_the_plan_is_frozen_once_the_session_is_held(world, held):
    with pytest.raises(ValidationError) as exc:
        services.session_plan_update(session=held, by=world.recruiter, roles=["conductor"], criteria=[])
    assert exc.value.code == "plan_frozen"
    assert "held" in exc.value.messages[0] and "frozen" in exc.value.messages[0]
    held.refresh_from_db()
    assert held.target_roles == []


def test_a_cancelled_session_plan_cannot_change(world, future):
    services.session_cancel(session=future, by=world.recruiter, reason="Report.")
    with pytest.raises(ValidationError) as exc:
        services.session_plan_update(session=future, by=world.recruiter, roles=["conductor"], criteria=[])
    assert exc.value.code == "plan_frozen"


def test_criteria_outside_the_active_framework_are_refused(world, future):
    old = assessment_services.framework_active()
    old_criterion = Criterion.objects.get(framework=old, code="cond_tools")
    assessment_services.framework_new_version(framework=old)  # the old version is no longer active
    with pytest.raises(ValidationError) as exc:
        services.session_plan_update(
            session=future, by=world.recruiter, roles=[], criteria=[old_criterion.pk]
        )
    assert "criteria" in exc.value.message_dict
    assert not future.target_criteria.exists()


def test_unknown_roles_are_refused(world, future):
    with pytest.raises(ValidationError) as exc:
        services.session_plan_update(session=future, by=world.recruiter, roles=["finance"], criteria=[])
    assert "roles" in exc.value.message_dict


# ---------------------------------------------------------------------------------- plan page


def test_the_plan_form_saves_the_plan(client, world, future):
    ids = criterion_ids()
    client.force_login(world.recruiter)
    response = client.post(
        plan_url(future),
        {
            "roles": ["business_partner", "entrepreneur"],
            "criteria": [str(ids["bp_modelling"])],
            "briefing": "Compte de résultat 2025 joint.",
            "has_company_data": "on",
        },
    )
    assert response.status_code == 302 and response["Location"] == plan_url(future)
    future.refresh_from_db()
    assert future.target_roles == ["business_partner", "entrepreneur"]
    assert list(future.target_criteria.values_list("code", flat=True)) == ["bp_modelling"]
    page = client.get(plan_url(future)).content.decode()
    assert "Compte de résultat 2025 joint." in page and 'id="plan-form"' in page


def test_the_plan_form_refuses_a_criterion_outside_the_framework(client, world, future):
    old = assessment_services.framework_active()
    old_id = Criterion.objects.get(framework=old, code="cond_tools").pk
    assessment_services.framework_new_version(framework=old)
    client.force_login(world.recruiter)
    response = client.post(plan_url(future), {"roles": ["conductor"], "criteria": [str(old_id)]})
    assert response.status_code == 400
    future.refresh_from_db()
    assert future.target_roles == [] and not future.target_criteria.exists()


def test_the_plan_of_a_held_session_is_read_only(client, world, held):
    client.force_login(world.recruiter)
    page = client.get(plan_url(held)).content.decode()
    assert "its plan is frozen" in page
    assert 'id="plan-form"' not in page and "Save the plan" not in page
    assert 'id="plan-form-readonly"' in page
    readonly = page[page.index('id="plan-form-readonly"') :]
    # Every input of the read-only form is disabled.
    inputs = re.findall(r"<(?:input|textarea)[^>]*>", readonly.split("</form>")[0])
    assert inputs and all("disabled" in tag for tag in inputs)
    response = client.post(plan_url(held), {"roles": ["conductor"], "briefing": "Trop tard."})
    assert response.status_code == 302
    held.refresh_from_db()
    assert held.target_roles == [] and held.briefing == ""
    assert "frozen" in client.get(plan_url(held)).content.decode()


@pytest.mark.parametrize("who", ["ceo", "mediator", "other_recruiter", "mediator2"])
def test_a_forged_post_by_anyone_but_a_recruiter_is_404_and_changes_nothing(client, world, future, who):
    client.force_login(getattr(world, who))
    response = client.post(plan_url(future), {"roles": ["conductor"], "briefing": "Forgé."})
    assert response.status_code == 404
    response = client.post(upload_url(future), {"file": upload("x.pdf", make_pdf())})
    assert response.status_code == 404
    future.refresh_from_db()
    assert future.target_roles == [] and future.briefing == "" and not BriefingFile.objects.exists()


def test_the_ceo_and_the_mediator_read_the_plan_without_a_form(client, world, future):
    services.session_plan_update(
        session=future, by=world.recruiter, roles=["conductor"], criteria=[], briefing="Note jointe."
    )
    for user in (world.ceo, world.mediator):
        client.force_login(user)
        page = client.get(plan_url(future)).content.decode()
        assert "Note jointe." in page and "Conductor" in page
        assert 'id="plan-form"' not in page and "Add the file" not in page


# ------------------------------------------------------------------------------ briefing pack


def test_a_briefing_file_is_stored_under_a_server_name_with_its_checksum(client, world, future):
    content = make_pdf("Note de cadrage : trésorerie")
    client.force_login(world.recruiter)
    response = client.post(upload_url(future), {"file": upload("../Cadrage confidentiel.pdf", content)})
    assert response.status_code == 302
    item = BriefingFile.objects.get()
    assert item.session_id == future.pk and item.uploaded_by == world.recruiter
    assert item.original_name == "Cadrage confidentiel.pdf"
    assert re.fullmatch(r"briefing/[0-9a-f]{32}\.pdf", item.file.name)
    assert item.size == len(content)
    assert item.sha256 == hashlib.sha256(content).hexdigest()
    future.refresh_from_db()
    # The pack's checksum: SHA-256 of the sorted files' checksums, one a line.
    assert future.briefing_pack_sha256 == hashlib.sha256(f"{item.sha256}\n".encode()).hexdigest()
    page = client.get(plan_url(future)).content.decode()
    assert item.sha256 in page and future.briefing_pack_sha256 in page


def test_the_pack_checksum_follows_the_files(world, future):
    first, second = make_pdf("Un"), make_docx("Deux")
    a = services.briefing_file_add(session=future, by=world.recruiter, uploaded=upload("a.pdf", first))
    b = services.briefing_file_add(
        session=future,
        by=world.recruiter,
        uploaded=upload("b.docx", second, "application/octet-stream"),
    )
    assert b.file.name.endswith(".docx")
    sums = sorted([hashlib.sha256(first).hexdigest(), hashlib.sha256(second).hexdigest()])
    future.refresh_from_db()
    assert future.briefing_pack_sha256 == hashlib.sha256(f"{sums[0]}\n{sums[1]}\n".encode()).hexdigest()
    services.briefing_file_delete(item=a, by=world.recruiter)
    future.refresh_from_db()
    assert future.briefing_pack_sha256 == hashlib.sha256(f"{b.sha256}\n".encode()).hexdigest()
    services.briefing_file_delete(item=b, by=world.recruiter)
    future.refresh_from_db()
    assert future.briefing_pack_sha256 == ""


def test_a_file_that_is_not_a_pdf_or_docx_is_refused_like_a_cv(client, world, future):
    client.force_login(world.recruiter)
    response = client.post(upload_url(future), {"file": upload("photo.pdf", make_png())})
    assert response.status_code == 400
    assert "A briefing file must be a PDF or a Word (.docx) document." in response.content.decode()
    assert not BriefingFile.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.briefing_file_add(session=future, by=world.recruiter, uploaded=upload("x.docx", b"hello"))
    assert exc.value.code == "bad_type"


def test_a_file_over_the_cap_is_refused(client, world, future, settings):
    content = make_pdf("Trop long " * 50)
    settings.CV_MAX_BYTES = len(content) - 1
    with pytest.raises(ValidationError) as exc:
        services.briefing_file_add(session=future, by=world.recruiter, uploaded=upload("long.pdf", content))
    assert exc.value.code == "too_large"
    assert not BriefingFile.objects.exists()
    settings.CV_MAX_BYTES = len(content)
    services.briefing_file_add(session=future, by=world.recruiter, uploaded=upload("long.pdf", content))
    assert BriefingFile.objects.count() == 1


def test_no_file_is_added_or_removed_once_the_session_is_held(world, held):
    with pytest.raises(ValidationError) as exc:
        services.briefing_file_add(session=held, by=world.recruiter, uploaded=upload("a.pdf", make_pdf()))
    assert exc.value.code == "plan_frozen"
    item = BriefingFile.objects.create(
        session=held, file="briefing/x.pdf", size=1, sha256="0" * 64, uploaded_by=world.recruiter
    )
    with pytest.raises(ValidationError):
        services.briefing_file_delete(item=item, by=world.recruiter)
    assert BriefingFile.objects.filter(pk=item.pk).exists()


def test_the_download_is_for_the_panel_and_the_session_mediator_only(client, world, future):
    content = make_pdf("Pièce jointe")
    item = services.briefing_file_add(
        session=future, by=world.recruiter, uploaded=upload("Note.pdf", content)
    )
    url = item.get_absolute_url()
    for user in (world.recruiter, world.ceo, world.staff, world.mediator):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200, user
        assert b"".join(response.streaming_content) == content
        assert response["Cache-Control"] == "private, no-store"
        assert 'filename="Note.pdf"' in response["Content-Disposition"]
    events = ReadEvent.objects.filter(kind=ReadEvent.Kind.BRIEFING_FILE, object_id=item.pk)
    assert sorted(events.values_list("user__username", flat=True)) == sorted(
        u.username for u in (world.recruiter, world.ceo, world.staff, world.mediator)
    )
    assert set(events.values_list("candidate_id", flat=True)) == {world.candidate.pk}
    assert set(events.first().mandates.values_list("pk", flat=True)) == {world.mandate.pk}
    # Another mediator of the mandate, another mandate's recruiter and CEO: 404; anonymous: login.
    for user in (world.mediator2, world.other_recruiter, world.other_ceo):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))
    assert events.count() == 4


def test_the_media_url_does_not_serve_the_file(client, world, future):
    item = services.briefing_file_add(
        session=future, by=world.recruiter, uploaded=upload("n.pdf", make_pdf())
    )
    client.force_login(world.recruiter)
    assert client.get(f"/media-not-public/{item.file.name}").status_code == 404


# ------------------------------------------------------------------------------ scorecards


def test_a_session_scorecard_opens_on_the_targeted_criteria(client, world, future):
    ids = criterion_ids()
    services.session_plan_update(
        session=future,
        by=world.recruiter,
        roles=["entrepreneur"],
        criteria=[ids["ent_new_offers"], ids["post_innovation"]],
    )
    card = assessment_services.scorecard_start(
        application=world.application,
        rater=world.recruiter,
        context=Scorecard.Context.WORKING_SESSION,
        session_number=future.order,
    )
    client.force_login(world.recruiter)
    page = client.get(card.get_absolute_url()).content.decode()
    targeted = page[page.index('id="targeted-criteria"') : page.index('id="other-criteria"')]
    others = page[page.index('id="other-criteria"') :]
    labels = dict(Criterion.objects.filter(pk__in=ids.values()).values_list("code", "label_en"))
    for code in ("ent_new_offers", "post_innovation"):
        assert labels[code] in targeted and labels[code] not in others
    for code in ("cond_tools", "bp_modelling", "ent_service_catalogue"):
        assert labels[code] not in targeted and labels[code] in others
    # Every criterion is still there, once.
    assert all(page.count(f'id="label-{pk}"') == 1 for pk in ids.values())


def test_a_screening_scorecard_keeps_the_framework_order(client, world, future):
    ids = criterion_ids()
    services.session_plan_update(
        session=future, by=world.recruiter, roles=[], criteria=[ids["ent_new_offers"]]
    )
    card = assessment_services.scorecard_start(application=world.application, rater=world.recruiter)
    client.force_login(world.recruiter)
    page = client.get(card.get_absolute_url()).content.decode()
    assert 'id="targeted-criteria"' not in page and "Other criteria" not in page
    assert page.index(f'id="label-{ids["cond_tools"]}"') < page.index(f'id="label-{ids["ent_new_offers"]}"')


def test_the_session_detail_links_to_the_plan(client, world, future):
    services.session_plan_update(session=future, by=world.recruiter, roles=["conductor"], criteria=[])
    client.force_login(world.mediator)
    page = client.get(future.get_absolute_url()).content.decode()
    assert plan_url(future) in page and "Conductor" in page
    assert WorkingSession.objects.get(pk=future.pk).target_role_labels == ["Conductor"]


def test_the_admin_lists_briefing_files_read_only_with_constant_queries(client, world, future):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import UserFactory

    client.force_login(UserFactory(username="admin-plan", is_staff=True, is_superuser=True))
    url = reverse("admin:working_sessions_briefingfile_changelist")

    def queries():
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    services.briefing_file_add(session=future, by=world.recruiter, uploaded=upload("un.pdf", make_pdf("1")))
    client.get(url)  # warm the session and caches
    one, _html = queries()
    for n in range(3):
        services.briefing_file_add(
            session=future, by=world.recruiter, uploaded=upload(f"f{n}.pdf", make_pdf(str(n)))
        )
    four, html = queries()
    assert four == one and "f2.pdf" in html
    item = BriefingFile.objects.first()
    assert client.get(reverse("admin:working_sessions_briefingfile_add")).status_code == 403
    assert (
        client.post(reverse("admin:working_sessions_briefingfile_delete", args=[item.pk])).status_code == 403
    )
    assert BriefingFile.objects.count() == 4


def test_the_application_plan_for_the_notice(world, future):
    ids = criterion_ids()
    other = world.schedule(at(DAY, 14))
    services.session_plan_update(
        session=future, by=world.recruiter, roles=["posture"], criteria=[ids["bp_modelling"]]
    )
    services.session_plan_update(
        session=other,
        by=world.recruiter,
        roles=["conductor"],
        criteria=[ids["bp_modelling"], ids["cond_tools"]],
        has_company_data=True,
    )
    first, second = make_pdf("A"), make_docx("B")
    services.briefing_file_add(session=future, by=world.recruiter, uploaded=upload("a.pdf", first))
    services.briefing_file_add(session=other, by=world.recruiter, uploaded=upload("b.docx", second))
    plan = selectors.application_plan(application=world.application)
    assert plan["roles"] == ["conductor", "posture"]
    assert [c.code for c in plan["criteria"]] == ["cond_tools", "bp_modelling"]
    assert plan["company_data"] is True and plan["files"] == 2
    sums = sorted(hashlib.sha256(content).hexdigest() for content in (first, second))
    assert plan["pack_sha256"] == hashlib.sha256(f"{sums[0]}\n{sums[1]}\n".encode()).hexdigest()
    services.session_cancel(session=other, by=world.recruiter, reason="Report.")
    plan = selectors.application_plan(application=world.application)
    assert plan["roles"] == ["posture"] and plan["company_data"] is False and plan["files"] == 1
    assert [c.code for c in plan["criteria"]] == ["bp_modelling"]
    only_first = hashlib.sha256(first).hexdigest()
    assert plan["pack_sha256"] == hashlib.sha256(f"{only_first}\n".encode()).hexdigest()
