"""The board's moves (issue 15, item 2): the cards' "Move to next stage" and "Move to…" forms and
the drag-and-drop's JSON posts go through ``services.application_move`` with its rules; the
application page's stage select defaults to the next stage."""

import json

import pytest
from django.conf import settings
from django.urls import reverse

from candidates import services
from candidates.models import Stage, StageTransition
from tests.factories import ApplicationFactory, CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_recruiter(client, recruiter):
    client.force_login(recruiter)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def move_url(application):
    return reverse("candidates:application_move", args=[application.pk])


@pytest.mark.parametrize(
    ("stage", "expected"),
    [
        (Stage.SOURCED, Stage.SCREENING),
        (Stage.ASSESSMENT, Stage.WORKING_SESSIONS),
        (Stage.OFFER, Stage.HIRED),
        (Stage.HIRED, None),
        (Stage.REJECTED, None),
        (Stage.WITHDRAWN, None),
    ],
)
def test_next_stage_is_one_step_forward(stage, expected):
    assert services.next_stage(stage) == expected


def test_the_stage_select_defaults_to_the_next_stage_not_the_backward_step(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.ASSESSMENT)
    html = as_recruiter.get(application.get_absolute_url()).content.decode()
    assert '<option value="working_sessions" selected>Working sessions</option>' in html
    assert '<option value="screening">Screening</option>' in html
    assert 'name="from_stage" value="assessment"' in html


def test_a_card_shows_its_next_stage_button_and_its_allowed_targets(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SCREENING)
    html = as_recruiter.get(mandate.get_absolute_url()).content.decode()
    card = html[html.index(f'data-application="{application.pk}"') :]
    card = card[: card.index("</article>")]
    assert '<input type="hidden" name="to_stage" value="assessment">' in card
    assert "Move to next stage" in card
    options = [o.split('"')[1] for o in card.split("<option value=")[1:]]
    assert options == ["assessment", "rejected", "withdrawn"]


def test_the_ceo_sees_the_board_without_any_move(client, mandate):
    ApplicationFactory(mandate=mandate, stage=Stage.SCREENING)
    client.force_login(mandate.ceo)
    html = client.get(mandate.get_absolute_url()).content.decode()
    assert "data-move-url" not in html and "data-next-stage" not in html and "board.js" not in html
    assert "Sortable.min.js" not in html


def test_moving_to_the_next_stage_from_a_card_goes_back_to_the_board(as_recruiter, recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "sourced", "to_stage": "screening", "next": mandate.get_absolute_url()},
    )
    assert response.status_code == 302 and response["Location"] == mandate.get_absolute_url()
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING
    transition = application.transitions.get()
    assert (transition.from_stage, transition.to_stage, transition.by) == ("sourced", "screening", recruiter)
    html = as_recruiter.get(response["Location"]).content.decode()
    assert f"{application.candidate.full_name} moved to “Screening”." in html


def test_sending_the_same_move_twice_moves_once(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    data = {"from_stage": "sourced", "to_stage": "screening"}
    as_recruiter.post(move_url(application), data)
    response = as_recruiter.post(move_url(application), data, follow=True)
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING and application.transitions.count() == 1
    assert "already is in “Screening”; nothing was changed." in response.content.decode()


def test_a_move_from_a_stale_page_is_refused(as_recruiter, mandate):
    """The page showed "sourced" but someone moved it to assessment since: nothing changes."""
    application = ApplicationFactory(mandate=mandate, stage=Stage.ASSESSMENT)
    response = as_recruiter.post(
        move_url(application), {"from_stage": "sourced", "to_stage": "screening"}, follow=True
    )
    application.refresh_from_db()
    assert application.stage == Stage.ASSESSMENT and not application.transitions.exists()
    assert "has moved to “Assessment” meanwhile; nothing was changed." in response.content.decode()


@pytest.mark.parametrize(
    ("to_stage", "message"),
    [
        ("hired", "This application cannot move from “Sourced” to “Hired”."),
        ("decision", "This application cannot move from “Sourced” to “Decision”."),
        ("nowhere", "This application cannot move to that stage from where it is."),
        ("", "This field is required."),
    ],
)
def test_a_move_the_rules_refuse_changes_nothing_and_says_why(as_recruiter, mandate, to_stage, message):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "sourced", "to_stage": to_stage, "next": mandate.get_absolute_url()},
        follow=True,
    )
    assert response.status_code == 200 and response.redirect_chain[-1][0] == mandate.get_absolute_url()
    assert message in response.content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.SOURCED and not StageTransition.objects.exists()


def test_rejecting_from_a_card_without_a_reason_shows_the_form_with_what_was_typed(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SCREENING)
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "screening", "to_stage": "rejected", "rejection_reason": "posture", "reason": "  "},
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert form.errors == {"reason": ["A written reason is required to reject an application."]}
    html = response.content.decode()
    assert '<option value="posture" selected>Posture and mindset</option>' in html
    assert '<option value="rejected" selected>Rejected</option>' in html
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING and not application.transitions.exists()


def test_rejecting_without_a_code_keeps_the_written_reason(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SCREENING)
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "screening", "to_stage": "rejected", "reason": "Trop centré sur la finance"},
    )
    assert response.context["form"].errors == {
        "rejection_reason": ["Choose why the application is rejected."]
    }
    assert "Trop centré sur la finance</textarea>" in response.content.decode()
    application.refresh_from_db()
    assert application.stage == Stage.SCREENING


def test_a_drop_gets_json_and_the_fresh_card(as_recruiter, mandate):
    application = ApplicationFactory(
        mandate=mandate, stage=Stage.SCREENING, candidate=CandidateFactory(first_name="Aurore")
    )
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "screening", "to_stage": "assessment", "next": mandate.get_absolute_url()},
        HTTP_ACCEPT="application/json",
    )
    assert response.status_code == 200
    data = json.loads(response.content)
    assert (data["ok"], data["stage"], data["errors"]) == (True, "assessment", {})
    assert data["message"] == f"{application.candidate.full_name} moved to “Assessment”."
    assert 'data-stage="assessment"' in data["card"]
    assert '<input type="hidden" name="to_stage" value="working_sessions">' in data["card"]
    assert f'name="next" value="{mandate.get_absolute_url()}"' in data["card"]


def test_a_refused_drop_gets_a_400_with_the_reason(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    response = as_recruiter.post(
        move_url(application), {"from_stage": "sourced", "to_stage": "offer"}, HTTP_ACCEPT="application/json"
    )
    assert response.status_code == 400
    data = json.loads(response.content)
    assert (data["ok"], data["stage"], data["card"]) == (False, "sourced", "")
    assert data["message"] == "This application cannot move from “Sourced” to “Offer”."
    application.refresh_from_db()
    assert application.stage == Stage.SOURCED


def test_a_rejection_through_the_dialog(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.ASSESSMENT)
    data = {"from_stage": "assessment", "to_stage": "rejected", "rejection_reason": "missing_role"}
    refused = as_recruiter.post(move_url(application), data, HTTP_ACCEPT="application/json")
    assert refused.status_code == 400
    assert json.loads(refused.content)["errors"] == {
        "reason": ["A written reason is required to reject an application."]
    }
    done = as_recruiter.post(
        move_url(application), {**data, "reason": "Pas d’entrepreneur"}, HTTP_ACCEPT="application/json"
    )
    assert done.status_code == 200 and json.loads(done.content)["card"] == ""
    application.refresh_from_db()
    assert (application.stage, application.rejection_reason) == ("rejected", "missing_role")
    assert application.transitions.get().reason == "Pas d’entrepreneur"


def test_an_unsafe_next_falls_back_to_the_board(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "sourced", "to_stage": "screening", "next": "https://evil.example.org/"},
    )
    assert response["Location"] == mandate.get_absolute_url()


@pytest.mark.parametrize("who", ["ceo", "other_recruiter", "mediator"])
def test_only_the_mandates_recruiters_move(client, mandate, who):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    user = {
        "ceo": mandate.ceo,
        "other_recruiter": UserFactory(groups=["recruiter"]),
        "mediator": UserFactory(groups=["mediator"]),
    }[who]
    if who == "mediator":
        mandate.mediators.add(user)
    client.force_login(user)
    response = client.post(move_url(application), {"from_stage": "sourced", "to_stage": "screening"})
    assert response.status_code == 404
    application.refresh_from_db()
    assert application.stage == Stage.SOURCED


def test_the_move_view_refuses_get(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.SOURCED)
    assert as_recruiter.get(move_url(application)).status_code == 405


def test_a_drop_refused_because_the_card_moved_meanwhile_gets_the_card_where_it_now_is(as_recruiter, mandate):
    application = ApplicationFactory(mandate=mandate, stage=Stage.ASSESSMENT)
    response = as_recruiter.post(
        move_url(application),
        {"from_stage": "sourced", "to_stage": "screening"},
        HTTP_ACCEPT="application/json",
    )
    data = json.loads(response.content)
    assert response.status_code == 400 and data["ok"] is False and data["stage"] == "assessment"
    assert f'data-stage="{Stage.ASSESSMENT}"' in data["card"]  # the board re-places it there
    refused = as_recruiter.post(
        move_url(application), {"from_stage": "sourced", "to_stage": "hired"}, HTTP_ACCEPT="application/json"
    )
    assert json.loads(refused.content)["stage"] == "assessment"
