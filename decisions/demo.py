"""Demo decision meetings for ``seed_demo``.

* Anne-Sophie Roux-Lambert (four held and observed sessions, at "decision"): the meeting is held —
  the three panel members voted, one of them for more evidence (a dissent the report shows) — and
  the CEO (``dg``) decided to hire; ``offers.demo`` then moves her on to "offer".
* Claire Dubois (three held sessions, the CEO's debrief of the third still owed) is moved on to
  "decision": the recruiter opened the meeting and both recruiters voted, the CEO has not — the
  votes stay hidden until she does (or decides).

Deterministic; idempotent (nothing is done for an application that already has a meeting)."""

from candidates import services as candidate_services
from candidates.models import Stage

from . import services
from .models import Choice, DecisionMeeting

HIRED_EMAIL = "as.roux-lambert@example.org"
HALF_VOTED_EMAIL = "claire.dubois@example.org"

HELD_VOTES = (
    (
        "recruteur",
        Choice.HIRE,
        "Quatre séances solides, désaccords tranchés sur les faits ; les trois rôles sont vus à l’œuvre.",
    ),
    (
        "recruteur2",
        Choice.MORE_EVIDENCE,
        "Le rôle d’entrepreneur n’a été observé que deux fois : une référence de plus avant de décider.",
    ),
    (
        "dg",
        Choice.HIRE,
        "Nous avons déjà travaillé ensemble quatre fois pour de vrai : la façon de trancher nous convient.",
    ),
)
HALF_VOTES = (
    (
        "recruteur",
        Choice.MORE_EVIDENCE,
        "La quatrième séance n’est pas encore observée : attendons la lecture du médiateur.",
    ),
    (
        "recruteur2",
        Choice.HIRE,
        "Très bonne partenaire d’affaires ; la posture tient sous la contradiction.",
    ),
)
DECISION_RATIONALE = (
    "Les trois rôles sont évidents sur les séances ; la réserve sur l’entrepreneur sera suivie "
    "dans le plan des 90 jours."
)
DIFFERS_REASON = "Le comité a entendu deux références qui confirment le rôle d’entrepreneur."


def _meeting_with_votes(application, users, votes):
    meeting = services.meeting_open(application=application, by=users["recruteur"])
    for username, choice, rationale in votes:
        services.vote_cast(meeting=meeting, by=users[username], choice=choice, rationale=rationale)
    return meeting


def seed_decisions(*, mandate, users) -> int:
    """Hold Anne-Sophie's meeting (three votes, the CEO's decision "hire") and open Claire's (two
    votes of three), once each. Returns the number of votes cast."""
    cast = 0
    application = mandate.applications.filter(candidate__email=HIRED_EMAIL, stage=Stage.DECISION).first()
    if application is not None and not DecisionMeeting.objects.filter(application=application).exists():
        meeting = _meeting_with_votes(application, users, HELD_VOTES)
        services.meeting_decide(
            meeting=meeting,
            by=users["dg"],
            decision=Choice.HIRE,
            rationale=DECISION_RATIONALE,
            differs_reason=DIFFERS_REASON,
        )
        cast += len(HELD_VOTES)
    application = mandate.applications.filter(candidate__email=HALF_VOTED_EMAIL).first()
    if application is not None and not DecisionMeeting.objects.filter(application=application).exists():
        if application.stage == Stage.WORKING_SESSIONS:
            application = candidate_services.application_move(
                application=application, to_stage=Stage.DECISION, by=users["recruteur"]
            )
        if application.stage == Stage.DECISION:
            _meeting_with_votes(application, users, HALF_VOTES)
            cast += len(HALF_VOTES)
    return cast
