"""Demo working sessions for ``seed_demo``: one candidate with four held and observed sessions,
one with three, one with two planned; CEO and candidate debriefs included. Deterministic."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from . import ipa, notices, scheduling, services
from .models import WorkingSession

PROBLEMS = [
    "Refonte du processus de clôture mensuelle : passer de 12 à 6 jours ouvrés.",
    "Choix d’un outil de gestion des contrats et plan de déploiement auprès des ventes.",
    "Préparation du comité d’investissement : modéliser l’ouverture d’un second site.",
    "Plan de réduction des délais de paiement fournisseurs sans tension de trésorerie.",
]
# Per candidate e-mail: (days ago of the first session or None for future, held sessions, planned sessions,
# per-session base level of the dimensions, per-session verdict)
PLANS = {
    "as.roux-lambert@example.org": (
        40,
        4,
        0,
        [3, 4, 4, 5],
        ["to_confirm", "compatible", "compatible", "compatible"],
    ),
    "claire.dubois@example.org": (30, 3, 0, [4, 3, 3], ["compatible", "to_confirm", "to_confirm"]),
    "julien.moreau@example.org": (None, 0, 2, [], []),
}
DIM_OFFSETS = [0, 1, -1, 0, 0, 1, 0, -1]
TALLY_BASE = {
    "solidarity": 2,
    "tension_release": 3,
    "agrees": 8,
    "gives_suggestion": 6,
    "gives_opinion": 9,
    "gives_orientation": 12,
    "asks_orientation": 5,
    "asks_opinion": 4,
    "asks_suggestion": 2,
    "disagrees": 3,
    "shows_tension": 1,
    "antagonism": 0,
}


def _clamp(value):
    return max(1, min(5, value))


def seed_sessions(*, mandate, users, now=None):
    """Create the demo sessions (once). Returns the number of sessions created."""
    if WorkingSession.objects.filter(application__mandate=mandate).exists():
        return 0
    now = now or timezone.now()
    today = timezone.localdate(now)
    mediator, ceo, recruiter = users["mediateur"], users["dg"], users["recruteur"]
    made = 0
    for index, (email, (days_ago, held, planned, levels, verdicts)) in enumerate(PLANS.items()):
        application = mandate.applications.filter(candidate__email=email).first()
        if application is None:
            continue
        for n in range(held + planned):
            if n < held:
                day = today - timedelta(days=days_ago - 7 * n)
            else:
                day = today + timedelta(days=3 + 7 * (n - held) + index)
            start = scheduling.localize(datetime.combine(day, time(9 + 2 * index, 0)), "Europe/Paris")
            session = services.session_schedule(
                application=application,
                starts_at=start,
                ends_at=start + timedelta(hours=1, minutes=30),
                mediator=mediator,
                problem=PROBLEMS[n % len(PROBLEMS)],
                location="Salle Lumière, 12 rue de l’Exemple, Lyon"
                if n % 2 == 0
                else "https://visio.example.org/seance",
                by=recruiter,
            )
            made += 1
            if n == 0 and held:
                # The candidates with held sessions read the notice sent with their first one;
                # the one with planned sessions only has not yet (it shows on the sessions page).
                notice = application.assessment_notices.get()
                notices.notice_acknowledge(
                    token=notices.notice_token(notice), language="fr", now=start - timedelta(days=3)
                )
            if n >= held:
                continue
            level = levels[n]
            observation = services.observation_start(session=session, mediator=mediator)
            for party, factor in ((ipa.CEO, 1.0), (ipa.CANDIDATE, 0.8)):
                for code, base in TALLY_BASE.items():
                    count = round(base * factor) + (n if code in ipa.POSITIVE_CODES else 0)
                    for _ in range(count):
                        services.observation_tally(
                            observation=observation, party=party, category=code, delta=1, by=mediator
                        )
            ratings = {d.code: _clamp(level + DIM_OFFSETS[i]) for i, d in enumerate(ipa.DIMENSIONS)}
            services.observation_save(
                observation=observation,
                by=mediator,
                ratings=ratings,
                verdict=verdicts[n],
                confidence=3 + (n % 2),
                synthesis=(
                    "Échanges directs et respectueux ; la personne candidate reformule avant de proposer, "
                    "le dirigeant ouvre davantage la discussion au fil de la séance."
                ),
            )
            services.incident_add(
                observation=observation,
                by=mediator,
                minute=18 + n,
                who="ceo",
                tag="disagreement",
                behaviour="Conteste le chiffrage proposé et demande la source des hypothèses.",
                interpretation="Besoin de preuves avant d’accorder sa confiance.",
            )
            services.incident_add(
                observation=observation,
                by=mediator,
                minute=52,
                who="candidate",
                tag="rally",
                behaviour="Reprend l’idée du dirigeant et la complète par un calendrier en trois étapes.",
                interpretation="Construit sur les idées de l’autre plutôt que de les remplacer.",
            )
            services.observation_submit(observation=observation, by=mediator, now=now)
            services.debrief_submit_ceo(
                session=session,
                by=ceo,
                ratings={d.code: _clamp(level + 1) for d in ipa.DIMENSIONS},
                comment="Séance utile, échanges francs.",
            )
            token = services.debrief_invitation_create(session=session)
            services.debrief_submit_candidate(
                token=token,
                ratings={d.code: _clamp(level) for d in ipa.DIMENSIONS},
                comment="J’ai pu exposer ma démarche.",
            )
    return made
