"""Demo decision meeting for ``seed_demo``: Anne-Sophie Roux-Lambert (four held and observed
sessions) is at the decision stage; the recruiter opened the meeting and both recruiters voted,
the CEO (``dg``) has not: the votes stay hidden until she does (or decides). Deterministic."""

from . import services
from .models import Choice, DecisionMeeting

EMAIL = "as.roux-lambert@example.org"
VOTES = (
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
)


def seed_decisions(*, mandate, users) -> int:
    """Open the demo meeting and cast the two recruiters' votes (once). Returns the number of
    votes cast (0 when the meeting exists already or the application is not at "decision")."""
    application = mandate.applications.filter(candidate__email=EMAIL, stage="decision").first()
    if application is None or DecisionMeeting.objects.filter(application=application).exists():
        return 0
    meeting = services.meeting_open(application=application, by=users["recruteur"])
    for username, choice, rationale in VOTES:
        services.vote_cast(meeting=meeting, by=users[username], choice=choice, rationale=rationale)
    return len(VOTES)
