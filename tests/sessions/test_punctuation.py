"""The mediator's reading of communication, completed (issue 10, item 5): the punctuation question
in both debriefs and the observation (Watzlawick, Beavin & Jackson 1967, axiom 3), the three
accounts side by side on the session page and in the report, the CEO-versus-candidate gap beside
each party's gap to the mediator, the explicit meta-communication dimension (unrated in older
observations, never zero) and the mediator's confidence next to each verdict."""

import pytest
from django.urls import reverse

from reports import rendering
from reports.snapshot import build_snapshot
from sessions import ipa, services
from sessions.compatibility import perception_table
from sessions.models import Debrief, Observation
from tests.sessions.conftest import observe, ratings

pytestmark = pytest.mark.django_db

CEO_ACCOUNT = "Le chiffrage sans source ; on l’a vérifié ensemble."
CANDIDATE_ACCOUNT = "Ma question sur le délai ; le dirigeant a accepté de vérifier."
MEDIATOR_ACCOUNT = "Le DG conteste le délai ; la personne candidate propose de vérifier."


def dims(values):
    return {f"dim_{code}": str(v) for code, v in ratings(values).items()}


@pytest.fixture
def held(world):
    session = world.past_session(days_ago=2)
    observation = services.observation_start(session=session, mediator=world.mediator)
    services.observation_save(
        observation=observation,
        by=world.mediator,
        ratings=ratings(3),
        verdict=ipa.COMPATIBLE,
        confidence=4,
        punctuation=f"  {MEDIATOR_ACCOUNT}  ",
    )
    services.observation_submit(observation=observation, by=world.mediator)
    session.refresh_from_db()
    return session


def test_the_mediator_records_the_punctuation_and_a_revision_keeps_it(world, held):
    observation = Observation.objects.get(session=held, is_current=True)
    assert observation.punctuation == MEDIATOR_ACCOUNT  # stripped
    revision = services.observation_revise(observation=observation, by=world.mediator, reason="Relecture.")
    assert revision.punctuation == MEDIATOR_ACCOUNT


def test_both_debriefs_ask_the_question_and_the_page_sets_the_three_accounts_side_by_side(
    client, world, held
):
    client.force_login(world.ceo)
    form = client.get(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": held.pk})
    ).content.decode()
    assert "What, in your view, started the main disagreement of the session, and how did it end?" in form
    client.post(
        reverse("working_sessions:ceo_debrief", kwargs={"session_pk": held.pk}),
        {**dims(5), "punctuation": CEO_ACCOUNT},
    )
    token = services.debrief_invitation_create(session=held)
    public = client.get(reverse("working_sessions:candidate_debrief", args=[token])).content.decode()
    assert "started the main disagreement" in public
    client.post(
        reverse("working_sessions:candidate_debrief", args=[token]),
        {**dims(2), "punctuation": CANDIDATE_ACCOUNT},
    )
    assert Debrief.objects.get(session=held, party="ceo").punctuation == CEO_ACCOUNT
    assert Debrief.objects.get(session=held, party="candidate").punctuation == CANDIDATE_ACCOUNT
    html = client.get(held.get_absolute_url()).content.decode()
    assert "three accounts" in html
    for text in (CEO_ACCOUNT, CANDIDATE_ACCOUNT, MEDIATOR_ACCOUNT):
        assert text.replace("’", "&#x27;") in html or text in html
    # CEO 5, candidate 2 on every dimension: +3 between them, whatever the mediator's 3.
    assert html.count('data-col="parties_gap" data-label="CEO − candidate">+3</td>') == len(ipa.DIMENSIONS)


def test_the_ceo_versus_candidate_gap_is_the_difference_of_the_two_gaps():
    rows = perception_table(
        {"listening": 3.0, "trust": 4.0},
        {"ceo": {"listening": 1.5, "trust": None}, "candidate": {"listening": -0.5, "trust": 1.0}},
    )
    by_code = {r["code"]: r for r in rows}
    assert by_code["listening"]["parties"] == pytest.approx(2.0)  # 1.5 − (−0.5)
    assert by_code["trust"]["parties"] is None  # the CEO did not rate it
    assert by_code["metacommunication"]["parties"] is None


def test_the_report_shows_the_three_accounts_and_the_confidence_beside_each_verdict(world, held):
    services.debrief_submit_ceo(session=held, by=world.ceo, ratings=ratings(4), punctuation=CEO_ACCOUNT)
    token = services.debrief_invitation_create(session=held)
    services.debrief_submit_candidate(token=token, ratings=ratings(3), punctuation=CANDIDATE_ACCOUNT)
    snapshot = build_snapshot(application=world.application, version=1, language="en")
    [row] = [r for r in rendering._session_rows(snapshot) if r["order"] == held.order]
    assert (row["punctuation_ceo"], row["punctuation_candidate"], row["punctuation_mediator"]) == (
        CEO_ACCOUNT,
        CANDIDATE_ACCOUNT,
        MEDIATOR_ACCOUNT,
    )
    html = rendering.render_html(snapshot)
    assert "three accounts" in html and "confidence 4/5" in html
    assert "CEO − candidate" in html


def test_the_summary_gives_the_mediators_confidence_next_to_each_session_verdict(client, world, held):
    second = world.past_session(days_ago=1)
    observe(second, values=4, verdict=ipa.TO_CONFIRM, confidence=2)
    client.force_login(world.recruiter)
    html = client.get(reverse("assessments:summary", args=[world.application.pk])).content.decode()
    assert f'data-session-verdict="{held.order}">{held.order} ✓ (confidence 4/5)' in html
    assert f'data-session-verdict="{second.order}">{second.order} ? (confidence 2/5)' in html


def test_an_observation_made_before_the_ninth_dimension_reads_it_unrated(world, held):
    observation = Observation.objects.get(session=held, is_current=True)
    old = {k: v for k, v in observation.ratings.items() if k != "metacommunication"}
    Observation.objects.filter(pk=observation.pk).update(ratings=old)  # as stored before the dimension
    services.debrief_submit_ceo(session=held, by=world.ceo, ratings=ratings(3))  # unsealed for the report
    snapshot = build_snapshot(application=world.application, version=1, language="en")
    compatibility = snapshot["summary"]["compatibility"]
    assert compatibility["dimension_means"]["metacommunication"] is None
    [session] = [s for s in compatibility["sessions"] if s["order"] == held.order]
    assert session["mean_rating"] == pytest.approx(3.0)  # the eight rated dimensions at 3, no zero
